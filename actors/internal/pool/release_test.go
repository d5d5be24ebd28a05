package pool

import (
	"testing"

	"github.com/spine-mcp/spine/actors/internal/outcome"
)

// Releasing a key (its owner is gone) refuses the key's waiting calls, stops its idle
// sessions now and its busy ones once their calls are done, and a later call with the same
// key starts from a new session; other keys and the shared key are untouched.
func TestReleaseEndsOneKey(t *testing.T) {
	cfg := testConfig()
	cfg.Isolation = Affinity
	h := newHarness(t, cfg)

	a := h.one(h.arrive(Call{ID: 1, Affinity: "a"}), Spawn).Session
	h.one(h.take(h.p.Ready(a)), Dispatch)
	if got := of(h.arrive(Call{ID: 2, Affinity: "a"}), Dispatch); len(got) != 0 {
		t.Fatalf("call 2 dispatched to %+v while a's one session is busy", got)
	}
	b := h.one(h.arrive(Call{ID: 3, Affinity: "b"}), Spawn).Session
	h.one(h.take(h.p.Ready(b)), Dispatch)
	h.done(b, 3, nil)
	other := h.one(h.arrive(Call{ID: 4, Affinity: "c"}), Spawn).Session

	effects, n := h.p.Release("", "a")
	effects = h.take(effects)
	if n != 1 {
		t.Fatalf("Release(a) ended %d sessions, want 1", n)
	}
	if f := h.wantReply(effects, 2, outcome.ErrClosed); f.Message != ErrReleased.Error() {
		t.Fatalf("call 2 refused with %q, want %q", f.Message, ErrReleased)
	}
	if got := of(effects, Stop); len(got) != 0 {
		t.Fatalf("a's busy session stopped before its call was done: %+v", got)
	}
	if stop := h.one(h.done(a, 1, nil), Stop); stop.Session != a {
		t.Fatalf("stopped session %d after its call, want %d", stop.Session, a)
	}

	effects, n = h.p.Release("", "b")
	if stop := h.one(h.take(effects), Stop); n != 1 || stop.Session != b {
		t.Fatalf("Release(b) = %d sessions, stop %+v; want b's idle session %d stopped now", n, stop, b)
	}
	if again := h.one(h.arrive(Call{ID: 5, Affinity: "a"}), Spawn).Session; again == a {
		t.Fatalf("a call after the release reused the released session %d", a)
	}
	for _, shared := range [][2]string{{"", ""}, {"", "nosuch"}} {
		effects, n = h.p.Release(shared[0], shared[1])
		if n != 0 || len(of(h.take(effects), Stop)) != 0 {
			t.Fatalf("Release(%q) ended %d sessions: %+v", shared[1], n, effects)
		}
	}
	if h.p.sessions[other] == nil || h.p.sessions[other].state == dead {
		t.Fatalf("key c's session %d was ended by releasing other keys", other)
	}
}
