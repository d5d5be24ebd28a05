package pool

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spine-mcp/spine/actors/internal/outcome"
)

// Arrive takes a call (or a batch's reservation) in: it is refused, dispatched at once, or
// queued FIFO in its key with its acquire timeout armed.
func (p *Pool) Arrive(in Call) []Effect {
	p.begin()
	c := &call{Call: in, only: in.Only, exclusive: in.Exclusive}
	if p.draining || p.stopped {
		p.reply(c, outcome.Refused(outcome.ReasonClosed, ErrDraining))
		return p.out
	}
	if _, ok := p.sessions[c.only]; c.only != 0 && !ok {
		p.reply(c, outcome.New(outcome.ClassNotSent, outcome.ReasonSessionLost, ErrPinnedGone))
		return p.out
	}
	now := p.clock.Now()
	c.enqueued = now
	c.key = p.keyFor(in.Identity, in.Affinity)
	p.touch(c.key)
	if p.toldStateLost(c) {
		return p.out
	}
	if p.circuit.rejects(now) && c.key.pick(p.cfg.MaxInflight, c.only, c.exclusive) == nil {
		p.reply(c, p.circuitError(now))
		return p.out
	}
	p.calls[c.ID] = c
	p.enqueue(c)
	return p.out
}

func (p *Pool) circuitError(now time.Time) *outcome.Failure {
	return outcome.Refused(outcome.ReasonCircuitOpen, fmt.Errorf("circuit open after %d failed starts; retrying in %s (last error: %v)",
		p.circuit.failures, p.circuit.openUntil.Sub(now).Round(time.Millisecond), p.circuit.lastErr))
}

// enqueue puts a call at the back of its key's FIFO and pumps; a call that must wait gets its
// acquire timeout armed (most are dispatched at once and need no timer).
func (p *Pool) enqueue(c *call) {
	c.key.waiting.push(c)
	p.pump(c.key)
	if c.queued && !c.timed {
		wait := p.cfg.AcquireTimeout
		if d := c.Deadline; !d.IsZero() && d.Sub(p.clock.Now()) < wait {
			wait = d.Sub(p.clock.Now())
		}
		c.timed = true
		p.emit(Effect{Kind: Arm, Timer: Timer{Kind: AcquireTimer, Call: c.ID}, After: wait})
	}
}

// pump dispatches waiting calls to the least-loaded ready sessions — batches and pinned
// calls first, then plain calls oldest first until no session has room — probes idle
// sessions that are due a health check, and grows the key when calls still wait. It stops at
// the first plain call no session can take, so its cost does not depend on how many wait.
func (p *Pool) pump(k *key) {
	if len(k.waiting.special) > 0 {
		for _, c := range append([]*call(nil), k.waiting.special...) {
			if s := p.place(k, c); s != nil {
				p.dispatch(c, s)
			}
		}
	}
	for c := k.waiting.front(); c != nil; c = k.waiting.front() {
		s := p.place(k, c)
		if s == nil {
			break
		}
		p.dispatch(c, s)
	}
	p.grow(k, false)
}

// place picks the session for c, health-probing first the idle ones that are due.
func (p *Pool) place(k *key, c *call) *session {
	s := k.pick(p.cfg.MaxInflight, c.only, c.exclusive)
	for s != nil && s.inflight == 0 && p.dueProbe(s) {
		p.startProbe(s)
		s = k.pick(p.cfg.MaxInflight, c.only, c.exclusive)
	}
	return s
}

func (p *Pool) dispatch(c *call, s *session) {
	c.key.waiting.remove(c)
	if c.timed {
		c.timed = false
		p.emit(Effect{Kind: Disarm, Timer: Timer{Kind: AcquireTimer, Call: c.ID}})
	}
	wait := p.clock.Now().Sub(c.enqueued)
	if c.exclusive {
		s.pins++
		delete(p.calls, c.ID)
		p.emit(Effect{Kind: Grant, Call: c.ID, Data: c.Data, Session: s.id, Wait: wait, Miss: c.spawned})
		return
	}
	p.occupy(c, s)
	p.emit(Effect{Kind: Dispatch, Call: c.ID, Data: c.Data, Session: s.id, Attempt: c.attempts, Wait: wait, Miss: c.spawned})
}

