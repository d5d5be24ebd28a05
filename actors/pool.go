package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

type sessionState uint8

const (
	stateConnecting sessionState = iota
	stateReady                   // may take calls
	stateProbing                 // a health probe runs; no calls
	stateDraining                // no new calls; stopped once its calls are done
	stateDead
)

// sessionRef is the server actor's view of one of its session actors.
type sessionRef struct {
	id       uint64
	pid      *actor.PID
	pool     *pool
	state    sessionState
	inflight int
	pins     int       // batches holding this session
	suspect  bool      // a timeout or transport hiccup: probe before the next call
	created  time.Time // spawn time
	lastUsed time.Time // last call finished (or ready)
	reason   string    // why it is draining
}

func (r *sessionRef) live() bool { return r.state != stateDead && r.state != stateDraining }

// pool is the set of sessions one pool key may use, and its FIFO of waiting requests.
// A shared server has one pool (key ""); identity and affinity isolation give one per key.
type pool struct {
	key      string
	sessions []*sessionRef // spawn order
	waiting  waitQueue
	lastUsed time.Time
	maxSize  int
	minSize  int
}

// identityHeaders returns a copy of the per-call headers of the newest waiting call that has
// some. A session opened for an identity pool sends them with its own requests (handshake,
// stream, probes, close), so that the upstream never sees one of its sessions without the
// identity it belongs to.
func (p *pool) identityHeaders() map[string][]string {
	var newest map[string][]string
	p.waiting.each(func(pc *pendingCall) {
		if pc.req != nil && len(pc.req.Headers) > 0 {
			newest = pc.req.Headers
		}
	})
	if newest == nil {
		return nil
	}
	out := make(map[string][]string, len(newest))
	for k, v := range newest {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// pick returns the least-loaded ready session with free capacity (earliest spawned on a tie),
// or nil. A pinned request may use only its own session; a session held by a batch takes no
// other call; a batch (exclusive) takes only a session with nothing in flight.
func (p *pool) pick(maxInflight int, only uint64, exclusive bool) *sessionRef {
	var best *sessionRef
	for _, s := range p.sessions {
		if s.state != stateReady || s.inflight >= maxInflight || (only != 0 && s.id != only) ||
			(only == 0 && s.pins > 0) || (exclusive && s.inflight > 0) {
			continue
		}
		if best == nil || s.inflight < best.inflight {
			best = s
		}
	}
	return best
}

// counts returns how many sessions are live (not dead or draining) and how many of them
// are about to take calls: connecting, or being probed.
func (p *pool) counts() (live, coming int) {
	for _, s := range p.sessions {
		if s.live() {
			live++
			if s.state == stateConnecting || s.state == stateProbing {
				coming++
			}
		}
	}
	return live, coming
}

func (p *pool) remove(s *sessionRef) {
	for i, x := range p.sessions {
		if x == s {
			p.sessions = append(p.sessions[:i], p.sessions[i+1:]...)
			return
		}
	}
}

func (p *pool) busy() bool {
	if p.waiting.len() > 0 {
		return true
	}
	for _, s := range p.sessions {
		if s.inflight > 0 || s.pins > 0 {
			return true
		}
	}
	return false
}

// pendingCall is a request the server actor has accepted and not yet answered.
type pendingCall struct {
	req      *Request
	pin      *Pin // set for a batch's session reservation instead of a call
	sender   *actor.PID
	pool     *pool
	session  *sessionRef // while dispatched
	attempts int
	enqueued time.Time
	queued   bool
	spawned  bool // a session was opened for it: a pool miss
	slot     int  // its index in the pool's wait queue while queued
	timer    *time.Timer
	refresh  string    // the list-cache key this call refreshes
	hint     cacheHint // what the server said of keeping the list it answered
}

func (pc *pendingCall) id() uint64 {
	if pc.pin != nil {
		return pc.pin.ID
	}
	return pc.req.ID
}

func (pc *pendingCall) deadline() time.Time {
	if pc.pin != nil {
		return pc.pin.Deadline
	}
	return pc.req.Deadline
}

func (pc *pendingCall) only() uint64 {
	if pc.req != nil {
		return pc.req.Session
	}
	return 0
}
