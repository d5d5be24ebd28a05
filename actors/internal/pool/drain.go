package pool

import (
	"slices"
	"time"

	"github.com/spine-mcp/spine/actors/internal/outcome"
)

// Drain refuses new calls, answers the waiting ones with ErrClosed, and emits Drained once
// nothing runs or the deadline has passed (then the calls still running are cancelled, and
// Drained follows their answers).
func (p *Pool) Drain(deadline time.Time) []Effect {
	p.begin()
	p.draining = true
	for _, k := range p.keys {
		for _, c := range k.waiting.all() {
			p.reply(c, outcome.Refused(outcome.ReasonClosed, ErrDraining))
		}
	}
	if p.inflight() == 0 {
		p.finishDrain()
		return p.out
	}
	p.emit(Effect{Kind: Arm, Timer: Timer{Kind: DrainTimer}, After: deadline.Sub(p.clock.Now())})
	return p.out
}

func (p *Pool) drainExpired() {
	if !p.draining || p.drainDone || p.expired {
		return
	}
	p.expired = true
	for _, c := range sorted(p.running()) {
		p.cancelled++
		p.emit(Effect{Kind: CancelCall, Call: c.ID, Session: c.session.id})
	}
}

// running returns the calls running on a session, over the sessions rather than the calls
// waiting.
func (p *Pool) running() []*call {
	var out []*call
	for _, s := range p.sessions {
		out = append(out, s.running...)
	}
	for _, s := range p.orphans {
		out = append(out, s.running...)
	}
	return out
}

func (p *Pool) finishDrain() {
	if !p.draining || p.drainDone || p.inflight() > 0 {
		return
	}
	p.drainDone = true
	p.emit(Effect{Kind: Disarm, Timer: Timer{Kind: DrainTimer}})
	p.emit(Effect{Kind: Drained, Count: p.cancelled})
}

// Reconnect replaces every session: idle ones now, busy ones when their calls are done. It
// returns how many it replaces.
func (p *Pool) Reconnect() ([]Effect, int) {
	p.begin()
	n := 0
	for _, k := range p.keys {
		for _, s := range append([]*session(nil), k.sessions...) {
			if s.live() {
				p.retire(s, "reconnect")
				n++
			}
		}
		p.replenish(k, false)
	}
	return p.out, n
}

// Stop ends the pool: every call not yet answered is answered with ErrClosed (a running one
// is cancelled on its session and may have run), and every session is to stop. It returns
// the sessions in spawn order: the adapter stops them all at once and waits for them, and a
// drain still waiting is over (Drained).
func (p *Pool) Stop() ([]Effect, []uint64) {
	p.begin()
	p.stopped = true
	for _, t := range []Timer{{Kind: TickTimer}, {Kind: DrainTimer}} {
		p.emit(Effect{Kind: Disarm, Timer: t})
	}
	for k := range p.respawns {
		p.emit(Effect{Kind: Disarm, Timer: Timer{Kind: RespawnTimer, Key: k}})
	}
	all := make([]*call, 0, len(p.calls))
	for _, c := range p.calls {
		all = append(all, c)
	}
	for _, c := range sorted(all) {
		f := outcome.Refused(outcome.ReasonClosed, ErrShuttingDown)
		if c.session != nil {
			p.emit(Effect{Kind: CancelCall, Call: c.ID, Session: c.session.id})
			f.Class = outcome.ClassMaybeRan
		}
		p.reply(c, f)
	}
	ids := make([]uint64, 0, len(p.sessions))
	for _, k := range p.keys {
		for _, s := range k.sessions {
			s.state = dead
			ids = append(ids, s.id)
		}
	}
	slices.Sort(ids)
	if p.draining && !p.drainDone {
		p.drainDone = true
		p.emit(Effect{Kind: Drained, Count: p.cancelled})
	}
	return p.out, ids
}
