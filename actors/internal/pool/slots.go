package pool

// A server's sessions, across all its pool keys, are bounded by TotalSessions (stopping ones
// count: their processes may still run). A key that must grow while the server is at the
// bound waits in a FIFO for a slot; an idle session of another key is closed to make one (an
// idle session is worth less than a waiting call). Every scan here is over the server's
// sessions, at most TotalSessions of them. docs/design.md, "Isolation and slots".

// slotQueue is the FIFO of keys waiting for a session slot, each at most once.
type slotQueue struct {
	fifo   []*key
	queued map[*key]bool
}

func (q *slotQueue) push(k *key) {
	if !q.queued[k] {
		q.queued[k] = true
		q.fifo = append(q.fifo, k)
	}
}

func (q *slotQueue) pop() *key {
	k := q.fifo[0]
	q.fifo[0] = nil
	q.fifo = q.fifo[1:]
	delete(q.queued, k)
	return k
}

// makeRoom queues key k for a slot and, unless enough are coming free already for the keys
// in line, closes the least recently used idle session of another key.
func (p *Pool) makeRoom(k *key) {
	p.starved.push(k)
	if p.slotsComing() >= len(p.starved.fifo) {
		return
	}
	var lru *session
	for _, s := range p.sessions {
		if s.key != k && s.state == ready && s.inflight == 0 && s.pins == 0 && (lru == nil || s.lastUsed.Before(lru.lastUsed)) {
			lru = s
		}
	}
	if lru != nil {
		p.retire(lru, "max_total_sessions")
	}
}

// slotsComing counts the sessions on their way out (stopping, or finishing their last
// calls): their slots come free without closing others.
func (p *Pool) slotsComing() int {
	n := 0
	for _, s := range p.sessions {
		if !s.live() {
			n++
		}
	}
	return n
}

// yieldSlot closes s, just gone idle, when more keys wait for a slot than are coming free.
func (p *Pool) yieldSlot(s *session) {
	if len(p.starved.fifo) == 0 || s.state != ready || s.inflight > 0 || s.pins > 0 || s.key.waiting.len() > 0 ||
		p.slotsComing() >= len(p.starved.fifo) {
		return
	}
	p.retire(s, "max_total_sessions")
}

// slotFreed hands free slots to the waiting keys in arrival order, then makes room for the
// next one in line.
func (p *Pool) slotFreed() {
	for len(p.starved.fifo) > 0 && len(p.sessions) < p.cfg.TotalSessions {
		if k := p.starved.pop(); k.waiting.len() > 0 && p.keys[k.name] == k {
			p.grow(k, false)
		}
	}
	if len(p.starved.fifo) > 0 {
		p.makeRoom(p.starved.fifo[0])
	}
}
