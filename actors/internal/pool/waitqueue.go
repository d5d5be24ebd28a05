package pool

// waitQueue is a pool key's's FIFO of waiting calls. Plain calls wait in order in a deque; batch
// reservations (Pin) and calls pinned to a batch's session — few, and placed by other rules —
// wait in a short list of their own. Every operation a call makes is O(1) amortised: push,
// taking the head, and removal from anywhere (a removed call leaves a hole that is skipped),
// so that the cost of a call does not grow with the number of calls waiting.
type waitQueue struct {
	calls   []*call // plain calls, oldest first from head; nil = a hole
	head    int
	marked  int     // calls before this index have been considered by markSpawned
	special []*call // pins and pinned calls, oldest first
	n       int     // calls waiting, special included
	pins    int     // Pin requests waiting: each needs a whole session
	total   *int    // the pool's count of calls waiting under every key, kept in step with n (nil: none)
}

func (q *waitQueue) len() int { return q.n }

func isSpecial(pc *call) bool { return pc.exclusive || pc.only != 0 }

func (q *waitQueue) push(pc *call) {
	pc.queued = true
	q.n++
	if q.total != nil {
		*q.total++
	}
	if isSpecial(pc) {
		if pc.exclusive {
			q.pins++
		}
		q.special = append(q.special, pc)
		return
	}
	pc.slot = len(q.calls)
	q.calls = append(q.calls, pc)
}

// remove takes pc out of the queue, wherever it is.
func (q *waitQueue) remove(pc *call) {
	if !pc.queued {
		return
	}
	pc.queued = false
	q.n--
	if q.total != nil {
		*q.total--
	}
	if isSpecial(pc) {
		if pc.exclusive {
			q.pins--
		}
		for i, x := range q.special {
			if x == pc {
				q.special = append(q.special[:i], q.special[i+1:]...)
				break
			}
		}
		return
	}
	q.calls[pc.slot] = nil
	q.compact()
}

// front returns the oldest plain call waiting, or nil.
func (q *waitQueue) front() *call {
	for q.head < len(q.calls) && q.calls[q.head] == nil {
		q.head++
	}
	if q.head == len(q.calls) {
		return nil
	}
	return q.calls[q.head]
}

// compact drops the holes at the front once they are half the deque, so that memory follows
// the calls waiting rather than the calls that ever waited.
func (q *waitQueue) compact() {
	q.front()
	if q.head == len(q.calls) {
		clear(q.calls)
		q.calls, q.head, q.marked = q.calls[:0], 0, 0
		return
	}
	if q.head < 64 || q.head < len(q.calls)/2 {
		return
	}
	live := copy(q.calls, q.calls[q.head:])
	clear(q.calls[live:])
	q.calls = q.calls[:live]
	q.marked = max(q.marked-q.head, 0)
	q.head = 0
	for i, pc := range q.calls {
		if pc != nil {
			pc.slot = i
		}
	}
}

// each calls f for every waiting call, oldest first (specials first): for the rare
// operations that concern them all (failing them, finding headers).
func (q *waitQueue) each(f func(*call)) {
	for _, pc := range append([]*call(nil), q.special...) {
		f(pc)
	}
	for i := q.head; i < len(q.calls); i++ {
		if pc := q.calls[i]; pc != nil {
			f(pc)
		}
	}
}

// all returns a copy of the waiting calls, for loops that answer them (and so remove them).
func (q *waitQueue) all() []*call {
	out := make([]*call, 0, q.n)
	q.each(func(pc *call) { out = append(out, pc) })
	return out
}

// demand is how many calls' worth of session capacity the waiting calls need: a batch needs
// a whole session.
func (q *waitQueue) demand(maxInflight int) int { return q.n + q.pins*(maxInflight-1) }

// markSpawned marks the oldest waiting call not yet marked as the one a new session was
// opened for (a pool miss in Stats).
func (q *waitQueue) markSpawned() {
	for _, pc := range q.special {
		if !pc.spawned {
			pc.spawned = true
			return
		}
	}
	for q.marked = max(q.marked, q.head); q.marked < len(q.calls); q.marked++ {
		if pc := q.calls[q.marked]; pc != nil && !pc.spawned {
			pc.spawned = true
			q.marked++
			return
		}
	}
}
