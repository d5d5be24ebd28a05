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

// The tests in this file follow the README's "Pool behaviour" table, one policy each, with a
// fake clock: every timer fires when the test moves the clock, never on its own.

// warm starts a harness whose shared key opens n sessions at Start (min_sessions = n) and
// brings them up; it returns their ids in spawn order.
func warm(t *testing.T, cfg Config, n int) (*harness, []uint64) {
	t.Helper()
	cfg.MinSessions = n
	h := newHarness(t, cfg)
	var ids []uint64
	for _, e := range of(h.last, Spawn) {
		ids = append(ids, e.Session)
	}
	if len(ids) != n {
		t.Fatalf("Start opened %d sessions, want min_sessions %d", len(ids), n)
	}
	for _, id := range ids {
		h.one(h.take(h.p.Ready(id)), Opened)
	}
	return h, ids
}

// load gives each session of ids the number of calls in flight that loads says, and returns
// the next free call id.
func (h *harness) load(ids []uint64, loads []int) uint64 {
	h.t.Helper()
	next := uint64(1)
	on := map[uint64][]uint64{}
	for range len(ids) * h.p.cfg.MaxInflight {
		for call, s := range dispatched(h.arrive(Call{ID: next})) {
			on[s] = append(on[s], call)
		}
		next++
	}
	for i, id := range ids {
		for _, call := range on[id][loads[i]:] {
			h.done(id, call, nil)
		}
	}
	return next
}

func TestPick(t *testing.T) {
	cases := []struct {
		name  string
		loads []int
		call  Call
		want  int // index of the session that takes the call; -1 = it waits
	}{
		{"least loaded", []int{2, 0, 1}, Call{}, 1},
		{"earliest spawned on a tie", []int{1, 1, 1}, Call{}, 0},
		{"only sessions with a free slot", []int{4, 4, 3}, Call{}, 2},
		{"all full: the call waits", []int{4, 4, 4}, Call{}, -1},
		{"a batch's call runs on its session only", []int{0, 3, 1}, Call{Only: 2}, 1},
		{"a batch takes only an idle session", []int{1, 2, 0}, Call{Exclusive: true}, 2},
		{"a batch waits when no session is idle", []int{1, 1, 1}, Call{Exclusive: true}, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.MaxSessions, cfg.MaxInflight = 3, 4
			h, ids := warm(t, cfg, 3)
			next := h.load(ids, tc.loads)
			c := tc.call
			c.ID = next
			if c.Only != 0 {
				c.Only = ids[c.Only-1]
			}
			effects := h.arrive(c)
			got := append(of(effects, Dispatch), of(effects, Grant)...)
			if tc.want < 0 {
				if len(got) != 0 || h.p.Waiting() != 1 {
					t.Fatalf("got %+v, waiting %d; want the call to wait", got, h.p.Waiting())
				}
				return
			}
			if len(got) != 1 || got[0].Session != ids[tc.want] {
				t.Fatalf("got %+v, want session %d", got, ids[tc.want])
			}
		})
	}
}

// A session held by a batch takes no other call until the batch ends.
func TestPickSkipsPinnedSession(t *testing.T) {
	cfg := testConfig()
	cfg.MaxSessions, cfg.MaxInflight = 2, 4
	h, ids := warm(t, cfg, 2)
	if g := h.one(h.arrive(Call{ID: 1, Exclusive: true}), Grant); g.Session != ids[0] {
		t.Fatalf("batch got session %d, want %d", g.Session, ids[0])
	}
	for id := uint64(2); id < 6; id++ {
		if d := h.one(h.arrive(Call{ID: id}), Dispatch); d.Session != ids[1] {
			t.Fatalf("call %d went to %d, the batch's session", id, d.Session)
		}
	}
	if d := h.one(h.arrive(Call{ID: 6, Only: ids[0]}), Dispatch); d.Session != ids[0] {
		t.Fatalf("the batch's own call went to %d", d.Session)
	}
	h.take(h.p.Unpin(ids[0]))
	h.done(ids[0], 6, nil)
	if d := h.one(h.arrive(Call{ID: 7}), Dispatch); d.Session != ids[0] {
		t.Fatalf("after the batch, call 7 went to %d, want the idle %d", d.Session, ids[0])
	}
}

func TestGrowth(t *testing.T) {
	cases := []struct {
		name        string
		maxSessions int
		maxInflight int
		calls       int // arriving at once, before any session is ready
		wantSpawns  int
	}{
		{"the first call opens a session (lazy start)", 4, 1, 1, 1},
		{"one more per call no coming session can take", 4, 1, 3, 3},
		{"never above max_sessions", 2, 1, 5, 2},
		{"a coming session covers max_inflight calls", 4, 4, 4, 1},
		{"and one more past them", 4, 4, 5, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.MaxSessions, cfg.MaxInflight = tc.maxSessions, tc.maxInflight
			h := newHarness(t, cfg)
			var spawns []Effect
			for i := range tc.calls {
				spawns = append(spawns, of(h.arrive(Call{ID: uint64(i + 1)}), Spawn)...)
			}
			if len(spawns) != tc.wantSpawns {
				t.Fatalf("%d sessions opened, want %d", len(spawns), tc.wantSpawns)
			}
			// The first call is a miss (a session was opened for it); once ready, calls
			// are hits.
			d := of(h.take(h.p.Ready(spawns[0].Session)), Dispatch)
			if len(d) == 0 || d[0].Call != 1 || !d[0].Miss {
				t.Fatalf("ready session dispatched %+v, want call 1 as a miss", d)
			}
		})
	}
}

