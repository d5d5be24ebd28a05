package pool

import (
	"errors"
	"testing"
	"time"

	"github.com/spine-mcp/spine/actors/internal/outcome"
)

// affinityKey opens the session of affinity key "conv" with call 1 and returns it.
func affinityKey(t *testing.T, cfg Config) (*harness, uint64) {
	t.Helper()
	cfg.Isolation, cfg.MaxSessions = Affinity, 1
	h := newHarness(t, cfg)
	s := h.one(h.arrive(Call{ID: 1, Affinity: "conv"}), Spawn).Session
	h.one(h.take(h.p.Ready(s)), Dispatch)
	h.done(s, 1, nil)
	return h, s
}

// The end of an affinity key's session is told to its caller exactly once — on the call it
// was running, on the oldest call waiting, or on the next call — and never hidden by a new
// session; Release is the one end nobody is told of; shared keys are replaced silently.
func TestStateLossToldOnce(t *testing.T) {
	notSent := outcome.New(outcome.ClassNotSent, outcome.ReasonSessionLost, errors.New("write |1: broken pipe"))
	maybeRan := outcome.New(outcome.ClassMaybeRan, outcome.ReasonSessionLost, errors.New("EOF"))

	t.Run("died idle: the next call is told, the one after opens a new session", func(t *testing.T) {
		h, s := affinityKey(t, testConfig())
		h.take(h.p.Lost(s, errors.New("exit status 1"), false))
		h.wantReply(h.arrive(Call{ID: 2, Affinity: "conv"}), 2, outcome.ErrStateLost)
		h.one(h.arrive(Call{ID: 3, Affinity: "conv"}), Spawn)
	})
	t.Run("died before its loss was known: the call it failed is not moved, and tells", func(t *testing.T) {
		h, s := affinityKey(t, testConfig())
		h.one(h.arrive(Call{ID: 2, Affinity: "conv"}), Dispatch)
		effects := h.done(s, 2, notSent) // the pipe was closed: not sent, yet not retried
		if len(of(effects, Spawn)) != 0 || len(h.armedFor(RetryTimer)) != 0 {
			t.Fatalf("the call was moved to a new session: %+v", effects)
		}
		h.wantReply(effects, 2, outcome.ErrStateLost)
		h.take(h.p.Lost(s, errors.New("exit status 1"), false)) // the loss, known now
		h.one(h.arrive(Call{ID: 3, Affinity: "conv"}), Spawn)   // told already: not again
	})
	t.Run("died during a call: its failure tells, once", func(t *testing.T) {
		h, s := affinityKey(t, testConfig())
		h.one(h.arrive(Call{ID: 2, Affinity: "conv"}), Dispatch)
		h.take(h.p.Lost(s, errors.New("exit status 1"), false))
		h.wantReply(h.done(s, 2, maybeRan), 2, outcome.ErrSessionLost)
		h.one(h.arrive(Call{ID: 3, Affinity: "conv"}), Spawn)
	})
	t.Run("died during a call with another waiting: the running call tells, the waiting one runs anew", func(t *testing.T) {
		h, s := affinityKey(t, testConfig())
		h.one(h.arrive(Call{ID: 2, Affinity: "conv"}), Dispatch)
		h.arrive(Call{ID: 3, Affinity: "conv"}) // waits: one call at a time
		h.wantReply(h.done(s, 2, nil), 2, nil)
		h.one(h.last, Dispatch)
		h.wantReply(h.done(s, 3, nil), 3, nil)
		h.arrive(Call{ID: 4, Affinity: "conv"})
		h.arrive(Call{ID: 5, Affinity: "conv"}) // waits behind 4
		effects := h.take(h.p.Lost(s, errors.New("exit status 1"), false))
		h.one(effects, Spawn) // for 5
		h.wantReply(h.done(s, 4, maybeRan), 4, outcome.ErrSessionLost)
		if _, told := replyTo(append(effects, h.last...), 5); told {
			t.Fatal("the waiting call was told although the running one tells")
		}
	})
	t.Run("died idle while being probed, a call waiting: the waiting call is told", func(t *testing.T) {
		h, s := affinityKey(t, testConfig())
		h.one(h.arrive(Call{ID: 2, Affinity: "conv"}), Dispatch)
		h.done(s, 2, outcome.New(outcome.ClassTimeout, outcome.ReasonCallTimeout, errors.New("no answer"))) // suspect now
		h.one(h.arrive(Call{ID: 3, Affinity: "conv"}), Probe)                                               // 3 waits for the probe
		h.wantReply(h.take(h.p.ProbeDone(s, errors.New("no pong"))), 3, outcome.ErrStateLost)
		h.one(h.arrive(Call{ID: 4, Affinity: "conv"}), Spawn)
	})
	t.Run("idled out: the next call is told", func(t *testing.T) {
		cfg := testConfig()
		cfg.IdleTimeout = time.Minute
		h, _ := affinityKey(t, cfg)
		h.one(h.advance(2*time.Minute), Closed)
		h.wantReply(h.arrive(Call{ID: 2, Affinity: "conv"}), 2, outcome.ErrStateLost)
	})
	t.Run("released: nobody is told", func(t *testing.T) {
		h, _ := affinityKey(t, testConfig())
		h.take(must(h.p.Release("", "conv")))
		h.one(h.arrive(Call{ID: 2, Affinity: "conv"}), Spawn)
	})
	t.Run("shared keys: a lost session is replaced silently, a not-sent call retried", func(t *testing.T) {
		h := newHarness(t, testConfig())
		s := h.open(1)[0]
		h.one(h.arrive(Call{ID: 2}), Dispatch)
		h.done(s, 2, notSent)
		if len(h.armedFor(RetryTimer)) != 1 {
			t.Fatal("a not-sent call of a shared key was not retried")
		}
	})
}

func must(effects []Effect, _ int) []Effect { return effects }
