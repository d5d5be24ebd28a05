package actors

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/capability"
)

// sessionIDs numbers sessions across the runtime, so that ids in logs are unambiguous.
var sessionIDs atomic.Uint64

// Subscribe asks a server actor to send a *ListChanged to PID whenever the server says its
// tools, resources or prompts changed.
type Subscribe struct{ PID *actor.PID }

// ListChanged tells subscribers that a server's list of Kind ("tools", "resources",
// "prompts") changed.
type ListChanged struct {
	Server string
	Kind   string
}

// Messages a server actor sends itself.
type (
	listChanged    struct{ kind string }
	acquireExpired struct{ id uint64 }
	retryDue       struct{ id uint64 }
	respawn        struct{ pool string }
	maintain       struct{}
	drainExpired   struct{}
)

// serverActor is one upstream server: the pool of its sessions and the policies over them
// (dispatch, wait queue, growth and shrinking, health, recycling, retries, circuit breaker,
// list cache). It supervises its session actors itself: a lost session is replaced with
// exponential backoff and jitter, and repeated connect failures open the circuit.
type serverActor struct {
	spec     *capability.ServerSpec
	stats    *ServerStats
	events   EventHook
	log      zerolog.Logger
	teardown *teardown
	eras     *eraMemory
	handlers ClientHandlers

	self      *actor.PID
	client    *mcp.Client
	deps      *sessionDeps // what its sessions share
	pools     map[string]*pool
	sessions  map[uint64]*sessionRef
	byPID     map[string]*sessionRef
	pending   map[uint64]*pendingCall
	circuit   circuit
	streak    int                  // consecutive session failures since the last good call
	everReady bool                 // a session has completed its handshake: the server can start
	tools     map[string]*mcp.Tool // the last tools list: annotations decide retries
	cache     listCache
	subs      []*actor.PID
	drain     *drainState
	ticker    *time.Timer
	tickEach  time.Duration
	respawns  map[string]*time.Timer
	starved   slotQueue // pools waiting for a session slot under max_total_sessions
}

type drainState struct {
	sender    *actor.PID
	timer     *time.Timer
	expired   bool
	cancelled int
}

// ServerOptions configures a server actor.
type ServerOptions struct {
	Spec   capability.ServerSpec
	Stats  *ServerStats // counters shared with readers; required
	Events EventHook    // receives pool and lifecycle events; nil = none
	Log    zerolog.Logger
	// Handlers answer what the server asks of the client; the zero value declares nothing.
	Handlers ClientHandlers

	teardown *teardown  // shared with the runtime's Close; nil outside a Runtime
	eras     *eraMemory // shared by the runtime's servers; nil: each server remembers its own
}

// NewServerProps returns the props of a server actor.
func NewServerProps(opts ServerOptions) *actor.Props {
	spec := opts.Spec
	events := opts.Events
	if events == nil {
		events = func(Event) {}
	}
	events = redactEvents(&spec, events)
	return actor.PropsFromProducer(func() actor.Actor {
		return &serverActor{spec: &spec, stats: opts.Stats, events: events, log: opts.Log, teardown: opts.teardown, eras: opts.eras, handlers: opts.Handlers}
	}, actor.WithSupervisor(actor.NewOneForOneStrategy(0, 0, func(any) actor.Directive {
		// A session actor that panicked is stopped; the server actor replaces it like any
		// lost session, with its own backoff (protoactor's restarts are immediate).
		return actor.StopDirective
	})))
}

// Receive implements actor.Actor.
func (s *serverActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		s.start(ctx)
	case *Request:
		s.accept(ctx, &pendingCall{req: m, sender: ctx.Sender()})
	case *Pin:
		s.accept(ctx, &pendingCall{pin: m, sender: ctx.Sender()})
	case *Unpin:
		s.unpin(ctx, m.Session)
	case *Cancel:
		s.cancel(ctx, m.ID)
	case *callDone:
		s.callDone(ctx, m)
	case *sessionReady:
		s.sessionReady(ctx, m)
	case *sessionLost:
		s.sessionLost(ctx, m)
	case *sessionReleased:
		s.sessionReleased(ctx, m)
	case *probeDone:
		s.probeDone(ctx, m)
	case *actor.Terminated:
		s.terminated(ctx, m.Who)
	case *acquireExpired:
		s.acquireExpired(ctx, m.id)
	case *retryDue:
		if pc := s.pending[m.id]; pc != nil {
			s.enqueue(ctx, pc)
		}
	case *respawn:
		delete(s.respawns, m.pool)
		if p := s.pools[m.pool]; p != nil {
			s.replenish(ctx, p, true)
		}
	case *maintain:
		s.maintain(ctx)
	case *Progress:
		// Forwarded to the caller, whose request is still pending (a late one is dropped),
		// and to the session running the call.
		if pc := s.pending[m.ID]; pc != nil && pc.sender != nil {
			ctx.Send(pc.sender, m)
			if pc.session != nil { // a sign of life: the call's timeout starts again
				ctx.Send(pc.session.pid, m)
			}
		}
	case *listChanged:
		s.listChanged(ctx, m.kind)
	case *Subscribe:
		// Watching the subscriber drops it when it stops: no news goes to dead letters.
		s.subs = append(s.subs, m.PID)
		ctx.Watch(m.PID)
	case *Reconnect:
		ctx.Respond(&Reconnected{Replaced: s.reconnect(ctx)})
	case *Drain:
		s.startDrain(ctx, m.Deadline)
	case *drainExpired:
		s.drainExpired(ctx)
	case *actor.Stopping:
		s.stop(ctx)
	}
}

