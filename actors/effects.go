package actors

import (
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/spine-mcp/spine/actors/internal/pool"
)

// run publishes the session gauges as the pool stands after one input, then carries out the
// effects it decided: first, because a dispatched call may be answered (by its session,
// straight to the caller) before the carrying is over, and a caller that then reads Stats
// must find the queue it left. docs/design.md, "The pool state machine".
func (s *serverActor) run(ctx actor.Context, effects []pool.Effect) {
	connecting, busy, idle := s.pool.Gauges()
	s.stats.connecting.Store(int64(connecting))
	s.stats.busy.Store(int64(busy))
	s.stats.idle.Store(int64(idle))
	s.stats.ready.Store(int64(busy + idle))
	s.stats.queued.Store(int64(s.pool.Waiting()))
	for i := range effects {
		s.carry(ctx, &effects[i])
	}
}

// carry carries out one effect: the only place where a pool decision meets protoactor.
func (s *serverActor) carry(ctx actor.Context, e *pool.Effect) {
	switch e.Kind {
	case pool.Dispatch:
		pc := e.Data.(*pendingCall)
		s.recordAcquire(e)
		timeout := s.callTimeout(pc.req)
		pc.got = acquired{session: e.Session, hit: !e.Miss, wait: e.Wait}
		if pc.req.TraceParent != "" { // read by the caller's tracing only: no clock otherwise
			pc.got.at = time.Now()
		}
		d := &dispatch{req: pc.req, deadline: pc.req.Deadline, timeout: timeout, maxTime: s.spec.MaxCallTimeFor(timeout), acquired: pc.got}
		// A tool call's success needs nothing of the server (lists are filtered and cached
		// here), so the session answers it at once; one that streams progress is answered here,
		// after its notifications, which come through this actor.
		if pc.req.Op == OpCallTool && !pc.req.Progress && pc.refresh == "" {
			d.reply = pc.sender
		}
		if start := s.starts[e.Session]; start != nil {
			start.begin(d) // no hop through the session's mailbox (callworker.go)
		} else {
			ctx.Send(s.pids[e.Session], d)
		}
	case pool.Grant:
		pc := e.Data.(*pendingCall)
		s.recordAcquire(e)
		ctx.Send(pc.sender, &Pinned{ID: pc.pin.ID, Session: e.Session})
	case pool.Reply:
		if l, ok := e.Data.(*lane); ok { // a lease the pool ended itself
			s.laneEnded(l)
			return
		}
		pc := e.Data.(*pendingCall)
		var result any
		if e.Failure == nil && e.Call == s.resultFor {
			if s.replied { // the session answered the caller already
				return
			}
			result = s.filter(pc.req.Op, s.result)
		}
		s.reply(ctx, pc, result, e.Failure)
	case pool.CancelCall:
		if data, _, _ := s.pool.Lookup(e.Call); data != nil {
			if l, ok := data.(*lane); ok { // a lease: what runs on it is its caller's call
				s.cancelLane(ctx, l)
				return
			}
		}
		if pid := s.pids[e.Session]; pid != nil {
			ctx.Send(pid, &Cancel{ID: e.Call})
		}
	case pool.Spawn:
		s.spawn(ctx, e)
	case pool.Stop:
		if pid := s.pids[e.Session]; pid != nil {
			ctx.Stop(pid)
		}
	case pool.Probe:
		methods := s.spec.HealthMethods
		if e.Suspect && onlySkip(methods) {
			methods = []string{"ping", "list_tools"}
		}
		ctx.Send(s.pids[e.Session], &probe{methods: methods})
	case pool.Arm:
		s.arm(ctx, e.Timer, e.After)
	case pool.Disarm:
		if a, ok := s.timers[e.Timer]; ok {
			a.t.Stop()
			delete(s.timers, e.Timer)
		}
	case pool.Drained:
		if s.stopping { // answered once the sessions are stopped
			s.drained = e.Count
			return
		}
		if s.drainSender != nil {
			ctx.Send(s.drainSender, &Drained{Cancelled: e.Count})
			s.drainSender = nil
		}
	default:
		s.happened(e)
	}
}

// happened turns what the pool reports into events and counters.
func (s *serverActor) happened(e *pool.Effect) {
	ev := Event{Server: s.spec.Name, Session: e.Session, Pool: e.Key, Err: e.Err}
	switch e.Kind {
	case pool.Opened:
		var l *link
		if m := s.ready; m != nil {
			if m.toolsErr == nil && m.tools != nil {
				s.learnTools(m.tools)
			}
			ev.Duration, l = m.handshake, m.link
		}
		s.upstreamOpened(e.Session, l)
		ev.Kind = EventSessionOpened
	case pool.Closed:
		ev.Kind, ev.Reason = EventSessionClosed, e.Reason
	case pool.Lost:
		ev.Kind = EventSessionLost
	case pool.ConnectFailed:
		ev.Kind = EventConnectFailed
	case pool.Restarted:
		ev.Kind, ev.Pool, ev.Reason = EventSessionRestart, "", "session actor stopped"
	case pool.Recycled:
		ev.Kind, ev.Duration = EventRecycled, e.After
	case pool.HealthFailed:
		ev.Kind = EventHealthFailed
	case pool.BackingOff:
		ev.Kind, ev.Duration = EventBackoff, e.After
	case pool.CircuitOpened:
		ev.Kind, ev.Duration = EventCircuitOpened, e.After
	case pool.CircuitClosed:
		ev.Kind = EventCircuitClosed
	case pool.CircuitHalfOpen:
		ev.Kind = EventCircuitHalfOpen
	default:
		return
	}
	s.emit(ev)
}

// recordAcquire counts a pool hit or miss and the wait for a session.
func (s *serverActor) recordAcquire(e *pool.Effect) {
	if e.Miss || e.Wait > time.Millisecond {
		s.stats.recordWait(e.Wait)
	}
	if e.Miss {
		s.stats.misses.Add(1)
	} else {
		s.stats.hits.Add(1)
	}
}

// spawn starts the session actor the pool asked for. A spawn that fails is reported back as
// a failed start, through the mailbox: the pool takes no input while its effects run.
func (s *serverActor) spawn(ctx actor.Context, e *pool.Effect) {
	props := newSessionProps(e.Session, s.deps, s.tools == nil, e.Headers)
	pid, err := ctx.SpawnNamed(props, "session-"+strconv.FormatUint(e.Session, 10))
	if err != nil {
		s.log.Error().Err(err).Str("server", s.spec.Name).Msg("spawn session actor")
		ctx.Send(s.self, &spawnFailed{session: e.Session, err: err})
		return
	}
	s.pids[e.Session] = pid
	s.byPID[pid.Id] = e.Session
	started := Event{Kind: EventSessionStarted, Server: s.spec.Name, Session: e.Session, Pool: e.Key}
	if e.Restart {
		started.Reason = "restart"
	}
	s.emit(started)
}

// arm starts (or restarts) a timer the pool asked for; it comes back as a timerFired.
func (s *serverActor) arm(ctx actor.Context, t pool.Timer, after time.Duration) {
	if a, ok := s.timers[t]; ok {
		a.t.Stop()
	}
	s.gen++
	root, self, gen := ctx.ActorSystem().Root, s.self, s.gen
	s.timers[t] = armedTimer{t: time.AfterFunc(after, func() { root.Send(self, &timerFired{timer: t, gen: gen}) }), gen: gen}
}
