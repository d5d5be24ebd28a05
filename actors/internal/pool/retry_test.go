package pool

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spine-mcp/spine/actors/internal/outcome"
)

// Pool policies (see dispatch_test.go): retries under the one retry policy, restart
// backoff, the circuit breaker, failed starts.

func TestRetry(t *testing.T) {
	lost := func(class outcome.Class, safe bool) *outcome.Failure {
		return &outcome.Failure{Class: class, Reason: outcome.ReasonSessionLost, Message: "EOF", Safe: safe}
	}
	cases := []struct {
		name     string
		retries  int
		call     Call
		late     bool // the caller's deadline has passed when the failure comes
		failure  *outcome.Failure
		retried  bool
		want     error
		mentions string
	}{
		{"not sent: retried", 1, Call{}, false, lost(outcome.ClassNotSent, false), true, nil, ""},
		{"may have run, safe: retried", 1, Call{}, false, lost(outcome.ClassMaybeRan, true), true, nil, ""},
		{"may have run, not safe: never replayed", 1, Call{}, false, lost(outcome.ClassMaybeRan, false), false, outcome.ErrSessionLost, "not retried"},
		{"transport hiccup, not safe: never replayed", 1, Call{}, false,
			&outcome.Failure{Class: outcome.ClassMaybeRan, Reason: outcome.ReasonTransport, Message: "reset"}, false, outcome.ErrMaybeRan, "reset"},
		{"timeout, even safe: never retried by the pool", 1, Call{}, false,
			&outcome.Failure{Class: outcome.ClassTimeout, Reason: outcome.ReasonCallTimeout, Safe: true}, false, context.DeadlineExceeded, ""},
		{"protocol error: the server answered", 1, Call{}, false,
			&outcome.Failure{Class: outcome.ClassProtocol, Reason: outcome.ReasonServerError, Message: "bad"}, false, nil, "bad"},
		{"cancelled by the caller", 1, Call{}, false,
			&outcome.Failure{Class: outcome.ClassNotSent, Reason: outcome.ReasonCanceled}, false, context.Canceled, ""},
		{"retries spent", 0, Call{}, false, lost(outcome.ClassNotSent, false), false, outcome.ErrNotSent, "after 1 attempt(s)"},
		{"a batch's call is never moved", 1, Call{Only: 1}, false, lost(outcome.ClassNotSent, false), false, outcome.ErrNotSent, ""},
		{"past the caller's deadline", 1, Call{}, true, lost(outcome.ClassNotSent, false), false, outcome.ErrNotSent, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Retries = tc.retries
			h, ids := warm(t, cfg, 1)
			c := tc.call
			c.ID = 1
			if c.Only != 0 {
				c.Only = ids[0]
			}
			if tc.late {
				c.Deadline = h.clock.now.Add(time.Second)
			}
			h.one(h.arrive(c), Dispatch)
			if tc.late {
				h.advance(2 * time.Second)
			}
			effects := h.done(ids[0], 1, tc.failure)
			// A lost session is stopped and replaced (min_sessions); any other failure leaves
			// the session where it is.
			replacements := of(effects, Spawn)
			if lost := tc.failure.Reason == outcome.ReasonSessionLost; lost != (len(of(effects, Stop)) == 1) || lost != (len(replacements) == 1) {
				t.Fatalf("session lost %v, but effects %+v", lost, effects)
			}
			if !tc.retried {
				h.wantAnswered(effects, 1, tc.want, tc.mentions)
				return
			}
			if _, ok := replyTo(effects, 1); ok {
				t.Fatal("answered instead of retried")
			}
			a := h.one(effects, Arm)
			if a.Timer.Kind != RetryTimer || a.After < 37*time.Millisecond || a.After > 63*time.Millisecond {
				t.Fatalf("armed %+v, want the retry backoff (50 ms ± 25%%)", a)
			}
			// The retry runs on a live session: the old one if it is, a fresh one otherwise.
			effects = h.advance(a.After)
			for _, s := range append(replacements, of(effects, Spawn)...) {
				effects = append(effects, h.take(h.p.Ready(s.Session))...)
			}
			if d := h.one(effects, Dispatch); d.Call != 1 || d.Attempt != 2 {
				t.Fatalf("retry dispatched %+v, want call 1, attempt 2", d)
			}
		})
	}
}

func TestRestartBackoff(t *testing.T) {
	cases := []struct {
		streak int
		want   time.Duration
	}{{1, 0}, {2, 100 * time.Millisecond}, {3, 200 * time.Millisecond}, {6, 1600 * time.Millisecond}, {20, 30 * time.Second}, {1000, 30 * time.Second}}
	for _, tc := range cases {
		if got := RestartBackoff.Nominal(tc.streak); got != tc.want {
			t.Errorf("restart %d: nominal backoff %s, want %s", tc.streak, got, tc.want)
		}
		for range 100 {
			if d := RestartBackoff.Delay(tc.streak); d < tc.want*3/4 || d > tc.want*5/4 {
				t.Fatalf("restart %d: backoff %s outside %s ± 25%%", tc.streak, d, tc.want)
			}
		}
	}

	// Driven through the pool: the first replacement is immediate, the next ones back off;
	// a good call ends the streak.
	cfg := testConfig()
	cfg.CircuitThreshold = 0
	h, ids := warm(t, cfg, 1)
	replacement := h.one(h.take(h.p.Lost(ids[0], errors.New("exit 1"), false)), Spawn)
	effects := h.take(h.p.Lost(replacement.Session, errors.New("connect refused"), true))
	if len(of(effects, Spawn)) != 0 {
		t.Fatal("a second failure in a row was replaced at once")
	}
	b := h.one(effects, BackingOff)
	if b.After < 75*time.Millisecond || b.After > 125*time.Millisecond {
		t.Fatalf("backoff %s, want 100 ms ± 25%%", b.After)
	}
	if len(of(h.advance(b.After-time.Millisecond), Spawn)) != 0 {
		t.Fatal("replaced before the backoff ended")
	}
	next := h.one(h.advance(time.Millisecond), Spawn)
	h.take(h.p.Ready(next.Session))
	h.one(h.arrive(Call{ID: 1}), Dispatch)
	h.done(next.Session, 1, nil)
	if len(of(h.take(h.p.Lost(next.Session, errors.New("exit 1"), false)), Spawn)) != 1 {
		t.Fatal("after a good call, a lost session was not replaced at once")
	}
}