func (s *serverActor) start(ctx actor.Context) {
	s.self = ctx.Self()
	s.pools = map[string]*pool{}
	s.sessions = map[uint64]*sessionRef{}
	s.byPID = map[string]*sessionRef{}
	s.pending = map[uint64]*pendingCall{}
	s.respawns = map[string]*time.Timer{}
	s.starved = slotQueue{queued: map[*pool]bool{}}
	s.cache = newListCache()
	s.circuit = circuit{threshold: s.spec.CircuitThreshold, reset: s.spec.CircuitReset}
	s.stats.circuit.Store(circuitClosed.String())
	s.client = s.newClient(ctx.ActorSystem().Root)
	if s.eras == nil {
		s.eras = newEraMemory()
	}
	s.deps = &sessionDeps{spec: s.spec, client: s.client, log: s.log, teardown: s.teardown, stats: s.stats, eras: s.eras}
	if s.spec.Transport != capability.TransportStdio {
		s.deps.http = newHTTPTransport()
	}
	s.tickEach = maintenanceInterval(s.spec)
	s.scheduleMaintenance(ctx)
	if s.spec.MinSessions > 0 && s.spec.Isolation == capability.IsolationShared {
		s.replenish(ctx, s.poolFor(ctx, "", ""), false)
	}
}

// newClient builds the MCP client shared by this server's sessions. Its notification
// handlers only hand off to the actor: the SDK runs them one at a time.
func (s *serverActor) newClient(root *actor.RootContext) *mcp.Client {
	self := s.self
	notify := func(kind string) { root.Send(self, &listChanged{kind: kind}) }
	opts := &mcp.ClientOptions{
		ToolListChangedHandler:     func(context.Context, *mcp.ToolListChangedRequest) { notify("tools") },
		ResourceListChangedHandler: func(context.Context, *mcp.ResourceListChangedRequest) { notify("resources") },
		PromptListChangedHandler:   func(context.Context, *mcp.PromptListChangedRequest) { notify("prompts") },
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			p := req.Params
			if id, ok := progressID(p.ProgressToken); ok {
				root.Send(self, &Progress{ID: id, Progress: p.Progress, Total: p.Total, Message: p.Message})
			}
		},
	}
	s.handlers.clientOptions(opts)
	c := mcp.NewClient(&mcp.Implementation{Name: "spine", Version: Version}, opts)
	s.handlers.addRoots(c)
	return c
}

// Version is SPINE's version, sent to servers as the client implementation version.
var Version = "0.1.0"

func maintenanceInterval(spec *capability.ServerSpec) time.Duration {
	d := time.Second
	for _, x := range []time.Duration{spec.IdleTimeout, spec.MaxLifetime, spec.CircuitReset} {
		if x > 0 && x/4 < d {
			d = x / 4
		}
	}
	return max(d, 10*time.Millisecond)
}

func (s *serverActor) scheduleMaintenance(ctx actor.Context) {
	root, self := ctx.ActorSystem().Root, s.self
	s.ticker = time.AfterFunc(s.tickEach, func() { root.Send(self, &maintain{}) })
}

// poolFor returns the pool of a caller's isolation scope, creating it on first use.
func (s *serverActor) poolFor(ctx actor.Context, identity, affinity string) *pool {
	key := ""
	size, minSize := s.spec.MaxSessions, s.spec.MinSessions
	switch s.spec.Isolation {
	case capability.IsolationIdentity:
		key, minSize = "identity:"+identity, 0
	case capability.IsolationAffinity:
		if affinity != "" {
			key, size, minSize = "affinity:"+affinity, 1, 0
		}
	}
	p := s.pools[key]
	if p == nil {
		p = &pool{key: key, maxSize: size, minSize: minSize, lastUsed: time.Now()}
		s.pools[key] = p
		s.evictPools(ctx, p)
	}
	return p
}

// maxPools bounds the pool keys a server keeps; the least recently used idle ones go first
// (never the one being created).
const maxPools = 1024

