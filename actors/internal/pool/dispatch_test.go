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

// The pool policies of the README's "Pool behaviour" table, one test each, with a fake clock:
// every timer fires when the test moves the clock, never on its own. This file: lazy start,
// dispatch (pick), growth, acquire timeout, FIFO order.

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
		{"no session within acquire_timeout", 0, false, time.Second, outcome.ErrPoolExhausted, "1 of max_sessions 1 open, max_inflight 1 each"},
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