func TestMinSessionsOpenAtStartAndAreReplaced(t *testing.T) {
	h, ids := warm(t, testConfig(), 2)
	effects := h.take(h.p.Lost(ids[0], errors.New("exit 1"), false))
	if s := h.one(effects, Spawn); !s.Restart {
		t.Fatalf("replacement %+v not marked as a restart", s)
	}
}

func TestAcquireTimeout(t *testing.T) {
	cases := []struct {
		name     string
		deadline time.Duration // the caller's, 0 = none
		finish   bool          // a session comes free before the timeout
		after    time.Duration
		want     error
		message  string
	}{
		{"no session within acquire_timeout", 0, false, time.Second, ErrPoolExhaustedForTest, "1 of max_sessions 1 open, max_inflight 1 each"},
		{"the caller's deadline comes first", 200 * time.Millisecond, false, 200 * time.Millisecond, context.DeadlineExceeded, "before the caller's deadline"},
		{"a session comes free in time", 0, true, 0, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.MaxSessions = 1
			h, ids := warm(t, cfg, 1)
			h.one(h.arrive(Call{ID: 1}), Dispatch)
			var deadline time.Time
			if tc.deadline > 0 {
				deadline = h.clock.now.Add(tc.deadline)
			}
			if a := h.one(h.arrive(Call{ID: 2, Deadline: deadline}), Arm); a.Timer.Kind != AcquireTimer || a.After != tc.after && tc.after != 0 {
				t.Fatalf("armed %+v, want the acquire timer after %s", a, tc.after)
			}
			if tc.finish {
				if d := h.one(h.done(ids[0], 1, nil), Dispatch); d.Call != 2 {
					t.Fatalf("dispatched %+v, want call 2", d)
				}
				if len(h.armedFor(AcquireTimer)) != 0 {
					t.Fatal("the acquire timer of a dispatched call is still armed")
				}
				if _, ok := replyTo(h.advance(time.Hour), 2); ok {
					t.Fatal("a dispatched call was answered by its acquire timeout")
				}
				return
			}
			if _, ok := replyTo(h.advance(tc.after-time.Millisecond), 2); ok {
				t.Fatal("answered before its timeout")
			}
			f := h.wantReply(h.advance(time.Millisecond), 2, tc.want)
			if f.Class == outcome.ClassMaybeRan || f.Class == outcome.ClassTimeout || !strings.Contains(f.Message, tc.message) {
				t.Fatalf("failure %+v: want one that did not run, saying %q", f, tc.message)
			}
		})
	}
}

