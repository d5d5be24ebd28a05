package pool

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spine-mcp/spine/actors/internal/outcome"
)

// Pool policies (see dispatch_test.go): isolation keys, their bound, session slots.

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
	// Key 1 is used again: key 2 is now the least recently used idle one.
	h.one(h.arrive(Call{ID: 4999, Affinity: "1"}), Dispatch)
	h.done(session[1], 4999, nil)
	effects := h.arrive(Call{ID: 5000, Affinity: "new"})
	if c := h.one(effects, Closed); c.Session != session[2] || c.Reason != "evicted" {
		t.Fatalf("closed %+v, want the session of the least recently used idle key 2", c)
	}
	if h.p.Keys() != MaxKeys {
		t.Fatalf("%d keys kept, want %d", h.p.Keys(), MaxKeys)
	}
	if len(of(effects, Spawn)) != 0 {
		t.Fatal("a session opened above max_total_sessions")
	}
	if s := h.one(h.take(h.p.Terminated(session[2])), Spawn); s.Key != "affinity:new" {
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
