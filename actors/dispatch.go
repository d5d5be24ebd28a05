package actors

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// accept takes a request (or a batch's Pin) in: refusals and cache hits are answered at once,
// the rest is queued and dispatched.
func (s *serverActor) accept(ctx actor.Context, pc *pendingCall) {
	now := time.Now()
	if s.drain != nil {
		s.reply(ctx, pc, nil, fmt.Errorf("%w: the executor is closing", ErrClosed))
		return
	}
	if pc.req != nil {
		req := pc.req
		if req.Op == OpCallTool && !s.spec.ToolAllowed(req.Name) {
			s.reply(ctx, pc, nil, fmt.Errorf("%w: not exposed by this server's enabled_tools / disabled_tools", ErrToolDisabled))
			return
		}
		s.stats.calls.Add(1)
	}
	if _, ok := s.sessions[pc.only()]; pc.only() != 0 && !ok {
		s.reply(ctx, pc, nil, fmt.Errorf("%w: the pinned session is gone", ErrSessionLost))
		return
	}
	pc.enqueued = now
	identity, affinity := scopeOf(pc)
	pc.pool = s.poolFor(ctx, identity, affinity)
	pc.pool.lastUsed = now
	if pc.req != nil && pc.req.Op.isList() {
		key := s.cacheKey(pc.req.Op, pc.pool)
		if res, ok := s.cache.get(key, now); ok {
			s.stats.cacheHits.Add(1)
			s.reply(ctx, pc, res, nil)
			return
		}
		s.stats.cacheMisses.Add(1)
		if s.cache.join(key, pc) { // a refresh is under way: wait for its answer
			return
		}
		pc.refresh = key
	}
	if s.circuit.rejects(now) && pc.pool.pick(s.spec.MaxInflight, pc.only()) == nil {
		s.reply(ctx, pc, nil, s.circuitError(now))
		return
	}
	s.pending[pc.id()] = pc
	s.enqueue(ctx, pc)
}

func scopeOf(pc *pendingCall) (identity, affinity string) {
	if pc.pin != nil {
		return pc.pin.Identity, pc.pin.Affinity
	}
	return pc.req.Identity, pc.req.Affinity
}

func (s *serverActor) circuitError(now time.Time) error {
	return fmt.Errorf("%w after %d failed starts; retrying in %s (last error: %v)",
		ErrCircuitOpen, s.circuit.failures, s.circuit.openUntil.Sub(now).Round(time.Millisecond), s.circuit.lastErr)
}

// enqueue puts a call at the back of its pool's FIFO and pumps; a call that must wait gets
// its acquire timeout armed (most are dispatched at once and need no timer).
func (s *serverActor) enqueue(ctx actor.Context, pc *pendingCall) {
	p := pc.pool
	pc.queued = true
	p.waiting = append(p.waiting, pc)
	s.pump(ctx, p)
	if pc.queued && pc.timer == nil {
		wait := s.spec.AcquireTimeout
		if d := pc.deadline(); !d.IsZero() && time.Until(d) < wait {
			wait = time.Until(d)
		}
		root, self, id := ctx.ActorSystem().Root, s.self, pc.id()
		pc.timer = time.AfterFunc(wait, func() { root.Send(self, &acquireExpired{id: id}) })
	}
}

// pump dispatches waiting calls, oldest first, to the least-loaded ready sessions, probes idle
// sessions that are due a health check, and grows the pool when calls still wait.
func (s *serverActor) pump(ctx actor.Context, p *pool) {
	for i := 0; i < len(p.waiting); {
		pc := p.waiting[i]
		r := p.pick(s.spec.MaxInflight, pc.only())
		for r != nil && r.inflight == 0 && s.dueProbe(r) {
			s.startProbe(ctx, r)
			r = p.pick(s.spec.MaxInflight, pc.only())
		}
		if r == nil {
			i++
			continue
		}
		s.dispatch(ctx, pc, r)
	}
	s.grow(ctx, p, false)
	s.recount()
}

func (s *serverActor) dispatch(ctx actor.Context, pc *pendingCall, r *sessionRef) {
	now := time.Now()
	p := pc.pool
	p.dequeue(pc)
	pc.queued = false
	if pc.timer != nil {
		pc.timer.Stop()
		pc.timer = nil
	}
	if wait := now.Sub(pc.enqueued); pc.spawned || wait > time.Millisecond {
		s.stats.recordWait(wait)
	}
	if pc.spawned {
		s.stats.misses.Add(1)
	} else {
		s.stats.hits.Add(1)
	}
	if pc.pin != nil {
		r.pins++
		delete(s.pending, pc.id())
		ctx.Send(pc.sender, &Pinned{ID: pc.pin.ID, Session: r.id})
		return
	}
	r.inflight++
	pc.session = r
	pc.attempts++
	ctx.Send(r.pid, &dispatch{req: pc.req, deadline: pc.req.Deadline, timeout: s.callTimeout(pc.req)})
}

