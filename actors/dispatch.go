package actors

import (
	"context"
	"errors"
	"fmt"
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
		s.reply(ctx, pc, nil, refused(ReasonClosed, errors.New("closed: the executor is closing")))
		return
	}
	if pc.req != nil {
		req := pc.req
		if req.Op == OpCallTool && !s.spec.ToolAllowed(req.Name) {
			s.reply(ctx, pc, nil, refused(ReasonToolDisabled, errors.New("tool disabled: not exposed by this server's enabled_tools / disabled_tools")))
			return
		}
		s.stats.calls.Add(1)
	}
	if _, ok := s.sessions[pc.only()]; pc.only() != 0 && !ok {
		s.reply(ctx, pc, nil, failure(ClassNotSent, ReasonSessionLost, errors.New("the pinned session is gone")))
		return
	}
	pc.enqueued = now
	identity, affinity := scopeOf(pc)
	pc.pool = s.poolFor(ctx, identity, affinity)
	pc.pool.lastUsed = now
	if pc.req != nil && pc.req.Op.isList() {
		key := s.cacheKey(pc.req.Op, pc.pool)
		if res, ok := s.cache.lookup(key, pc.req.Identity, now); ok {
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
	if s.circuit.rejects(now) && pc.pool.pick(s.spec.MaxInflight, pc.only(), pc.pin != nil) == nil {
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

func (s *serverActor) circuitError(now time.Time) *Failure {
	return refused(ReasonCircuitOpen, fmt.Errorf("circuit open after %d failed starts; retrying in %s (last error: %v)",
		s.circuit.failures, s.circuit.openUntil.Sub(now).Round(time.Millisecond), s.circuit.lastErr))
}

// enqueue puts a call at the back of its pool's FIFO and pumps; a call that must wait gets
// its acquire timeout armed (most are dispatched at once and need no timer).
func (s *serverActor) enqueue(ctx actor.Context, pc *pendingCall) {
	p := pc.pool
	p.waiting.push(pc)
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

// pump dispatches waiting calls to the least-loaded ready sessions — batches and pinned
// calls first, then plain calls oldest first until no session has room — probes idle sessions
// that are due a health check, and grows the pool when calls still wait. Its cost does not
// depend on how many calls wait.
func (s *serverActor) pump(ctx actor.Context, p *pool) {
	for _, pc := range append([]*pendingCall(nil), p.waiting.special...) {
		if r := s.place(ctx, p, pc); r != nil {
			s.dispatch(ctx, pc, r)
		}
	}
	for pc := p.waiting.front(); pc != nil; pc = p.waiting.front() {
		r := s.place(ctx, p, pc)
		if r == nil {
			break
		}
		s.dispatch(ctx, pc, r)
	}
	s.grow(ctx, p, false)
	s.recount()
}

// place picks the session for pc, health-probing the idle ones that are due first.
func (s *serverActor) place(ctx actor.Context, p *pool, pc *pendingCall) *sessionRef {
	r := p.pick(s.spec.MaxInflight, pc.only(), pc.pin != nil)
	for r != nil && r.inflight == 0 && s.dueProbe(r) {
		s.startProbe(ctx, r)
		r = p.pick(s.spec.MaxInflight, pc.only(), pc.pin != nil)
	}
	return r
}

func (s *serverActor) dispatch(ctx actor.Context, pc *pendingCall, r *sessionRef) {
	now := time.Now()
	p := pc.pool
	p.waiting.remove(pc)
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
	timeout := s.callTimeout(pc.req)
	ctx.Send(r.pid, &dispatch{req: pc.req, deadline: pc.req.Deadline, timeout: timeout, maxTime: s.spec.MaxCallTimeFor(timeout)})
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
		pc.session, pc.hint = nil, m.hint
		s.settle(ctx, pc, r, m)
	}
	if r != nil {
		if r.state == stateDraining && r.inflight == 0 && r.pins == 0 {
			s.retire(ctx, r, r.reason)
		}
		s.pump(ctx, r.pool)
		s.yieldSlot(ctx, r)
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
		s.settle(ctx, pc, r, &callDone{session: r.id, id: pc.id(), failure: failure(ClassNotSent, ReasonSessionLost, errNotReady)})
	}
	if len(stranded) > 0 {
		s.finishDrain(ctx)
	}
}

func (s *serverActor) settle(ctx actor.Context, pc *pendingCall, r *sessionRef, m *callDone) {
	f := m.failure
	if f == nil {
		s.streak = 0
		if r != nil {
			r.suspect = false
		}
		s.reply(ctx, pc, s.filter(pc.req.Op, m.result), nil)
		return
	}
	f.Safe = s.idempotent(pc.req)
	switch {
	case f.Class == ClassProtocol, f.Class == ClassRefused:
	case f.Class == ClassTimeout, f.Reason == ReasonTransport:
		if r != nil {
			r.suspect = true // probed before its next call; replaced if the probe fails
		}
		if f.Class == ClassTimeout {
			f.Message = s.timeoutMessage(pc.req, f)
		}
	case f.Reason == ReasonCanceled:
		if s.drain != nil && s.drain.expired {
			f.Reason, f.Message = ReasonClosed, "closed: cancelled after the drain deadline: "+f.Message
		}
	case f.Reason == ReasonSessionLost:
		if r != nil {
			s.sessionFailed(ctx, r, f)
		}
	}
	if s.mayRetry(pc, f) {
		s.retry(ctx, pc)
		return
	}
	if f.Reason == ReasonSessionLost {
		f.Message = s.lostMessage(pc, f)
	}
	s.reply(ctx, pc, nil, f)
}

func (s *serverActor) timeoutMessage(req *Request, f *Failure) string {
	limit := fmt.Sprintf("call_timeout %s", s.spec.CallTimeout)
	if req.Op == OpCallTool {
		if d, ok := s.spec.ToolTimeouts[req.Name]; ok {
			limit = fmt.Sprintf("tool_timeouts.%s %s", req.Name, d)
		}
	}
	switch f.Reason {
	case ReasonMaxCallTime:
		return fmt.Sprintf("the call outlived max_call_time %s (progress notifications renew call_timeout, never max_call_time); it may have run: %s",
			s.spec.MaxCallTimeFor(s.callTimeout(req)), f.Message)
	case ReasonDeadline:
		return fmt.Sprintf("no answer before the caller's deadline; it may have run: %s", f.Message)
	}
	return fmt.Sprintf("no answer within %s; it may have run: %s", limit, f.Message)
}

func (s *serverActor) lostMessage(pc *pendingCall, f *Failure) string {
	if f.Class == ClassMaybeRan && !f.Safe {
		return fmt.Sprintf("session lost: the session died during the call, which may have run; not retried because the tool is not annotated readOnlyHint or idempotentHint (nor listed in idempotent_tools): %s", f.Message)
	}
	if f.Class == ClassMaybeRan {
		return fmt.Sprintf("session lost: the session died during the call, which may have run, after %d attempt(s): %s", pc.attempts, f.Message)
	}
	return fmt.Sprintf("not sent: no live session took the call after %d attempt(s): %s", pc.attempts, f.Message)
}

// mayRetry applies the one retry policy (MayRetry) under the pool's own bounds: the server's
// retries, no pinned call, no drain, the caller's deadline.
func (s *serverActor) mayRetry(pc *pendingCall, f *Failure) bool {
	if pc.attempts > s.spec.Retries || pc.only() != 0 || s.drain != nil || f.Class == ClassTimeout {
		return false
	}
	if d := pc.req.Deadline; !d.IsZero() && time.Now().After(d) {
		return false
	}
	f.Attempts = pc.attempts
	return MayRetry(f, false)
}

// idempotent says whether req is safe to run twice: reads and lists are, tools annotated
// readOnlyHint or idempotentHint are, and so are those the config lists in idempotent_tools.
func (s *serverActor) idempotent(req *Request) bool {
	if req.Op != OpCallTool {
		return true
	}
	if s.spec.Idempotent(req.Name) {
		return true
	}
	t := s.tools[req.Name]
	return t != nil && t.Annotations != nil && (t.Annotations.ReadOnlyHint || t.Annotations.IdempotentHint)
}

// retry puts the call back in the queue after a short, jittered backoff.
func (s *serverActor) retry(ctx actor.Context, pc *pendingCall) {
	d := retryBackoff.delay(pc.attempts)
	root, self, id := ctx.ActorSystem().Root, s.self, pc.id()
	time.AfterFunc(d, func() { root.Send(self, &retryDue{id: id}) })
}

// reply answers a caller and forgets the call.
func (s *serverActor) reply(ctx actor.Context, pc *pendingCall, result any, f *Failure) {
	delete(s.pending, pc.id())
	if pc.timer != nil {
		pc.timer.Stop()
		pc.timer = nil
	}
	if pc.queued {
		pc.pool.waiting.remove(pc)
	}
	if f != nil {
		s.stats.errors.Add(1)
		if f.Attempts < pc.attempts {
			f.Attempts = pc.attempts
		}
	}
	if pc.refresh != "" {
		waiters, again := s.cache.settleList(pc, result, f != nil, pc.hint, s.spec.ToolsCacheTTL, time.Now())
		for _, w := range again { // a private list is not theirs: they ask for their own
			w.refresh = ""
			s.accept(ctx, w)
		}
		for _, w := range waiters {
			var g *Failure
			if f != nil {
				c := *f
				g = &c
			}
			s.reply(ctx, w, result, g)
		}
	}
	if pc.pin != nil {
		ctx.Send(pc.sender, &Pinned{ID: pc.pin.ID, Failure: f})
		return
	}
	if pc.sender != nil {
		ctx.Send(pc.sender, &Response{ID: pc.req.ID, Result: result, Failure: f})
	}
}

// fail answers a call that SPINE gives up on (closing): a call in flight is cancelled on its
// session and may have run; a queued one was never sent.
func (s *serverActor) fail(ctx actor.Context, pc *pendingCall, reason Reason, err error) {
	f := refused(reason, err)
	if pc.session != nil {
		ctx.Send(pc.session.pid, &Cancel{ID: pc.req.ID})
		pc.session = nil
		f.Class = ClassMaybeRan
	}
	s.reply(ctx, pc, nil, f)
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
	s.reply(ctx, pc, nil, failure(ClassNotSent, ReasonCanceled, context.Canceled))
}

func (s *serverActor) acquireExpired(ctx actor.Context, id uint64) {
	pc := s.pending[id]
	if pc == nil || !pc.queued {
		return
	}
	pc.timer = nil
	if d := pc.deadline(); !d.IsZero() && !time.Now().Before(d) {
		s.reply(ctx, pc, nil, failure(ClassNotSent, ReasonDeadline, errors.New("no free session before the caller's deadline: context deadline exceeded")))
		return
	}
	live, _ := pc.pool.counts()
	msg := fmt.Sprintf("pool exhausted: no session free within acquire_timeout %s (%d of max_sessions %d open, max_inflight %d each)",
		s.spec.AcquireTimeout, live, pc.pool.maxSize, s.spec.MaxInflight)
	if live == 0 && len(s.sessions) >= s.spec.TotalSessions() {
		msg = fmt.Sprintf("pool exhausted: no session slot free within acquire_timeout %s (max_total_sessions %d reached across all pool keys)",
			s.spec.AcquireTimeout, s.spec.TotalSessions())
	}
	s.reply(ctx, pc, nil, refused(ReasonPoolExhausted, errors.New(msg)))
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
	s.yieldSlot(ctx, r)
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
