package pool

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spine-mcp/spine/actors/internal/outcome"
)

// Leases (lend.go): a slot lent to callers counts as a call running on its session.

func lend(t *testing.T, h *harness, id uint64) uint64 {
	t.Helper()
	session, effects, ok := h.p.Lend(id, "lease")
	h.take(effects)
	if !ok {
		t.Fatalf("Lend(%d) refused", id)
	}
	return session
}

func TestLeaseTakesASlot(t *testing.T) {
	h, ids := warm(t, testConfig(), 2) // two sessions of one call each
	s := lend(t, h, 500)
	if !h.p.Lendable(s) {
		t.Fatal("a session with a lease and nothing waiting is not lendable")
	}
	other := ids[0]
	if other == s {
		other = ids[1]
	}
	if got := dispatched(h.arrive(Call{ID: 1}))[1]; got != other {
		t.Fatalf("call 1 went to session %d, want %d (the lease holds %d's only slot)", got, other, s)
	}
	h.arrive(Call{ID: 2})
	if h.p.Waiting() != 1 {
		t.Fatalf("waiting = %d, want 1: both slots are taken", h.p.Waiting())
	}
	if h.p.Lendable(s) {
		t.Fatal("the lease's session is lendable while a call waits")
	}
	if _, _, ok := h.p.Lend(501, "lease"); ok {
		t.Fatal("a lease was granted while a call waits")
	}
	if got := dispatched(h.take(h.p.EndLease(500)))[2]; got != s {
		t.Fatalf("after the lease ended, call 2 went to session %d, want %d", got, s)
	}
	h.take(h.p.EndLease(500)) // ended already: nothing changes
	h.done(s, 2, nil)
	h.done(other, 1, nil)
	if h.p.inflight() != 0 {
		t.Fatalf("inflight = %d after everything ended, want 0", h.p.inflight())
	}
}

func TestLeaseRefused(t *testing.T) {
	cfg := testConfig()
	cfg.Isolation = Identity
	h := newHarness(t, cfg)
	if _, _, ok := h.p.Lend(500, "lease"); ok {
		t.Fatal("an identity pool lent a slot")
	}
	h, _ = warm(t, testConfig(), 1)
	h.take(h.p.Drain(h.clock.now.Add(time.Second)))
	if _, _, ok := h.p.Lend(500, "lease"); ok {
		t.Fatal("a draining pool lent a slot")
	}
}

func TestDrainWaitsForLease(t *testing.T) {
	h, _ := warm(t, testConfig(), 1)
	lend(t, h, 500)
	if got := of(h.take(h.p.Drain(h.clock.now.Add(time.Minute))), Drained); len(got) != 0 {
		t.Fatal("drained with a lease out")
	}
	h.one(h.take(h.p.EndLease(500)), Drained)
}

func TestLeaseEndsWithItsSession(t *testing.T) {
	h, _ := warm(t, testConfig(), 1)
	s := lend(t, h, 500)
	h.take(h.p.Lost(s, errors.New("EOF"), false))
	if h.p.Lendable(s) {
		t.Fatal("a lost session is lendable")
	}
	effects := h.take(h.p.Released(s))
	if e, ok := replyTo(effects, 500); !ok || e.Failure == nil || e.Data != "lease" {
		t.Fatalf("the lease stranded on its session was not ended with a failure: %+v", effects)
	}
	if len(h.armedFor(RetryTimer)) != 0 {
		t.Fatal("a lease was retried")
	}
	h.take(h.p.EndLease(500)) // its caller's word comes late: nothing changes
	if h.p.inflight() != 0 {
		t.Fatalf("inflight = %d, want 0", h.p.inflight())
	}
}

func TestAdoptDecidesAsDone(t *testing.T) {
	lost := func(class outcome.Class, safe bool) *outcome.Failure {
		return &outcome.Failure{Class: class, Reason: outcome.ReasonSessionLost, Message: "EOF", Safe: safe}
	}
	t.Run("not sent: retried on a session of the pool's choice", func(t *testing.T) {
		h, _ := warm(t, testConfig(), 2)
		s := lend(t, h, 500)
		h.take(h.p.EndLease(500))
		h.take(h.p.Adopt(Call{ID: 7}, s, lost(outcome.ClassNotSent, false)))
		if len(h.armedFor(RetryTimer)) != 1 {
			t.Fatalf("no retry armed: %+v", h.last)
		}
		if _, ok := dispatched(h.advance(time.Second))[7]; !ok {
			t.Fatalf("the adopted call was not dispatched again: %+v", h.last)
		}
	})
	t.Run("may have run, not safe: never replayed", func(t *testing.T) {
		h, _ := warm(t, testConfig(), 1)
		s := lend(t, h, 500)
		h.take(h.p.EndLease(500))
		h.wantReply(h.take(h.p.Adopt(Call{ID: 7}, s, lost(outcome.ClassMaybeRan, false))), 7, outcome.ErrSessionLost)
		if len(h.armedFor(RetryTimer)) != 0 {
			t.Fatal("a call that may have run was retried")
		}
	})
	t.Run("timeout: answered, the session suspect", func(t *testing.T) {
		h, _ := warm(t, testConfig(), 1)
		s := lend(t, h, 500)
		h.take(h.p.EndLease(500))
		timeout := &outcome.Failure{Class: outcome.ClassTimeout, Reason: outcome.ReasonCallTimeout, Safe: true}
		h.wantReply(h.take(h.p.Adopt(Call{ID: 7}, s, timeout)), 7, context.DeadlineExceeded)
		if h.p.Lendable(s) {
			t.Fatal("a session whose call timed out is lendable before a probe")
		}
	})
}
