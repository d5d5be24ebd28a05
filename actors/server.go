package actors

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/actors/internal/pool"
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
	listChanged struct{ kind string }
	// timerFired says that a timer the pool armed went off; gen tells a timer from the one
	// that replaced it, so that a stale firing is dropped.
	timerFired struct {
		timer pool.Timer
		gen   uint64
	}
	// drainExpired: the runtime's Close is hurried; what still runs is cancelled now.
	drainExpired struct{}
	// spawnFailed: the session actor could not be spawned at all.
	spawnFailed struct {
		session uint64
		err     error
	}
)

// serverActor is one upstream server: the adapter between protoactor and the pool state
// machine (actors/internal/pool), which makes every pool decision — dispatch, wait queue,
// growth and shrinking, health, recycling, retries, restart backoff, circuit breaker, drain,
// pool keys. The actor turns messages into pool inputs and carries out the effects: it spawns
// and stops session actors, sends them calls and probes, answers callers, runs timers. It
// keeps what is not pool policy: the list cache, the tools list that decides whether a call
// is safe to run twice, the messages that name timeouts, subscribers. docs/design.md,
// "The pool state machine".
type serverActor struct {
	spec      *capability.ServerSpec
	stats     *ServerStats
	events    EventHook
	log       zerolog.Logger
	teardown  *teardown
	eras      *eraMemory
	handlers  ClientHandlers
	mailboxes *runners
	upstream  upstream  // the sessions (or links) its session actors hold: sessions_created/closed
	lanes     *laneSlot // where its open lane is published (shared servers); nil: no lanes
	lane      *lane     // its open lane, nil for none (lane.go)

	self   *actor.PID
	client *mcp.Client
	deps   *sessionDeps // what its sessions share
	pool   *pool.Pool
	pids   map[uint64]*actor.PID    // session id → its actor, until it has terminated
	starts map[uint64]*sessionActor // session id → where its calls start, once ready
	byPID  map[string]uint64
	timers map[pool.Timer]armedTimer
	gen    uint64
	tools  map[string]*mcp.Tool // the last tools list: annotations decide retries
	cache  listCache
	subs   []*actor.PID

	drainSender *actor.PID
	stopping    bool
	drained     int // calls cancelled by a drain that the stop ended, answered after the stop

	// the message being turned into inputs, for the effects that need its payload
	result    any    // a call's result (Done)
	resultFor uint64 // the call it belongs to
	replied   bool   // the session answered that call's caller already
	ready     *sessionReady
}

type armedTimer struct {
	t   *time.Timer
	gen uint64
}

// ServerOptions configures a server actor.
type ServerOptions struct {
	Spec   capability.ServerSpec
	Stats  *ServerStats // counters shared with readers; required
	Events EventHook    // receives pool and lifecycle events; nil = none
	Log    zerolog.Logger
	// Handlers answer what the server asks of the client; the zero value declares nothing.
	Handlers ClientHandlers

	teardown  *teardown  // shared with the runtime's Close; nil outside a Runtime
	eras      *eraMemory // shared by the runtime's servers; nil: each server remembers its own
	mailboxes *runners   // runs the server's and its sessions' mailboxes; nil: protoactor's own
	lanes     *laneSlot  // shared with the runtime's callers (lane.go); nil: no lanes
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
		return &serverActor{spec: &spec, stats: opts.Stats, events: events, log: opts.Log, teardown: opts.teardown, eras: opts.eras, handlers: opts.Handlers, mailboxes: opts.mailboxes, lanes: opts.lanes}
	}, withMailboxes(opts.mailboxes, actor.WithSupervisor(actor.NewOneForOneStrategy(0, 0, func(any) actor.Directive {
		// A session actor that panicked is stopped; the server actor replaces it like any
		// lost session, with its own backoff (protoactor's restarts are immediate).
		return actor.StopDirective
	})))...)
}

// withMailboxes adds the runtime's mailbox runners to an actor's props (runners.go says why).
func withMailboxes(r *runners, opts ...actor.PropsOption) []actor.PropsOption {
	if r != nil {
		opts = append(opts, actor.WithDispatcher(r))
	}
	return opts
}

