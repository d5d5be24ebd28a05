package pool

import (
	"container/list"
	"sort"
	"time"

	"github.com/spine-mcp/spine/actors/internal/outcome"
)

// Pool is the state machine of one server's sessions and the calls waiting for them. It is
// not safe for concurrent use: one goroutine (the server actor's) feeds it. Every input
// returns the effects it decided; the slice is valid until the next input.
type Pool struct {
	cfg   Config
	clock Clock

	keys      map[string]*key
	byUse     list.List           // the keys, least recently used first
	sessions  map[uint64]*session // every session until its actor has terminated
	orphans   map[uint64]*session // terminated with calls not yet released (Released follows)
	calls     map[uint64]*call    // accepted and not yet answered
	circuit   circuit
	streak    int  // consecutive session failures since the last good call
	everReady bool // a session has completed its handshake: the server can start
	respawns  map[string]bool
	starved   slotQueue // keys waiting for a session slot under TotalSessions
	draining  bool
	drainDone bool // Drained has been emitted
	expired   bool // the drain deadline passed
	cancelled int  // calls cancelled at the drain deadline
	stopped   bool
	runningN  int // calls running on a session
	waitingN  int // calls waiting under every key (each key's waitQueue keeps it in step)

	out []Effect
}

type sessionState uint8

const (
	connecting sessionState = iota
	ready                   // may take calls
	probing                 // a health probe runs; no calls
	retiring                // no new calls; stopped once its calls and batches are done
	dead
)

// session is the machine's view of one session.
type session struct {
	id       uint64
	key      *key
	state    sessionState
	inflight int
	running  []*call // the calls dispatched to it and not yet done (at most max_inflight)
	pins     int     // batches holding this session
	suspect  bool    // a timeout or transport hiccup: probe before the next call
	created  time.Time
	lastUsed time.Time // last call finished (or ready)
	reason   string    // why it is retiring
	lossTold bool      // a call failed with its loss (affinity: its key's caller knows)
}

func (s *session) live() bool { return s.state != dead && s.state != retiring }

// key is the set of sessions one pool key may use and its queue of waiting calls. A shared
// server has one key (""); identity and affinity isolation give one per caller key.
type key struct {
	name     string
	sessions []*session // spawn order
	waiting  waitQueue
	lastUsed time.Time
	use      *list.Element // its place in Pool.byUse
	maxSize  int
	minSize  int
	// stateLost: the key holds one caller's state (affinity) and its session ended other
	// than by Release — died, idled out, recycled — since a call of the key last learned of
	// it. The next call is failed once with ErrStateLost rather than run silently on a new
	// session that knows nothing (stateloss.go).
	stateLost bool
}

// Call is a call (or a batch's reservation) arriving at the pool.
type Call struct {
	ID        uint64
	Identity  string // isolation = identity
	Affinity  string // isolation = affinity
	Only      uint64 // run on this session only (a call of a batch)
	Exclusive bool   // a batch's reservation: a whole session, nothing else in flight
	Deadline  time.Time
	Headers   map[string][]string // per-call headers: an identity key's sessions send them
	Data      any                 // the adapter's own, given back in Dispatch, Grant, Reply
}

// call is an accepted Call and where it is.
type call struct {
	Call
	key       *key
	only      uint64
	exclusive bool
	session   *session // while dispatched
	attempts  int
	enqueued  time.Time
	queued    bool
	spawned   bool // a session was opened for it: a pool miss
	slot      int  // its index in the wait queue while queued
	timed     bool // its acquire timer is armed
}

// New returns the pool of a server with policy cfg.
func New(cfg Config, clock Clock) *Pool {
	if cfg.NewSessionID == nil {
		var n uint64
		cfg.NewSessionID = func() uint64 { n++; return n }
	}
	if cfg.Tick <= 0 {
		cfg.Tick = TickFor(cfg.IdleTimeout, cfg.MaxLifetime, cfg.CircuitReset)
	}
	return &Pool{
		cfg: cfg, clock: clock,
		keys:     map[string]*key{},
		sessions: map[uint64]*session{},
		orphans:  map[uint64]*session{},
		calls:    map[uint64]*call{},
		circuit:  circuit{threshold: cfg.CircuitThreshold, reset: cfg.CircuitReset},
		respawns: map[string]bool{},
		starved:  slotQueue{queued: map[*key]bool{}},
	}
}

// emit records an effect of the current input.
func (p *Pool) emit(e Effect) { p.out = append(p.out, e) }

// begin starts an input: the effects of the last one are forgotten.
func (p *Pool) begin() { clear(p.out); p.out = p.out[:0] }

// Start opens min_sessions of the shared pool and arms maintenance.
func (p *Pool) Start() []Effect {
	p.begin()
	p.emit(Effect{Kind: Arm, Timer: Timer{Kind: TickTimer}, After: p.cfg.Tick})
	if p.cfg.MinSessions > 0 && p.cfg.Isolation == Shared {
		p.replenish(p.keyFor("", ""), false)
	}
	return p.out
}

// KeyOf returns the pool key of a caller: "" when shared, "identity:<id>" per identity,
// "affinity:<key>" per affinity key.
func (p *Pool) KeyOf(identity, affinity string) string {
	switch p.cfg.Isolation {
	case Identity:
		return "identity:" + identity
	case Affinity:
		if affinity != "" {
			return "affinity:" + affinity
		}
	}
	return ""
}