// ErrPoolExhaustedForTest is the sentinel a pool-exhausted failure matches.
var ErrPoolExhaustedForTest = outcome.ErrPoolExhausted

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
			replacements := of(effects, Spawn) // min_sessions: a lost session is replaced
			if !tc.retried {
				if len(h.armedFor(RetryTimer)) != 0 {
					t.Fatal("a retry was armed")
				}
				e, ok := replyTo(effects, 1)
				if !ok || e.Failure == nil {
					t.Fatalf("no failure answered: %+v", effects)
				}
				if tc.want != nil && !errors.Is(e.Failure, tc.want) {
					t.Fatalf("answered %v, want %v", e.Failure, tc.want)
				}
				if !strings.Contains(e.Failure.Message, tc.mentions) || e.Failure.Attempts != 1 {
					t.Fatalf("answered %q after %d attempts, want it to mention %q after 1", e.Failure.Message, e.Failure.Attempts, tc.mentions)
				}
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
	cfg.CircuitThresh = 0
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

func TestIsolationKeys(t *testing.T) {
	cases := []struct {
		name       string
		isolation  Isolation
		calls      []Call
		wantSpawns []string // the keys sessions are opened for
	}{
		{"shared: one key", Shared, []Call{{Identity: "a"}, {Identity: "b"}}, []string{"", ""}},
		{"identity: a session never serves another identity", Identity,
			[]Call{{Identity: "a"}, {Identity: "b"}, {Identity: "a"}}, []string{"identity:a", "identity:b", "identity:a"}},
		{"affinity: one session per key", Affinity,
			[]Call{{Affinity: "run1"}, {Affinity: "run1"}, {Affinity: "run2"}}, []string{"affinity:run1", "affinity:run2"}},
		{"affinity without a key is shared", Affinity, []Call{{}, {}}, []string{"", ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Isolation = tc.isolation
			h := newHarness(t, cfg)
			var keys []string
			for i, c := range tc.calls {
				c.ID = uint64(i + 1)
				for _, s := range of(h.arrive(c), Spawn) {
					keys = append(keys, s.Key)
				}
			}
			if fmt.Sprint(keys) != fmt.Sprint(tc.wantSpawns) {
				t.Fatalf("sessions opened for keys %q, want %q", keys, tc.wantSpawns)
			}
		})
	}
}

// An identity key's sessions send the identity's own headers.
func TestIdentitySessionsCarryTheirHeaders(t *testing.T) {
	cfg := testConfig()
	cfg.Isolation = Identity
	h := newHarness(t, cfg)
	hdr := map[string][]string{"Authorization": {"Bearer a"}}
	s := h.one(h.arrive(Call{ID: 1, Identity: "a", Headers: hdr}), Spawn)
	if fmt.Sprint(s.Headers) != fmt.Sprint(hdr) {
		t.Fatalf("session headers %v, want %v", s.Headers, hdr)
	}
	hdr["Authorization"][0] = "changed"
	if s.Headers["Authorization"][0] != "Bearer a" {
		t.Fatal("the session's headers share memory with the call's")
	}
}

// Pool keys are bounded: at MaxKeys, a new key forgets the least recently used idle one (its
// session closes), never a busy one; the new key's session takes the slot that frees.
func TestKeyBound(t *testing.T) {
	cfg := testConfig()
	cfg.Isolation, cfg.MaxSessions = Affinity, 1
	h := newHarness(t, cfg)
	session := map[int]uint64{}
	for i := range MaxKeys {
		s := h.one(h.arrive(Call{ID: uint64(i + 1), Affinity: fmt.Sprint(i)}), Spawn).Session
		h.take(h.p.Ready(s))
		session[i] = s
		if i != 0 { // key 0 stays busy
			h.done(s, uint64(i+1), nil)
		}
		h.advance(time.Millisecond)
	}
	effects := h.arrive(Call{ID: 5000, Affinity: "new"})
	if c := h.one(effects, Closed); c.Session != session[1] || c.Reason != "evicted" {
		t.Fatalf("closed %+v, want the session of the least recently used idle key 1", c)
	}
	if h.p.Keys() != MaxKeys {
		t.Fatalf("%d keys kept, want %d", h.p.Keys(), MaxKeys)
	}
	if len(of(effects, Spawn)) != 0 {
		t.Fatal("a session opened above max_total_sessions")
	}
	if s := h.one(h.take(h.p.Terminated(session[1])), Spawn); s.Key != "affinity:new" {
		t.Fatalf("freed slot went to %+v, want the new key", s)
	}
}

// Sessions of all keys are bounded by max_total_sessions: a new key waits for a slot, and
// the least recently used idle session of another key is closed to make one.
func TestSessionSlots(t *testing.T) {
	cfg := testConfig()
	cfg.Isolation, cfg.TotalSessions = Identity, 2
	h := newHarness(t, cfg)
	var ids []uint64
	for i, who := range []string{"a", "b"} {
		s := h.one(h.arrive(Call{ID: uint64(i + 1), Identity: who}), Spawn).Session
		h.take(h.p.Ready(s))
		h.advance(time.Millisecond)
		h.done(s, uint64(i+1), nil)
		ids = append(ids, s)
	}
	effects := h.arrive(Call{ID: 3, Identity: "c"})
	if c := h.one(effects, Closed); c.Session != ids[0] || c.Reason != "max_total_sessions" {
		t.Fatalf("closed %+v, want a's idle session %d", c, ids[0])
	}
	if s := h.one(h.take(h.p.Terminated(ids[0])), Spawn); s.Key != "identity:c" {
		t.Fatalf("opened %+v, want c's session", s)
	}
	// No slot within acquire_timeout: pool exhausted, naming the bound.
	h.one(h.arrive(Call{ID: 4, Identity: "d"}), Closed) // b's idle session makes room
	f := h.wantReply(h.advance(time.Second), 4, outcome.ErrPoolExhausted)
	if !strings.Contains(f.Message, "max_total_sessions 2") {
		t.Fatalf("message %q", f.Message)
	}
}

// Calls are served in arrival order, cancelled ones skipped, whatever the queue's length.
func TestFIFO(t *testing.T) {
	cfg := testConfig()
	cfg.MaxSessions = 1
	h, ids := warm(t, cfg, 1)
	const n = 1000
	for id := uint64(1); id <= n; id++ {
		h.arrive(Call{ID: id})
	}
	for id := uint64(3); id <= n; id += 3 {
		h.wantReply(h.take(h.p.Cancel(id)), id, context.Canceled)
	}
	var order []uint64
	for cur := uint64(1); cur != 0; {
		order = append(order, cur)
		d := of(h.done(ids[0], cur, nil), Dispatch)
		cur = 0
		if len(d) == 1 {
			cur = d[0].Call
		}
	}
	var want []uint64
	for id := uint64(1); id <= n; id++ {
		if id%3 != 0 {
			want = append(want, id)
		}
	}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Fatalf("served %d calls out of arrival order", len(order))
	}
}