// Receive implements actor.Actor.
func (s *serverActor) Receive(ctx actor.Context) {
	s.receive(ctx)
	if s.lane != nil {
		s.reviewLane(ctx)
	}
}

func (s *serverActor) receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		s.start(ctx)
	case *Request:
		s.accept(ctx, &pendingCall{req: m, sender: ctx.Sender()})
	case *Pin:
		s.accept(ctx, &pendingCall{pin: m, sender: ctx.Sender()})
	case *Unpin:
		s.run(ctx, s.pool.Unpin(m.Session))
	case *Cancel:
		s.run(ctx, s.pool.Cancel(m.ID))
	case *callDone:
		s.callDone(ctx, m)
	case *laneDone:
		s.laneDone(ctx, m)
	case *sessionReady:
		s.ready = m
		if m.calls != nil && s.pids[m.session] != nil {
			s.starts[m.session] = m.calls
		}
		s.run(ctx, s.pool.Ready(m.session))
		s.ready = nil
	case *sessionLost:
		s.run(ctx, s.pool.Lost(m.session, m.err, m.connect))
	case *spawnFailed:
		s.run(ctx, s.pool.Lost(m.session, m.err, true))
		s.run(ctx, s.pool.Terminated(m.session))
	case *sessionReleased:
		s.run(ctx, s.pool.Released(m.session))
	case *probeDone:
		err := m.err
		if err != nil {
			err = redact(s.spec, err) // it may reach a caller whose batch was pinned here
		}
		s.run(ctx, s.pool.ProbeDone(m.session, err))
	case *actor.Terminated:
		s.terminated(ctx, m.Who)
	case *timerFired:
		if a, ok := s.timers[m.timer]; ok && a.gen == m.gen {
			delete(s.timers, m.timer)
			if m.timer.Kind == pool.TickTimer { // maintenance sees the session as it is
				s.closeLane(ctx)
			}
			s.run(ctx, s.pool.Fire(m.timer))
		}
	case *Progress:
		// Forwarded to the caller, whose request is still pending (a late one is dropped),
		// and to the session running the call.
		if data, session, ok := s.pool.Lookup(m.ID); ok {
			if pc, _ := data.(*pendingCall); pc != nil && pc.sender != nil {
				ctx.Send(pc.sender, m)
				if pid := s.pids[session]; pid != nil { // a sign of life: the call's timeout starts again
					ctx.Send(pid, m)
				}
			}
		}
	case *listChanged:
		s.listChanged(ctx, m.kind)
	case *Subscribe:
		// Watching the subscriber drops it when it stops: no news goes to dead letters.
		s.subs = append(s.subs, m.PID)
		ctx.Watch(m.PID)
	case *Reconnect:
		s.closeLane(ctx)
		effects, n := s.pool.Reconnect()
		s.run(ctx, effects)
		ctx.Respond(&Reconnected{Replaced: n})
	case *Release:
		effects, n := s.pool.Release(m.Identity, m.Affinity)
		s.run(ctx, effects)
		ctx.Respond(&Released{Sessions: n})
	case *Drain:
		s.drainSender = ctx.Sender()
		s.closeLane(ctx)
		s.run(ctx, s.pool.Drain(m.Deadline))
	case *drainExpired:
		s.run(ctx, s.pool.Fire(pool.Timer{Kind: pool.DrainTimer}))
	case *actor.Stopping:
		s.stop(ctx)
	}
}

func (s *serverActor) start(ctx actor.Context) {
	s.self = ctx.Self()
	s.pids = map[uint64]*actor.PID{}
	s.starts = map[uint64]*sessionActor{}
	s.byPID = map[string]uint64{}
	s.timers = map[pool.Timer]armedTimer{}
	s.cache = newListCache()
	s.stats.circuit.Store("closed") // the state before any event
	s.client = s.newClient(ctx.ActorSystem().Root)
	if s.eras == nil {
		s.eras = newEraMemory()
	}
	s.deps = &sessionDeps{spec: s.spec, client: s.client, log: s.log, teardown: s.teardown, stats: s.stats, eras: s.eras, mailboxes: s.mailboxes,
		noRoots: len(s.handlers.Roots) == 0}
	if s.spec.Transport != capability.TransportStdio {
		s.deps.http = newHTTPTransport()
	}
	s.pool = pool.New(poolConfig(s.spec), pool.SystemClock{})
	if s.lanes != nil {
		s.lanes.open.Store(nil) // a lane of an earlier incarnation is not this pool's
	}
	s.run(ctx, s.pool.Start())
}