// occupy puts c on s: one of its slots, one attempt.
func (p *Pool) occupy(c *call, s *session) {
	s.inflight++
	c.session = s
	s.running = append(s.running, c)
	p.runningN++
	c.attempts++
}

// Done takes a session's outcome of a call (f nil: it succeeded; f.Safe already says whether
// the call may run twice): answer the caller, or retry on a fresh session when the one retry
// policy allows; suspect or replace the session as the outcome says.
func (p *Pool) Done(sessionID, callID uint64, f *outcome.Failure) []Effect {
	p.begin()
	s := p.sessions[sessionID]
	if s != nil {
		s.inflight--
		s.lastUsed = p.clock.Now()
	}
	// A report from a session the call is no longer on (it was answered, or moved to
	// another session meanwhile) is stale.
	if c := p.calls[callID]; c != nil && c.session != nil && c.session.id == sessionID {
		p.leave(c)
		p.settle(c, s, f)
	}
	if s != nil {
		p.afterRelease(s)
	}
	p.finishDrain()
	return p.out
}

// leave takes a call off the session it runs on.
func (p *Pool) leave(c *call) {
	s := c.session
	for i, x := range s.running { // at most max_inflight of them
		if x == c {
			s.running = append(s.running[:i], s.running[i+1:]...)
			break
		}
	}
	c.session = nil
	p.runningN--
}

// afterRelease follows a session's call or batch ending: a retiring session that is now idle
// closes, its key is pumped, and an idle session yields its slot to a starved key.
func (p *Pool) afterRelease(s *session) {
	if s.state == retiring && s.inflight == 0 && s.pins == 0 {
		p.retire(s, s.reason)
	}
	p.pump(s.key)
	p.yieldSlot(s)
}

func (p *Pool) settle(c *call, s *session, f *outcome.Failure) {
	if f == nil {
		p.streak = 0
		if s != nil {
			s.suspect = false
		}
		p.reply(c, nil)
		return
	}
	switch {
	case f.Class == outcome.ClassProtocol, f.Class == outcome.ClassRefused:
	case f.Class == outcome.ClassTimeout, f.Reason == outcome.ReasonTransport:
		if s != nil {
			s.suspect = true // probed before its next call; replaced if the probe fails
		}
	case f.Reason == outcome.ReasonCanceled:
		if p.expired {
			f.Reason, f.Message = outcome.ReasonClosed, "closed: cancelled after the drain deadline: "+f.Message
		}
	case f.Reason == outcome.ReasonSessionLost:
		if s != nil {
			p.sessionFailed(s, f)
		}
	}
	if p.mayRetry(c, f) {
		p.emit(Effect{Kind: Arm, Timer: Timer{Kind: RetryTimer, Call: c.ID}, After: RetryBackoff.Delay(c.attempts)})
		return
	}
	p.lossTold(c, f)
	if f.Reason == outcome.ReasonSessionLost {
		f.Message = lostMessage(c, f)
	}
	p.reply(c, f)
}

// mayRetry applies the one retry policy (outcome.MayRetry, never opted in: the pool replays
// no call that may have run unless it is safe) under the pool's own bounds: retries, no
// pinned call, no drain, no timeout, the caller's deadline. docs/design.md, "Outcomes".
func (p *Pool) mayRetry(c *call, f *outcome.Failure) bool {
	if c.attempts > p.cfg.Retries || c.only != 0 || p.draining || f.Class == outcome.ClassTimeout {
		return false
	}
	if f.Reason == outcome.ReasonSessionLost && p.holdsState(c.key) {
		return false // another session would not hold the caller's state (stateloss.go)
	}
	if d := c.Deadline; !d.IsZero() && p.clock.Now().After(d) {
		return false
	}
	f.Attempts = c.attempts
	return outcome.MayRetry(f, false)
}

