package pool

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spine-mcp/spine/actors/internal/outcome"
)

// Pool policies (see dispatch_test.go): health, recycling, drain, stop.

func TestHealth(t *testing.T) {
	cases := []struct {
		name    string
		idle    time.Duration
		suspect bool // the last call on the first session timed out
		probes  int
	}{
		{"fresh sessions are not probed", 500 * time.Millisecond, false, 0},
		{"sessions idle past health_interval are probed first", 2 * time.Second, false, 2},
		{"a session that timed out a call is probed first", 0, true, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.HealthInterval, cfg.HealthProbes = time.Second, true
			h, ids := warm(t, cfg, 2)
			if tc.suspect {
				h.one(h.arrive(Call{ID: 1}), Dispatch)
				h.done(ids[0], 1, &outcome.Failure{Class: outcome.ClassTimeout, Reason: outcome.ReasonCallTimeout})
			}
			h.advance(tc.idle)
			effects := h.arrive(Call{ID: 2})
			probes := of(effects, Probe)
			if len(probes) != tc.probes {
				t.Fatalf("%d probes, want %d: %+v", len(probes), tc.probes, effects)
			}
			if tc.probes == 0 {
				h.one(effects, Dispatch)
				return
			}
			if tc.suspect && (!probes[0].Suspect || probes[0].Session != ids[0]) {
				t.Fatalf("probe %+v, want the suspect session %d", probes[0], ids[0])
			}
			// A failed probe replaces that session only; the call waits for a good one.
			effects = h.take(h.p.ProbeDone(probes[0].Session, errors.New("ping: EOF")))
			h.one(effects, HealthFailed)
			if st := h.one(effects, Stop); st.Session != probes[0].Session {
				t.Fatalf("stopped %d, want the probed %d", st.Session, probes[0].Session)
			}
			if tc.probes == 2 {
				if d := h.one(h.take(h.p.ProbeDone(probes[1].Session, nil)), Dispatch); d.Session != probes[1].Session {
					t.Fatalf("dispatched to %d, want the session that passed %d", d.Session, probes[1].Session)
				}
			}
		})
	}
}

func TestRecycling(t *testing.T) {
	cfg := testConfig()
	cfg.IdleTimeout, cfg.MaxLifetime = 5*time.Second, 20*time.Second
	cfg.MinSessions = 1
	h, ids := warm(t, cfg, 1)
	h.one(h.arrive(Call{ID: 1}), Dispatch)
	second := h.one(h.arrive(Call{ID: 2}), Spawn).Session
	h.one(h.take(h.p.Ready(second)), Dispatch)
	h.done(ids[0], 1, nil)
	h.advance(time.Second)
	h.done(second, 2, nil)

	// Idle sessions above min_sessions close after idle_timeout; the minimum stays.
	closed := of(h.advance(5500*time.Millisecond), Closed)
	if len(closed) != 1 || closed[0].Session != ids[0] || closed[0].Reason != "idle_timeout" {
		t.Fatalf("closed %+v, want the longest idle session %d for idle_timeout", closed, ids[0])
	}
	if n := len(of(h.advance(3*time.Second), Closed)); n != 0 {
		t.Fatalf("%d more closed: min_sessions must stay", n)
	}

	// A session past max_lifetime takes no new call, finishes the one it has, is replaced.
	h.one(h.arrive(Call{ID: 3}), Dispatch)
	effects := h.advance(12 * time.Second)
	if r := h.one(effects, Recycled); r.Session != second {
		t.Fatalf("recycled %+v, want %d", r, second)
	}
	if len(of(effects, Stop)) != 0 {
		t.Fatal("a busy session was stopped before its call was done")
	}
	replacement := h.one(effects, Spawn).Session
	effects = h.done(second, 3, nil)
	if c := h.one(effects, Closed); c.Session != second || c.Reason != "max_lifetime" {
		t.Fatalf("closed %+v, want %d for max_lifetime", c, second)
	}
	h.take(h.p.Ready(replacement))
	if d := h.one(h.arrive(Call{ID: 4}), Dispatch); d.Session != replacement {
		t.Fatalf("call went to %d, want the replacement %d", d.Session, replacement)
	}
}