func TestCircuit(t *testing.T) {
	for _, probeOK := range []bool{true, false} {
		t.Run(fmt.Sprintf("probe ok %v", probeOK), func(t *testing.T) {
			cfg := testConfig() // threshold 3, reset 10 s
			cfg.MinSessions = 1
			h := newHarness(t, cfg)
			s := h.one(h.last, Spawn).Session
			var opened []Effect
			for i := range 3 {
				effects := h.take(h.p.Lost(s, fmt.Errorf("start %d failed", i), true))
				opened = append(opened, of(effects, CircuitOpened)...)
				if i == 2 {
					break
				}
				spawns := of(effects, Spawn)
				if len(spawns) == 0 {
					spawns = of(h.advance(time.Second), Spawn)
				}
				s = spawns[0].Session
			}
			if len(opened) != 1 || opened[0].After != 10*time.Second {
				t.Fatalf("circuit opened %+v, want once for circuit_reset", opened)
			}
			f := h.wantReply(h.arrive(Call{ID: 1}), 1, outcome.ErrCircuitOpen)
			if f.Class != outcome.ClassRefused || !strings.Contains(f.Message, "after 3 failed starts") || !strings.Contains(f.Message, "start 2 failed") {
				t.Fatalf("refusal %q: want the count of failed starts and the last error", f.Message)
			}
			if n := len(of(h.advance(9*time.Second), Spawn)); n != 0 {
				t.Fatalf("%d starts while the circuit is open", n)
			}
			effects := h.advance(3 * time.Second)
			if len(of(effects, CircuitHalfOpen)) == 0 {
				t.Fatal("the circuit did not half-open after circuit_reset")
			}
			// Half-open: calls are taken again, but one start decides before any other.
			for id := uint64(10); id < 13; id++ {
				effects = append(effects, h.arrive(Call{ID: id})...)
			}
			effects = append(effects, h.advance(time.Minute)...)
			probes := of(effects, Spawn)
			if len(probes) != 1 {
				t.Fatalf("%d starts when half-open, want one probe start", len(probes))
			}
			if probeOK {
				h.one(h.take(h.p.Ready(probes[0].Session)), CircuitClosed)
				h.one(h.arrive(Call{ID: 2}), Dispatch)
				return
			}
			h.one(h.take(h.p.Lost(probes[0].Session, errors.New("still down"), true)), CircuitOpened)
			h.wantReply(h.arrive(Call{ID: 2}), 2, outcome.ErrCircuitOpen)
		})
	}
}

// Callers waiting on a key whose only session failed to start get the start error at once;
// a server that has worked before says the call was not sent.
func TestFailedStartAnswersWaitingCalls(t *testing.T) {
	cfg := testConfig()
	h := newHarness(t, cfg)
	s := h.one(h.arrive(Call{ID: 1}), Spawn).Session
	f := h.wantReply(h.take(h.p.Lost(s, context.DeadlineExceeded, true)), 1, context.DeadlineExceeded)
	if f.Reason != outcome.ReasonConnectTime || f.Class != outcome.ClassNotSent {
		t.Fatalf("failure %+v: want a connect timeout, not sent", f)
	}
	s = h.one(h.arrive(Call{ID: 2}), Spawn).Session
	h.take(h.p.Ready(s))
	h.done(s, 2, nil)
	h.take(h.p.Lost(s, errors.New("exit 1"), false))
	retry := h.one(h.arrive(Call{ID: 3}), Spawn) // the first restart is immediate
	f = h.wantReply(h.take(h.p.Lost(retry.Session, errors.New("exec failed"), true)), 3, outcome.ErrNotSent)
	if !strings.Contains(f.Message, "failed to start, so the call was not sent") {
		t.Fatalf("message %q", f.Message)
	}
}

// wantAnswered checks that call was answered, not retried, after one attempt, with a failure
// matching want (when set) whose message mentions mentions.
func (h *harness) wantAnswered(effects []Effect, call uint64, want error, mentions string) {
	h.t.Helper()
	if len(h.armedFor(RetryTimer)) != 0 {
		h.t.Fatal("a retry was armed")
	}
	e, ok := replyTo(effects, call)
	if !ok || e.Failure == nil {
		h.t.Fatalf("no failure answered: %+v", effects)
	}
	if want != nil && !errors.Is(e.Failure, want) {
		h.t.Fatalf("answered %v, want %v", e.Failure, want)
	}
	if !strings.Contains(e.Failure.Message, mentions) || e.Failure.Attempts != 1 {
		h.t.Fatalf("answered %q after %d attempts, want it to mention %q after 1", e.Failure.Message, e.Failure.Attempts, mentions)
	}
}