// callTimeout is the server's timeout for a call: its tool_timeouts entry, else call_timeout.
func (s *serverActor) callTimeout(req *Request) time.Duration {
	if req.Op == OpCallTool {
		return s.spec.CallTimeoutFor(req.Name)
	}
	return s.spec.CallTimeout
}

// callDone takes a session's outcome: answer the caller, or retry on a fresh session when the
// retry policy allows, and replace the session when the outcome says it is dead.
func (s *serverActor) callDone(ctx actor.Context, m *callDone) {
	r := s.sessions[m.session]
	if r != nil {
		r.inflight--
		r.lastUsed = time.Now()
	}
	// A report from a session the call is no longer on (it was answered, or moved to
	// another session meanwhile) is stale.
	if pc := s.pending[m.id]; pc != nil && pc.session != nil && pc.session.id == m.session {
		pc.session = nil
		s.settle(ctx, pc, r, m)
	}
	if r != nil {
		if r.state == stateDraining && r.inflight == 0 && r.pins == 0 {
			s.retire(ctx, r, r.reason)
		}
		s.pump(ctx, r.pool)
	}
	s.finishDrain(ctx)
}

// sessionReleased answers the calls dispatched to a session actor that stopped before
// starting them (protoactor drops a stopped actor's mailbox): they certainly did not reach
// the server, so the retry policy may move them to another session.
func (s *serverActor) sessionReleased(ctx actor.Context, m *sessionReleased) {
	if r := s.sessions[m.session]; r != nil && r.state != stateDead {
		s.sessionFailed(ctx, r, errors.New("the session actor stopped"))
	}
	var stranded []*pendingCall
	for _, pc := range s.pending {
		if pc.session != nil && pc.session.id == m.session {
			stranded = append(stranded, pc)
		}
	}
	sort.Slice(stranded, func(i, j int) bool { return stranded[i].id() < stranded[j].id() })
	for _, pc := range stranded {
		r := pc.session
		r.inflight--
		pc.session = nil
		s.settle(ctx, pc, r, &callDone{session: r.id, id: pc.id(), err: errNotReady, class: classNotSent})
	}
	if len(stranded) > 0 {
		s.finishDrain(ctx)
	}
}

func (s *serverActor) settle(ctx actor.Context, pc *pendingCall, r *sessionRef, m *callDone) {
	switch m.class {
	case classOK:
		s.streak = 0
		if r != nil {
			r.suspect = false
		}
		s.reply(ctx, pc, s.filter(pc.req.Op, m.result), nil)
	case classProtocol:
		s.reply(ctx, pc, nil, m.err)
	case classTimeout, classHiccup:
		if r != nil {
			r.suspect = true // probed before its next call; replaced if the probe fails
		}
		if m.class == classTimeout {
			s.reply(ctx, pc, nil, s.timeoutError(pc.req, m.err))
		} else {
			s.reply(ctx, pc, nil, m.err)
		}
	case classCanceled:
		if s.drain != nil && s.drain.expired {
			s.reply(ctx, pc, nil, fmt.Errorf("%w: cancelled after the drain deadline: %w", ErrClosed, context.Canceled))
		} else {
			s.reply(ctx, pc, nil, m.err)
		}
	default: // the session is dead
		if r != nil {
			s.sessionFailed(ctx, r, m.err)
		}
		if s.mayRetry(pc, m.class) {
			s.retry(ctx, pc)
			return
		}
		s.reply(ctx, pc, nil, s.lostError(pc, m))
	}
}

func (s *serverActor) timeoutError(req *Request, err error) error {
	if !errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%v: %w", err, context.DeadlineExceeded)
	}
	limit := fmt.Sprintf("call_timeout %s", s.spec.CallTimeout)
	if req.Op == OpCallTool {
		if d, ok := s.spec.ToolTimeouts[req.Name]; ok {
			limit = fmt.Sprintf("tool_timeouts.%s %s", req.Name, d)
		}
	}
	return fmt.Errorf("no answer within the caller's deadline or %s: %w", limit, err)
}

func (s *serverActor) lostError(pc *pendingCall, m *callDone) error {
	if m.class == classDead && pc.req.Op == OpCallTool && !s.idempotent(pc.req) {
		return fmt.Errorf("%w: the session died during the call, which may have run; not retried because the tool is not annotated readOnlyHint or idempotentHint: %v",
			ErrSessionLost, m.err)
	}
	return fmt.Errorf("%w after %d attempt(s): %v", ErrSessionLost, pc.attempts, m.err)
}

