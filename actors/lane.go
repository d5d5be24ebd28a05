package actors

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/spine-mcp/spine/actors/internal/pool"
)

// A lane is one call slot of a ready session of a shared server that its server actor has
// lent to callers (pool.Lend): a caller that takes it runs its plain tool call on that
// session on its own goroutine, written there and answered there, without the round trip
// through the server actor and a session's call runner — as if it held the go-sdk session
// itself. It serves callers that ask for it (WithLane) and whose goroutine is long-lived (a
// gateway's connection, not a goroutine started per call, whose stack go-sdk's deep call
// path would grow again at every call: runners.go), one call at a time.
//
// The pool still decides everything but the dispatch of a call that succeeds:
//   - the lease counts as a call running on its session (max_inflight, drains, recycling);
//   - a call that fails on the lane is handed to the server actor, and the pool answers it
//     or retries it as if it had run it itself (pool.Adopt): one retry policy;
//   - the lane closes whenever the pool would not dispatch to its session now — calls wait,
//     the session is no longer ready or is suspect, a drain began — and at each maintenance
//     tick, so that idle timeouts, recycling and health probes see the session as it is; the
//     next caller that asks for a lane comes through the server actor and opens one again.
//
// No call jumps the queue: a lane is open only while no call waits.

// WithLane returns ctx with which a tool call may run on a lane, on the caller's goroutine.
func WithLane(ctx context.Context) context.Context { return context.WithValue(ctx, laneKey{}, true) }

type laneKey struct{}

func wantsLane(ctx context.Context) bool { ok, _ := ctx.Value(laneKey{}).(bool); return ok }

// lane states
const (
	laneFree   int32 = iota // a caller may take it
	laneTaken               // a caller runs its call on it
	laneClosed              // closed: no caller takes it again; its lease ends once free
)

type lane struct {
	state   atomic.Int32
	running atomic.Uint64 // the request running on it (0: none), for a drain past its deadline
	session *sessionActor
	id      uint64 // the session's id
	lease   uint64 // the lease's call id in the pool
}

// laneSlot holds a shared server's open lane, if any: written by its server actor, read by
// callers.
type laneSlot struct {
	open   atomic.Pointer[lane]
	served atomic.Int64 // calls taken on its lanes (tests read it)
}

// leaseIDs numbers leases apart from request ids (Runtime.NextID counts from 1).
var leaseIDs atomic.Uint64

func nextLeaseID() uint64 { return 1<<63 | leaseIDs.Add(1) }

// laneDone tells the server actor that a lane's call is over with its lease still to end:
// the lane was closed while the call ran, or the call failed (failure set: the pool decides
// its answer, to the message's sender), or its caller gave up.
type laneDone struct {
	lane    *lane
	req     *Request
	failure *Failure
}

// onLane is the lane's share of a call: req is plain (laneable) and h has lanes. It runs req
// on the open lane if it can take it; otherwise it says false and marks req, so that the
// server actor opens a lane after dispatching it.
func (rt *Runtime) onLane(ctx context.Context, h *serverHandle, req *Request) (any, error, bool) {
	l := h.lanes.open.Load()
	if l == nil || !l.state.CompareAndSwap(laneFree, laneTaken) {
		req.wantsLane = true
		return nil, nil, false
	}
	h.lanes.served.Add(1)
	h.stats.calls.Add(1)
	h.stats.hits.Add(1)
	timeout := h.spec.CallTimeoutFor(req.Name)
	l.running.Store(req.ID)
	res, f := l.session.runLent(ctx, req, timeout, h.spec.MaxCallTimeFor(timeout))
	l.running.Store(0)
	if f == nil {
		if !l.state.CompareAndSwap(laneTaken, laneFree) { // closed meanwhile: the lease ends now
			rt.system.Root.Send(h.pid, &laneDone{lane: l})
		}
		return &Response{ID: req.ID, Result: res, Session: l.id, Hit: true}, nil, true
	}
	l.state.Store(laneClosed) // a failure: the pool looks at the session before it lends again
	if err := ctx.Err(); err != nil {
		rt.system.Root.Send(h.pid, &laneDone{lane: l})
		return nil, contextFailure(err, ClassMaybeRan), true
	}
	ch := h.replies.expect(req.ID)
	rt.system.Root.RequestWithCustomSender(h.pid, &laneDone{lane: l, req: req, failure: f}, h.replies.pid)
	msg, err := rt.await(ctx, h, req, ch, nil, nil)
	return msg, err, true
}