func lostMessage(c *call, f *outcome.Failure) string {
	if f.Class == outcome.ClassMaybeRan && !f.Safe {
		return fmt.Sprintf("session lost: the session died during the call, which may have run; not retried because the tool is not annotated readOnlyHint or idempotentHint (nor listed in idempotent_tools): %s", f.Message)
	}
	if f.Class == outcome.ClassMaybeRan {
		return fmt.Sprintf("session lost: the session died during the call, which may have run, after %d attempt(s): %s", c.attempts, f.Message)
	}
	return fmt.Sprintf("not sent: no live session took the call after %d attempt(s): %s", c.attempts, f.Message)
}

// Released answers the calls dispatched to a session that stopped before starting them
// (its last word came after every call it started had been reported): they certainly did
// not reach the server, so the retry policy may move them to another session.
func (p *Pool) Released(sessionID uint64) []Effect {
	p.begin()
	if s := p.sessions[sessionID]; s != nil && s.state != dead {
		p.sessionFailed(s, errActorStopped)
	}
	s := p.sessions[sessionID]
	if s == nil { // its actor's Terminated came first
		s = p.orphans[sessionID]
		delete(p.orphans, sessionID)
	}
	var stranded []*call
	if s != nil {
		stranded = sorted(append([]*call(nil), s.running...))
	}
	for _, c := range stranded {
		s.inflight--
		p.leave(c)
		p.settle(c, s, outcome.New(outcome.ClassNotSent, outcome.ReasonSessionLost, errNotReady))
	}
	if len(stranded) > 0 {
		p.finishDrain()
	}
	return p.out
}

// Cancel abandons a call whose caller gave up: a waiting call is answered now, a running one
// is cancelled on its session (its answer follows from the session).
func (p *Pool) Cancel(id uint64) []Effect {
	p.begin()
	c := p.calls[id]
	switch {
	case c == nil:
	case c.session != nil:
		p.emit(Effect{Kind: CancelCall, Call: id, Session: c.session.id})
	default:
		p.reply(c, outcome.New(outcome.ClassNotSent, outcome.ReasonCanceled, context.Canceled))
	}
	return p.out
}

// acquireExpired answers a call that waited too long for a session.
func (p *Pool) acquireExpired(id uint64) {
	c := p.calls[id]
	if c == nil || !c.queued || !c.timed {
		return
	}
	c.timed = false
	if d := c.Deadline; !d.IsZero() && !p.clock.Now().Before(d) {
		p.reply(c, outcome.New(outcome.ClassNotSent, outcome.ReasonDeadline, errNoSessionBeforeDeadline))
		return
	}
	live, _ := c.key.counts()
	msg := fmt.Sprintf("pool exhausted: no session free within acquire_timeout %s (%d of max_sessions %d open, max_inflight %d each)",
		p.cfg.AcquireTimeout, live, c.key.maxSize, p.cfg.MaxInflight)
	if live == 0 && len(p.sessions) >= p.cfg.TotalSessions {
		msg = fmt.Sprintf("pool exhausted: no session slot free within acquire_timeout %s (max_total_sessions %d reached across all pool keys)",
			p.cfg.AcquireTimeout, p.cfg.TotalSessions)
	}
	p.reply(c, outcome.Refused(outcome.ReasonPoolExhausted, errors.New(msg)))
}

// Unpin ends a batch's hold on a session.
func (p *Pool) Unpin(sessionID uint64) []Effect {
	p.begin()
	if s := p.sessions[sessionID]; s != nil {
		s.pins--
		p.afterRelease(s)
	}
	return p.out
}

// Fire takes a timer that went off. A timer the machine no longer needs is ignored.
func (p *Pool) Fire(t Timer) []Effect {
	p.begin()
	switch t.Kind {
	case AcquireTimer:
		p.acquireExpired(t.Call)
	case RetryTimer:
		if c := p.calls[t.Call]; c != nil && c.session == nil && !c.queued && !p.stopped {
			p.enqueue(c)
		}
	case RespawnTimer:
		delete(p.respawns, t.Key)
		if k := p.keys[t.Key]; k != nil {
			p.replenish(k, true)
		}
	case TickTimer:
		p.maintain()
	case DrainTimer:
		p.drainExpired()
	}
	return p.out
}
