package pool

import (
	"math/rand/v2"
	"time"
)

// Backoff is SPINE's one backoff: the delay before the n-th attempt (n ≥ 1) is Base doubled
// per attempt after the first, capped at Max, with ±25% jitter so that many failing calls or
// servers do not retry in lockstep. Attempts up to Free are not delayed at all.
// docs/design.md, "Outcomes" (Backoff).
type Backoff struct {
	Base time.Duration
	Max  time.Duration
	Free int // attempts that go at once
}

// The pool's backoffs, each with why its numbers are what they are.
var (
	// RestartBackoff spaces the replacements of a failing session: the first replacement is
	// immediate (a crash is often a one-off); a server that keeps failing is retried at most
	// every 30 s, which also bounds the CPU a crash loop can burn.
	RestartBackoff = Backoff{Base: 100 * time.Millisecond, Max: 30 * time.Second, Free: 1}
	// RetryBackoff spaces a pool's retries of a call on a fresh session: short, since the
	// caller waits and a retried call certainly did not run or is safe to repeat.
	RetryBackoff = Backoff{Base: 50 * time.Millisecond, Max: 1600 * time.Millisecond}
)

// Delay returns the wait before attempt n.
func (b Backoff) Delay(n int) time.Duration {
	d := b.Nominal(n)
	if d == 0 {
		return 0
	}
	return d - d/4 + time.Duration(rand.Int64N(int64(d)/2+1))
}

// Nominal returns the delay before attempt n without jitter: Delay is within ±25% of it.
func (b Backoff) Nominal(n int) time.Duration {
	if n <= b.Free {
		return 0
	}
	d := b.Base << min(n-b.Free-1, 16)
	if d > b.Max || d <= 0 {
		d = b.Max
	}
	return d
}