// keyFor returns the key of a caller's isolation scope, creating it on first use.
func (p *Pool) keyFor(identity, affinity string) *key {
	name := p.KeyOf(identity, affinity)
	k := p.keys[name]
	if k == nil {
		k = &key{name: name, maxSize: p.cfg.MaxSessions, minSize: p.cfg.MinSessions, lastUsed: p.clock.Now()}
		k.waiting.total = &p.waitingN
		if name != "" {
			k.minSize = 0
			if p.cfg.Isolation == Affinity {
				k.maxSize = 1
			}
		}
		p.keys[name] = k
		k.use = p.byUse.PushBack(k)
		p.evictKeys(k)
	}
	return k
}

// evictKeys forgets the least recently used idle keys beyond MaxKeys, closing their
// sessions. The keys are kept in order of use, so that the search starts at the least
// recently used and passes over busy keys only.
func (p *Pool) evictKeys(keep *key) {
	for len(p.keys) > MaxKeys {
		var lru *key
		for e := p.byUse.Front(); e != nil && lru == nil; e = e.Next() {
			if k := e.Value.(*key); k != keep && k.name != "" && !k.busy() {
				lru = k
			}
		}
		if lru == nil {
			return
		}
		for _, s := range append([]*session(nil), lru.sessions...) {
			p.retire(s, "evicted")
		}
		p.forgetKey(lru)
	}
}

// touch marks k as just used.
func (p *Pool) touch(k *key) {
	k.lastUsed = p.clock.Now()
	p.byUse.MoveToBack(k.use)
}

func (p *Pool) forgetKey(k *key) {
	delete(p.keys, k.name)
	p.byUse.Remove(k.use)
}

// pick returns the least-loaded ready session with free capacity (earliest spawned on a tie),
// or nil. A pinned call may use only its own session; a session held by a batch takes no
// other call; a batch (exclusive) takes only a session with nothing in flight.
func (k *key) pick(maxInflight int, only uint64, exclusive bool) *session {
	var best *session
	for _, s := range k.sessions {
		if s.state != ready || s.inflight >= maxInflight || (only != 0 && s.id != only) ||
			(only == 0 && s.pins > 0) || (exclusive && s.inflight > 0) {
			continue
		}
		if best == nil || s.inflight < best.inflight {
			best = s
		}
	}
	return best
}

// counts returns how many sessions are live and how many of them are about to take calls:
// connecting, or being probed.
func (k *key) counts() (live, coming int) {
	for _, s := range k.sessions {
		if s.live() {
			live++
			if s.state == connecting || s.state == probing {
				coming++
			}
		}
	}
	return live, coming
}

func (k *key) remove(s *session) {
	for i, x := range k.sessions {
		if x == s {
			k.sessions = append(k.sessions[:i], k.sessions[i+1:]...)
			return
		}
	}
}

func (k *key) busy() bool {
	if k.waiting.len() > 0 {
		return true
	}
	for _, s := range k.sessions {
		if s.inflight > 0 || s.pins > 0 {
			return true
		}
	}
	return false
}

// identityHeaders returns a copy of the per-call headers of the newest waiting call that has
// some: a session opened for an identity key sends them with its own requests (handshake,
// stream, probes, close), so that the upstream never sees one of its sessions without the
// identity it belongs to.
func (k *key) identityHeaders() map[string][]string {
	var newest map[string][]string
	k.waiting.each(func(c *call) {
		if len(c.Headers) > 0 {
			newest = c.Headers
		}
	})
	if newest == nil {
		return nil
	}
	out := make(map[string][]string, len(newest))
	for h, v := range newest {
		out[h] = append([]string(nil), v...)
	}
	return out
}

// Gauges counts the sessions by state, over at most TotalSessions of them.
func (p *Pool) Gauges() (opening, busy, idle int) {
	for _, s := range p.sessions {
		switch {
		case s.state == connecting:
			opening++
		case s.state == dead:
		case s.inflight > 0:
			busy++
		default:
			idle++
		}
	}
	return opening, busy, idle
}

// Lookup returns the Data of call id and the session it runs on (0 while it waits).
func (p *Pool) Lookup(id uint64) (data any, session uint64, ok bool) {
	c := p.calls[id]
	if c == nil {
		return nil, 0, false
	}
	if c.session != nil {
		session = c.session.id
	}
	return c.Data, session, true
}

// Draining reports whether the pool refuses new calls.
func (p *Pool) Draining() bool { return p.draining }

// Waiting returns how many calls wait in all keys (for tests and stats).
func (p *Pool) Waiting() int { return p.waitingN }

// Keys returns how many pool keys are kept.
func (p *Pool) Keys() int { return len(p.keys) }

// inflight counts the calls running on a session.
func (p *Pool) inflight() int { return p.runningN }

// sorted returns calls in id order: answers leave in a deterministic order.
func sorted(cs []*call) []*call {
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	return cs
}

// reply answers a call and forgets it.
func (p *Pool) reply(c *call, f *outcome.Failure) {
	delete(p.calls, c.ID)
	if c.timed {
		c.timed = false
		p.emit(Effect{Kind: Disarm, Timer: Timer{Kind: AcquireTimer, Call: c.ID}})
	}
	if c.queued {
		c.key.waiting.remove(c)
	}
	if f != nil && f.Attempts < c.attempts {
		f.Attempts = c.attempts
	}
	sess := uint64(0)
	if c.session != nil {
		sess = c.session.id
	}
	p.emit(Effect{Kind: Reply, Call: c.ID, Data: c.Data, Session: sess, Failure: f, Attempt: c.attempts})
}
