package pool

import (
	"fmt"

	"github.com/spine-mcp/spine/actors/internal/outcome"
)

// An affinity key's session holds one caller's state (a conversation). When it ends other
// than by Release, the caller is told once, on a call, and never finds a fresh session that
// knows nothing in its place without being told:
//
//   - calls running on it fail with the session's loss, and are not moved to another session
//     even when they were not sent (mayRetry);
//   - otherwise the oldest call waiting for the key fails with ErrStateLost, or, with none
//     waiting, the key remembers (stateLost) and the next call that arrives fails so;
//   - the call after that opens a new session.
//
// Shared and identity keys hold no caller's state: a session of theirs is replaced silently.

// holdsState reports whether k's sessions hold one caller's state.
func (p *Pool) holdsState(k *key) bool {
	return p.cfg.Isolation == Affinity && k.name != ""
}

// sessionEnded marks the end of s (not by Release) for its key: told to a call it was
// running when there is one (its failure says so), else to the oldest waiting call, else to
// the next call.
func (p *Pool) sessionEnded(s *session) {
	k := s.key
	if !p.holdsState(k) || len(s.running) > 0 || s.lossTold {
		return
	}
	if c := k.waiting.front(); c != nil {
		p.reply(c, stateLostFailure())
		return
	}
	k.stateLost = true
}

// toldStateLost answers c with ErrStateLost when its key's session ended since the key's
// last call, and reports whether it did.
func (p *Pool) toldStateLost(c *call) bool {
	if !c.key.stateLost {
		return false
	}
	c.key.stateLost = false
	p.reply(c, stateLostFailure())
	return true
}

// lossTold notes, when c failed with the loss of its affinity session, that its caller
// has been told: the key's next call is not told again. Such a failure is never moved to
// another session (mayRetry).
func (p *Pool) lossTold(c *call, f *outcome.Failure) {
	if f.Reason != outcome.ReasonSessionLost || !p.holdsState(c.key) {
		return
	}
	c.key.stateLost = false
	if c.session != nil {
		c.session.lossTold = true
	}
	if f.Class == outcome.ClassNotSent { // it ran nowhere: say why it was not moved
		f.Reason = outcome.ReasonStateLost
		f.Message = fmt.Sprintf("not sent: %s (%s)", outcome.ErrStateLost, f.Message)
	}
}
func stateLostFailure() *outcome.Failure {
	// The key is not named: an affinity key may be a credential (a downstream session id).
	return outcome.New(outcome.ClassNotSent, outcome.ReasonStateLost, fmt.Errorf("not sent: %w", outcome.ErrStateLost))
}
