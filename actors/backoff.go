package actors

import (
	"math/rand/v2"
	"time"
)

// backoff is SPINE's one backoff: the delay before the n-th attempt (n ≥ 1) is base doubled
// per attempt after the first, capped at max, with ±25% jitter so that many failing calls or
// servers do not retry in lockstep. Attempts up to free are not delayed at all.
type backoff struct {
	base time.Duration
	max  time.Duration
	free int // attempts that go at once
}

// The backoffs of SPINE, each with why its numbers are what they are.
var (
	// restartBackoff spaces the replacements of a failing session: the first replacement is
	// immediate (a crash is often a one-off); a server that keeps failing is retried at most
	// every 30 s, which also bounds the CPU a crash loop can burn.
	restartBackoff = backoff{base: 100 * time.Millisecond, max: 30 * time.Second, free: 1}
	// retryBackoff spaces a pool's retries of a call on a fresh session: short, since the
	// caller waits and a retried call certainly did not run or is safe to repeat.
	retryBackoff = backoff{base: 50 * time.Millisecond, max: 1600 * time.Millisecond}
	// stepBackoff spaces a workflow step's attempts: longer, since a step often waits for a
	// server to come back.
	stepBackoff = backoff{base: 100 * time.Millisecond, max: 2 * time.Second}
)

// delay returns the wait before attempt n.
func (b backoff) delay(n int) time.Duration {
	if n <= b.free {
		return 0
	}
	d := b.base << min(n-b.free-1, 16)
	if d > b.max || d <= 0 {
		d = b.max
	}
	return d - d/4 + time.Duration(rand.Int64N(int64(d)/2+1))
}