func (s *serverActor) evictPools(ctx actor.Context, keep *pool) {
	for len(s.pools) > maxPools {
		var lru *pool
		for _, p := range s.pools {
			if p != keep && p.key != "" && !p.busy() && (lru == nil || p.lastUsed.Before(lru.lastUsed)) {
				lru = p
			}
		}
		if lru == nil {
			return
		}
		for _, r := range lru.sessions {
			s.retire(ctx, r, "evicted")
		}
		delete(s.pools, lru.key)
	}
}

// stop answers every caller still waiting, then stops all the sessions at once, each taking
// its process group down with it on its own goroutine, and waits for them: a pool ends in the
// time of its slowest session, not in the sum of their teardowns.
func (s *serverActor) stop(ctx actor.Context) {
	if s.ticker != nil {
		s.ticker.Stop()
	}
	for _, t := range s.respawns {
		t.Stop()
	}
	if s.drain != nil && s.drain.timer != nil {
		s.drain.timer.Stop()
	}
	for _, pc := range s.pending {
		s.fail(ctx, pc, ReasonClosed, errors.New("closed: the server is shutting down"))
	}
	var order []*sessionRef
	for _, p := range s.pools {
		order = append(order, p.sessions...)
	}
	sortBySpawn(order)
	stopped := make([]*actor.Future, len(order))
	for i := len(order) - 1; i >= 0; i-- {
		order[i].state = stateDead
		stopped[i] = ctx.StopFuture(order[i].pid)
	}
	// A wait that times out (protoactor's fixed 10 s) leaves the session releasing: the
	// runtime's Close waits for every release itself.
	for i := len(order) - 1; i >= 0; i-- {
		_ = stopped[i].Wait()
		s.events(Event{Kind: EventSessionClosed, Server: s.spec.Name, Session: order[i].id, Reason: "shutdown"})
	}
	if s.deps != nil && s.deps.http != nil {
		s.deps.http.CloseIdleConnections()
	}
	if s.drain != nil && s.drain.sender != nil {
		ctx.Send(s.drain.sender, &Drained{Cancelled: s.drain.cancelled})
		s.drain.sender = nil
	}
}

func sortBySpawn(refs []*sessionRef) {
	for i := 1; i < len(refs); i++ {
		for j := i; j > 0 && refs[j].id < refs[j-1].id; j-- {
			refs[j], refs[j-1] = refs[j-1], refs[j]
		}
	}
}

// startDrain refuses new work, answers queued calls with ErrClosed, and answers the
// sender with *Drained once nothing is in flight or the deadline has passed.
func (s *serverActor) startDrain(ctx actor.Context, deadline time.Time) {
	s.drain = &drainState{sender: ctx.Sender()}
	for _, p := range s.pools {
		for _, pc := range p.waiting.all() {
			s.fail(ctx, pc, ReasonClosed, errors.New("closed: the executor is closing"))
		}
	}
	if s.inflight() == 0 {
		s.finishDrain(ctx)
		return
	}
	root, self := ctx.ActorSystem().Root, s.self
	s.drain.timer = time.AfterFunc(time.Until(deadline), func() { root.Send(self, &drainExpired{}) })
}

func (s *serverActor) drainExpired(ctx actor.Context) {
	if s.drain == nil || s.drain.sender == nil {
		return
	}
	s.drain.expired = true
	for _, pc := range s.pending {
		if pc.session != nil {
			s.drain.cancelled++
			ctx.Send(pc.session.pid, &Cancel{ID: pc.req.ID})
		}
	}
}

func (s *serverActor) finishDrain(ctx actor.Context) {
	if s.drain == nil || s.drain.sender == nil || s.inflight() > 0 {
		return
	}
	if s.drain.timer != nil {
		s.drain.timer.Stop()
	}
	ctx.Send(s.drain.sender, &Drained{Cancelled: s.drain.cancelled})
	s.drain.sender = nil
}

func (s *serverActor) inflight() int {
	n := 0
	for _, pc := range s.pending {
		if pc.session != nil {
			n++
		}
	}
	return n
}

// reconnect replaces every session: idle ones now, busy ones when their calls are done.
func (s *serverActor) reconnect(ctx actor.Context) int {
	n := 0
	for _, p := range s.pools {
		for _, r := range append([]*sessionRef(nil), p.sessions...) {
			if r.live() {
				s.retire(ctx, r, "reconnect")
				n++
			}
		}
		s.replenish(ctx, p, false)
	}
	s.recount()
	return n
}

func (s *serverActor) listChanged(ctx actor.Context, kind string) {
	s.cache.invalidate(kind)
	if kind == "tools" {
		s.tools = nil
	}
	s.events(Event{Kind: EventListChanged, Server: s.spec.Name, Reason: kind})
	for _, pid := range s.subs {
		ctx.Send(pid, &ListChanged{Server: s.spec.Name, Kind: kind})
	}
}
