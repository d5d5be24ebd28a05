package pool

import (
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/spine-mcp/spine/actors/internal/outcome"
)

// fakeClock is a clock that moves only when a test says so.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

// harness drives a Pool the way the server actor does, with a fake clock: it keeps the
// timers the pool armed and fires them, in order, when the test moves the clock.
type harness struct {
	t     *testing.T
	p     *Pool
	clock *fakeClock
	armed map[Timer]time.Time
	last  []Effect // the effects of the last input (timers fired included)
}

// testConfig is a small pool: 2 sessions of one call each, 1 s acquire timeout, one retry,
// a circuit that opens after 3 failed starts for 10 s.
func testConfig() Config {
	return Config{
		MaxSessions: 2, MaxInflight: 1, TotalSessions: 1024,
		AcquireTimeout: time.Second, Retries: 1,
		CircuitThreshold: 3, CircuitReset: 10 * time.Second, Tick: time.Second,
	}
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{t: t, clock: &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, armed: map[Timer]time.Time{}}
	h.p = New(cfg, h.clock)
	h.take(h.p.Start())
	return h
}

// take records the effects of one input (copied: the pool reuses its slice) and the timers.
func (h *harness) take(effects []Effect) []Effect {
	out := append([]Effect(nil), effects...)
	for _, e := range out {
		switch e.Kind {
		case Arm:
			h.armed[e.Timer] = h.clock.now.Add(e.After)
		case Disarm:
			delete(h.armed, e.Timer)
		}
	}
	h.last = out
	return out
}

// advance moves the clock by d, firing the timers that come due on the way, in time order.
func (h *harness) advance(d time.Duration) []Effect {
	end := h.clock.now.Add(d)
	var all []Effect
	for {
		var next *Timer
		var at time.Time
		for t, due := range h.armed {
			if !due.After(end) && (next == nil || due.Before(at)) {
				t := t
				next, at = &t, due
			}
		}
		if next == nil {
			break
		}
		delete(h.armed, *next)
		h.clock.now = at
		all = append(all, h.take(h.p.Fire(*next))...)
	}
	h.clock.now = end
	h.last = all
	return all
}

func (h *harness) arrive(c Call) []Effect { return h.take(h.p.Arrive(c)) }

func (h *harness) done(session, call uint64, f *outcome.Failure) []Effect {
	return h.take(h.p.Done(session, call, f))
}

// of returns the effects of one kind.
func of(effects []Effect, k Kind) []Effect {
	var out []Effect
	for _, e := range effects {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// one returns the only effect of kind k, failing the test otherwise.
func (h *harness) one(effects []Effect, k Kind) Effect {
	h.t.Helper()
	got := of(effects, k)
	if len(got) != 1 {
		h.t.Fatalf("want one effect of kind %d, got %d in %+v", k, len(got), effects)
	}
	return got[0]
}

// open brings n sessions of the shared key up: n calls arrive, their sessions start and the
// calls are done. It returns the session ids in spawn order.
func (h *harness) open(n int) []uint64 {
	h.t.Helper()
	var ids []uint64
	for i := range n {
		ids = append(ids, h.one(h.arrive(Call{ID: uint64(1000 + i)}), Spawn).Session)
	}
	for i, id := range ids {
		h.one(h.take(h.p.Ready(id)), Dispatch)
		h.done(id, uint64(1000+i), nil)
	}
	return ids
}

// dispatched maps each dispatched call to its session.
func dispatched(effects []Effect) map[uint64]uint64 {
	out := map[uint64]uint64{}
	for _, e := range of(effects, Dispatch) {
		out[e.Call] = e.Session
	}
	return out
}

func replyTo(effects []Effect, call uint64) (Effect, bool) {
	for _, e := range of(effects, Reply) {
		if e.Call == call {
			return e, true
		}
	}
	return Effect{}, false
}

func (h *harness) wantReply(effects []Effect, call uint64, sentinel error) *outcome.Failure {
	h.t.Helper()
	e, ok := replyTo(effects, call)
	if !ok {
		h.t.Fatalf("call %d: no reply in %+v", call, effects)
	}
	if sentinel == nil {
		if e.Failure != nil {
			h.t.Fatalf("call %d: failure %v, want success", call, e.Failure)
		}
		return nil
	}
	if e.Failure == nil || !errors.Is(e.Failure, sentinel) {
		h.t.Fatalf("call %d: reply %v, want %v", call, e.Failure, sentinel)
	}
	return e.Failure
}

func (h *harness) armedFor(k TimerKind) []Timer {
	var out []Timer
	for t := range h.armed {
		if t.Kind == k {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Call < out[j].Call })
	return out
}