// poolConfig is the pool policy of a server spec (already defaulted by capability).
func poolConfig(spec *capability.ServerSpec) pool.Config {
	iso := pool.Shared
	switch spec.Isolation {
	case capability.IsolationIdentity:
		iso = pool.Identity
	case capability.IsolationAffinity:
		iso = pool.Affinity
	}
	return pool.Config{
		Isolation:        iso,
		MinSessions:      spec.MinSessions,
		MaxSessions:      spec.MaxSessions,
		MaxInflight:      spec.MaxInflight,
		TotalSessions:    spec.TotalSessions(),
		AcquireTimeout:   spec.AcquireTimeout,
		Retries:          spec.Retries,
		HealthInterval:   spec.HealthInterval,
		HealthProbes:     !onlySkip(spec.HealthMethods),
		IdleTimeout:      spec.IdleTimeout,
		MaxLifetime:      spec.MaxLifetime,
		CircuitThreshold: spec.CircuitThreshold,
		CircuitReset:     spec.CircuitReset,
		NewSessionID:     func() uint64 { return sessionIDs.Add(1) },
	}
}

func onlySkip(methods []string) bool {
	for _, m := range methods {
		if m != "skip" {
			return false
		}
	}
	return true
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

// stop answers every caller still waiting, then stops all the sessions at once, each taking
// its process group down with it on its own goroutine, and waits for them: a pool ends in the
// time of its slowest session, not in the sum of their teardowns.
func (s *serverActor) stop(ctx actor.Context) {
	if s.pool == nil {
		return
	}
	s.stopping = true
	s.closeLane(ctx)
	effects, order := s.pool.Stop()
	s.run(ctx, effects)
	for t, a := range s.timers {
		a.t.Stop()
		delete(s.timers, t)
	}
	stopped := make([]*actor.Future, len(order))
	for i := len(order) - 1; i >= 0; i-- {
		if pid := s.pids[order[i]]; pid != nil {
			stopped[i] = ctx.StopFuture(pid)
		}
	}
	// A wait that times out (protoactor's fixed 10 s) leaves the session releasing: the
	// runtime's Close waits for every release itself.
	for i := len(order) - 1; i >= 0; i-- {
		if stopped[i] != nil {
			_ = stopped[i].Wait()
		}
		s.emit(Event{Kind: EventSessionClosed, Server: s.spec.Name, Session: order[i], Reason: "shutdown"})
	}
	if s.deps != nil && s.deps.http != nil {
		s.deps.http.CloseIdleConnections()
	}
	if s.drainSender != nil {
		ctx.Send(s.drainSender, &Drained{Cancelled: s.drained})
		s.drainSender = nil
	}
}

// terminated forgets a session actor that has stopped, whatever stopped it, or a subscriber.
func (s *serverActor) terminated(ctx actor.Context, who *actor.PID) {
	id, ok := s.byPID[who.Id]
	if !ok {
		s.subs = slices.DeleteFunc(s.subs, func(p *actor.PID) bool { return p.Equal(who) })
		return
	}
	s.forget(ctx, id)
}

// forget drops a session whose actor is gone: its slot is free.
func (s *serverActor) forget(ctx actor.Context, id uint64) {
	if pid := s.pids[id]; pid != nil {
		delete(s.byPID, pid.Id)
	}
	delete(s.pids, id)
	delete(s.starts, id)
	s.upstreamClosed(id)
	s.emit(Event{Kind: EventSessionEnded, Server: s.spec.Name, Session: id})
	s.run(ctx, s.pool.Terminated(id))
}

func (s *serverActor) listChanged(ctx actor.Context, kind string) {
	s.cache.invalidate(kind)
	if kind == "tools" {
		s.tools = nil
	}
	s.emit(Event{Kind: EventListChanged, Server: s.spec.Name, Reason: kind})
	for _, pid := range s.subs {
		ctx.Send(pid, &ListChanged{Server: s.spec.Name, Kind: kind})
	}
}