// laneable reports whether req may run on a lane: a plain tool call, with nothing for the
// server actor to carry (progress, trace context, per-call headers, an isolation key, a
// batch's session). The caller checks that the tool is enabled: a disabled one is refused by
// the server actor.
func laneable(req *Request) bool {
	return req.Op == OpCallTool && !req.Progress && req.TraceParent == "" && len(req.Headers) == 0 &&
		req.Identity == "" && req.Affinity == "" && req.Session == 0
}

// runLent runs req on this session on the caller's goroutine (a lane), with the call's
// timeouts, cancelled with ctx. A session that is not ready or is releasing refuses it unsent.
func (a *sessionActor) runLent(ctx context.Context, req *Request, timeout, maxTime time.Duration) (any, *Failure) {
	a.mu.Lock()
	c := a.conn
	if a.released || a.dead || c == nil {
		a.mu.Unlock()
		return nil, failure(ClassNotSent, ReasonSessionLost, errNotReady)
	}
	// Counted under the mutex that release takes before it waits: a call begun is waited for.
	a.calls.Add(1)
	defer a.calls.Done()
	callCtx, call := startCall(withCallHeaders(context.Background(), a.headers), req.Deadline, timeout, maxTime)
	a.inflight[req.ID] = call
	a.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { call.cancel(context.Canceled) })
	defer stop()
	res, f, _ := a.execute(callCtx, req, c, call)
	return res, f
}

// lend opens a lane on a session with room, when a caller asked for one and none is open.
func (s *serverActor) lend(ctx actor.Context) {
	if s.lanes == nil || s.lane != nil || s.stopping {
		return
	}
	l := &lane{lease: nextLeaseID()}
	id, effects, ok := s.pool.Lend(l.lease, l)
	s.run(ctx, effects)
	if !ok {
		return
	}
	start := s.starts[id]
	if start == nil { // not started through its actor's shortcut: no lane on it
		s.run(ctx, s.pool.EndLease(l.lease))
		return
	}
	l.session, l.id = start, id
	s.lane = l
	s.lanes.open.Store(l)
}

// closeLane closes the open lane: its lease ends now if no caller holds it, else when that
// caller's call is over (laneDone).
func (s *serverActor) closeLane(ctx actor.Context) {
	l := s.lane
	if l == nil {
		return
	}
	s.forgetLane(l)
	if l.state.Swap(laneClosed) == laneFree {
		s.run(ctx, s.pool.EndLease(l.lease))
	}
}

// forgetLane takes l out of the callers' reach.
func (s *serverActor) forgetLane(l *lane) {
	if s.lane == l {
		s.lane = nil
		s.lanes.open.CompareAndSwap(l, nil)
	}
}

// reviewLane closes the open lane when the pool would not dispatch to its session now.
func (s *serverActor) reviewLane(ctx actor.Context) {
	if l := s.lane; l != nil && !s.pool.Lendable(l.id) {
		s.closeLane(ctx)
	}
}

// laneDone ends a lane's lease and, for a call that failed on it, lets the pool decide its
// answer as if it had run it.
func (s *serverActor) laneDone(ctx actor.Context, m *laneDone) {
	l := m.lane
	s.forgetLane(l)
	l.state.Store(laneClosed)
	s.run(ctx, s.pool.EndLease(l.lease))
	if m.failure == nil {
		return
	}
	pc := &pendingCall{req: m.req, sender: ctx.Sender(), got: acquired{session: l.id, hit: true}}
	s.explain(m.req, m.failure)
	req := m.req
	s.run(ctx, s.pool.Adopt(pool.Call{ID: req.ID, Deadline: req.Deadline, Data: pc}, l.id, m.failure))
}

// laneEnded hears that the pool ended lease l itself (its session ended, or the pool stopped).
func (s *serverActor) laneEnded(l *lane) {
	s.forgetLane(l)
	l.state.Store(laneClosed)
}

// cancelLane cancels the call running on lane l (a drain past its deadline cancels the lease).
func (s *serverActor) cancelLane(ctx actor.Context, l *lane) {
	if id := l.running.Load(); id != 0 {
		if pid := s.pids[l.id]; pid != nil {
			ctx.Send(pid, &Cancel{ID: id})
		}
	}
}