func TestDrain(t *testing.T) {
	for _, expire := range []bool{false, true} {
		t.Run(fmt.Sprintf("deadline passes %v", expire), func(t *testing.T) {
			cfg := testConfig()
			cfg.MaxSessions = 1
			h, ids := warm(t, cfg, 1)
			h.one(h.arrive(Call{ID: 1}), Dispatch)
			h.arrive(Call{ID: 2})
			effects := h.take(h.p.Drain(h.clock.now.Add(5 * time.Second)))
			if f := h.wantReply(effects, 2, outcome.ErrClosed); f.Class != outcome.ClassRefused {
				t.Fatalf("a waiting call answered %+v, want refused", f)
			}
			if len(of(effects, Drained)) != 0 {
				t.Fatal("drained with a call in flight")
			}
			h.wantReply(h.arrive(Call{ID: 3}), 3, outcome.ErrClosed)
			if !expire {
				effects = h.done(ids[0], 1, nil)
				h.wantReply(effects, 1, nil)
				if d := h.one(effects, Drained); d.Count != 0 {
					t.Fatalf("drained %+v, want nothing cancelled", d)
				}
				return
			}
			if c := h.one(h.advance(5*time.Second), CancelCall); c.Call != 1 || c.Session != ids[0] {
				t.Fatalf("cancelled %+v, want call 1", c)
			}
			effects = h.done(ids[0], 1, &outcome.Failure{Class: outcome.ClassMaybeRan, Reason: outcome.ReasonCanceled, Message: "context canceled"})
			if f := h.wantReply(effects, 1, outcome.ErrClosed); !strings.Contains(f.Message, "after the drain deadline") {
				t.Fatalf("message %q", f.Message)
			}
			if d := h.one(effects, Drained); d.Count != 1 {
				t.Fatalf("drained %+v, want one call cancelled", d)
			}
		})
	}
}

func TestStopAnswersEveryCall(t *testing.T) {
	cfg := testConfig()
	cfg.MaxSessions = 1
	h, ids := warm(t, cfg, 1)
	h.one(h.arrive(Call{ID: 1}), Dispatch)
	h.arrive(Call{ID: 2})
	effects, order := h.p.Stop()
	effects = h.take(effects)
	if f := h.wantReply(effects, 1, outcome.ErrClosed); f.Class != outcome.ClassMaybeRan {
		t.Fatalf("the running call answered %+v, want maybe_ran", f)
	}
	h.one(effects, CancelCall)
	if f := h.wantReply(effects, 2, outcome.ErrClosed); f.Class != outcome.ClassRefused {
		t.Fatalf("the waiting call answered %+v, want refused", f)
	}
	if len(order) != 1 || order[0] != ids[0] {
		t.Fatalf("sessions to stop %v, want %v", order, ids)
	}
}

// A session actor that stops before starting the calls dispatched to it releases them: they
// certainly did not reach the server. Whichever comes first, its release or the news that
// its actor terminated, the calls are answered (here, draining, without a retry) and the
// drain ends.
func TestReleasedCallsWereNotSent(t *testing.T) {
	for _, terminatedFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("terminated first %v", terminatedFirst), func(t *testing.T) {
			cfg := testConfig()
			cfg.MaxSessions, cfg.MaxInflight = 1, 2
			h, ids := warm(t, cfg, 1)
			h.one(h.arrive(Call{ID: 1}), Dispatch)
			h.one(h.arrive(Call{ID: 2}), Dispatch)
			h.take(h.p.Drain(h.clock.now.Add(time.Minute)))
			var effects []Effect
			if terminatedFirst {
				effects = h.take(h.p.Terminated(ids[0]))
			}
			effects = append(effects, h.take(h.p.Released(ids[0]))...)
			for _, call := range []uint64{1, 2} {
				if f := h.wantReply(effects, call, outcome.ErrNotSent); f.Reason != outcome.ReasonSessionLost {
					t.Fatalf("call %d answered %+v, want session_lost", call, f)
				}
			}
			if d := h.one(effects, Drained); d.Count != 0 {
				t.Fatalf("drained %+v, want nothing cancelled", d)
			}
		})
	}
}
