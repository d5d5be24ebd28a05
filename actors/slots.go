package actors

import "github.com/asynkron/protoactor-go/actor"

// A server's session actors, across all its pool keys, are bounded by max_total_sessions
// (stopping ones count: their processes may still run). A pool that must grow while the
// server is at the bound waits in a FIFO for a slot; an idle session of another key is
// closed to make one (an idle session is worth less than a waiting call). Every scan here is
// over the server's sessions, at most max_total_sessions of them.

// slotQueue is the FIFO of pools waiting for a session slot, each at most once.
type slotQueue struct {
	fifo   []*pool
	queued map[*pool]bool
}

func (q *slotQueue) push(p *pool) {
	if !q.queued[p] {
		q.queued[p] = true
		q.fifo = append(q.fifo, p)
	}
}

func (q *slotQueue) pop() *pool {
	p := q.fifo[0]
	q.fifo[0] = nil
	q.fifo = q.fifo[1:]
	delete(q.queued, p)
	return p
}

// makeRoom queues pool p for a slot and, unless enough are coming free already for the
// pools in line, closes the least recently used idle session of another pool.
func (s *serverActor) makeRoom(ctx actor.Context, p *pool) {
	s.starved.push(p)
	if s.slotsComing() >= len(s.starved.fifo) {
		return
	}
	var lru *sessionRef
	for _, r := range s.sessions {
		if r.pool != p && r.state == stateReady && r.inflight == 0 && r.pins == 0 && (lru == nil || r.lastUsed.Before(lru.lastUsed)) {
			lru = r
		}
	}
	if lru != nil {
		s.retire(ctx, lru, "max_total_sessions")
	}
}

// slotsComing counts the sessions on their way out (stopping, or draining their last calls):
// their slots come free without closing others.
func (s *serverActor) slotsComing() int {
	n := 0
	for _, r := range s.sessions {
		if !r.live() {
			n++
		}
	}
	return n
}

// yieldSlot closes r, just gone idle, when more pools wait for a slot than are coming free.
func (s *serverActor) yieldSlot(ctx actor.Context, r *sessionRef) {
	if len(s.starved.fifo) == 0 || r.state != stateReady || r.inflight > 0 || r.pins > 0 || r.pool.waiting.len() > 0 ||
		s.slotsComing() >= len(s.starved.fifo) {
		return
	}
	s.retire(ctx, r, "max_total_sessions")
}

// slotFreed hands free slots to the waiting pools in arrival order, then makes room for the
// next one in line.
func (s *serverActor) slotFreed(ctx actor.Context) {
	for len(s.starved.fifo) > 0 && len(s.sessions) < s.spec.TotalSessions() {
		if p := s.starved.pop(); p.waiting.len() > 0 && s.pools[p.key] == p {
			s.grow(ctx, p, false)
		}
	}
	if len(s.starved.fifo) > 0 {
		s.makeRoom(ctx, s.starved.fifo[0])
	}
}