// mayRetry is the retry policy (DESIGN.md §4): a call moves to a fresh session only if it
// certainly did not reach the server, or it is safe to run twice; never a pinned call.
func (s *serverActor) mayRetry(pc *pendingCall, class errClass) bool {
	if pc.attempts > s.spec.Retries || pc.only() != 0 || s.drain != nil {
		return false
	}
	if d := pc.req.Deadline; !d.IsZero() && time.Now().After(d) {
		return false
	}
	return class == classNotSent || s.idempotent(pc.req)
}

func (s *serverActor) idempotent(req *Request) bool {
	if req.Op != OpCallTool {
		return true // reads and lists
	}
	t := s.tools[req.Name]
	return t != nil && t.Annotations != nil && (t.Annotations.ReadOnlyHint || t.Annotations.IdempotentHint)
}

// retry puts the call back in the queue after a short, jittered backoff.
func (s *serverActor) retry(ctx actor.Context, pc *pendingCall) {
	d := time.Duration(25<<min(pc.attempts, 6)) * time.Millisecond
	d = d/2 + time.Duration(rand.Int64N(int64(d)))
	root, self, id := ctx.ActorSystem().Root, s.self, pc.id()
	time.AfterFunc(d, func() { root.Send(self, &retryDue{id: id}) })
}

// reply answers a caller and forgets the call. Errors are named after the server and tool.
func (s *serverActor) reply(ctx actor.Context, pc *pendingCall, result any, err error) {
	delete(s.pending, pc.id())
	if pc.timer != nil {
		pc.timer.Stop()
		pc.timer = nil
	}
	if pc.queued {
		pc.pool.dequeue(pc)
		pc.queued = false
	}
	if err != nil {
		s.stats.errors.Add(1)
		if pc.req != nil {
			err = serverError(s.spec.Name, pc.req, err)
		} else {
			err = serverError(s.spec.Name, nil, err)
		}
	}
	if pc.refresh != "" {
		waiters := s.cache.settle(pc.refresh, result, err, time.Now().Add(s.spec.ToolsCacheTTL))
		for _, w := range waiters {
			s.reply(ctx, w, result, err)
		}
	}
	if pc.pin != nil {
		ctx.Send(pc.sender, &Pinned{ID: pc.pin.ID, Err: err})
		return
	}
	if pc.sender != nil {
		ctx.Send(pc.sender, &Response{ID: pc.req.ID, Result: result, Err: err})
	}
}

func (s *serverActor) fail(ctx actor.Context, pc *pendingCall, err error) {
	if pc.session != nil {
		ctx.Send(pc.session.pid, &Cancel{ID: pc.req.ID})
		pc.session = nil
	}
	s.reply(ctx, pc, nil, err)
}

// cancel abandons a call whose caller gave up: a queued call is answered now, an in-flight
// one is cancelled on its session (its answer follows from the session).
func (s *serverActor) cancel(ctx actor.Context, id uint64) {
	pc := s.pending[id]
	if pc == nil {
		return
	}
	if pc.session != nil {
		ctx.Send(pc.session.pid, &Cancel{ID: id})
		return
	}
	s.reply(ctx, pc, nil, context.Canceled)
}

func (s *serverActor) acquireExpired(ctx actor.Context, id uint64) {
	pc := s.pending[id]
	if pc == nil || !pc.queued {
		return
	}
	pc.timer = nil
	if d := pc.deadline(); !d.IsZero() && !time.Now().Before(d) {
		s.reply(ctx, pc, nil, fmt.Errorf("no free session before the caller's deadline: %w", context.DeadlineExceeded))
		return
	}
	live, _ := pc.pool.counts()
	s.reply(ctx, pc, nil, fmt.Errorf("%w: no session free within acquire_timeout %s (%d of max_sessions %d open, max_inflight %d each)",
		ErrPoolExhausted, s.spec.AcquireTimeout, live, pc.pool.maxSize, s.spec.MaxInflight))
}

func (s *serverActor) unpin(ctx actor.Context, id uint64) {
	r := s.sessions[id]
	if r == nil {
		return
	}
	r.pins--
	if r.state == stateDraining && r.inflight == 0 && r.pins == 0 {
		s.retire(ctx, r, r.reason)
	}
	s.pump(ctx, r.pool)
}

// filter applies enabled_tools / disabled_tools to a tools list.
func (s *serverActor) filter(op Op, result any) any {
	tools, ok := result.([]*mcp.Tool)
	if op != OpListTools || !ok {
		return result
	}
	s.learnTools(tools)
	if len(s.spec.EnabledTools) == 0 && len(s.spec.DisabledTools) == 0 {
		return tools
	}
	out := make([]*mcp.Tool, 0, len(tools))
	for _, t := range tools {
		if s.spec.ToolAllowed(t.Name) {
			out = append(out, t)
		}
	}
	return out
}

func (s *serverActor) learnTools(tools []*mcp.Tool) {
	s.tools = make(map[string]*mcp.Tool, len(tools))
	for _, t := range tools {
		s.tools[t.Name] = t
	}
}
