package pool

import "github.com/spine-mcp/spine/actors/internal/outcome"

// A lease is one call slot of a ready session of a shared server, lent to callers who then
// run their plain calls on that session themselves, one at a time, without a round trip
// through the pool for each (the adapter's lane). The pool keeps the lease as a call running
// on the session — it counts against max_inflight, a drain waits for it, a retiring session
// closes after it — pinned there (never retried, never queued). It ends with EndLease, or with
// the session (answered like any call stranded there). A call that fails on a lent slot comes
// back with Adopt, and the pool decides its fate as for its own calls.

// Lend lends a slot of the least-loaded ready session of the shared key, as call id with data
// (given back in the lease's Reply, should the pool end it): only when no call waits, and
// not while draining or with the circuit open. It reports the session, or false.
func (p *Pool) Lend(id uint64, data any) (uint64, []Effect, bool) {
	p.begin()
	if p.cfg.Isolation != Shared || p.draining || p.stopped || p.calls[id] != nil {
		return 0, p.out, false
	}
	k := p.keyFor("", "")
	if k.waiting.len() > 0 || p.circuit.rejects(p.clock.Now()) {
		return 0, p.out, false
	}
	c := &call{Call: Call{ID: id, Data: data}, key: k}
	s := p.place(k, c)
	if s == nil {
		return 0, p.out, false
	}
	c.only, c.Only = s.id, s.id // pinned: never moved to another session
	p.calls[id] = c
	p.occupy(c, s)
	return s.id, p.out, true
}

// Lendable reports whether the pool would dispatch a shared call to session id now: it is
// ready and not suspect, no call waits, and no drain has begun.
func (p *Pool) Lendable(id uint64) bool {
	s := p.sessions[id]
	return s != nil && s.state == ready && !s.suspect && s.key.waiting.len() == 0 && !p.draining && !p.stopped
}

// EndLease ends lease id: its slot is free again. A lease the pool has ended already (its
// session ended) is left alone.
func (p *Pool) EndLease(id uint64) []Effect {
	p.begin()
	c := p.calls[id]
	if c == nil || c.session == nil || c.only == 0 {
		return p.out
	}
	s := c.session
	s.inflight--
	s.lastUsed = p.clock.Now()
	p.leave(c)
	delete(p.calls, id)
	p.afterRelease(s)
	p.finishDrain()
	return p.out
}

// Adopt takes in a call that ran once on a lent slot of session sessionID and failed with f
// (f.Safe already set): the pool answers it, or retries it on a session of its own choice,
// exactly as if it had dispatched the call there itself (Done). The call counts as one
// attempt.
func (p *Pool) Adopt(in Call, sessionID uint64, f *outcome.Failure) []Effect {
	p.begin()
	c := &call{Call: in, attempts: 1, enqueued: p.clock.Now()}
	c.key = p.keyFor(in.Identity, in.Affinity)
	p.calls[c.ID] = c
	s := p.sessions[sessionID]
	if s != nil && s.key != c.key {
		s = nil // not a session of the call's key: it says nothing of the call
	}
	p.settle(c, s, f)
	p.finishDrain()
	return p.out
}
