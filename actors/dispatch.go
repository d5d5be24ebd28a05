package actors

import (
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/actors/internal/pool"
)

// pendingCall is what the server actor keeps of a request the pool holds: who to answer and
// what was asked. The pool carries it as its call's Data, so that one table (the pool's)
// knows every call not yet answered.
type pendingCall struct {
	req     *Request
	pin     *Pin // set for a batch's session reservation instead of a call
	sender  *actor.PID
	refresh string    // the cache key this call refreshes (a list or a read)
	hint    cacheHint // what the server said of keeping the result it answered (2026-07-28)
	got     acquired  // the session the pool last dispatched the call to
}

// accept takes a request (or a batch's Pin) in: refusals that are not pool policy and cache
// hits are answered at once, the rest goes to the pool.
func (s *serverActor) accept(ctx actor.Context, pc *pendingCall) {
	if s.pool.Draining() {
		s.reply(ctx, pc, nil, refused(ReasonClosed, errDraining))
		return
	}
	in := pool.Call{Data: pc}
	if pc.pin != nil {
		in.ID, in.Identity, in.Affinity, in.Deadline, in.Exclusive = pc.pin.ID, pc.pin.Identity, pc.pin.Affinity, pc.pin.Deadline, true
	} else {
		req := pc.req
		if req.Op == OpCallTool && !s.spec.ToolAllowed(req.Name) {
			s.reply(ctx, pc, nil, refused(ReasonToolDisabled, errToolFiltered))
			return
		}
		s.stats.calls.Add(1)
		in.ID, in.Identity, in.Affinity, in.Deadline, in.Only, in.Headers = req.ID, req.Identity, req.Affinity, req.Deadline, req.Session, req.Headers
		if cacheable(req.Op) && s.cached(ctx, pc, s.pool.KeyOf(req.Identity, req.Affinity)) {
			return
		}
	}
	s.run(ctx, s.pool.Arrive(in))
	if pc.req != nil && pc.req.wantsLane {
		s.lend(ctx)
	}
}

// cached answers a list or a read from the cache, or joins the refresh under way; otherwise pc
// becomes the refresh of its key.
func (s *serverActor) cached(ctx actor.Context, pc *pendingCall, poolKey string) bool {
	key := s.cacheKey(pc.req, poolKey)
	if res, ok := s.cache.lookup(key, pc.req.Identity, time.Now()); ok {
		s.stats.cacheHits.Add(1)
		s.reply(ctx, pc, res, nil)
		return true
	}
	s.stats.cacheMisses.Add(1)
	if s.cache.join(key, pc) { // a refresh is under way: wait for its answer
		return true
	}
	pc.refresh = key
	return false
}

// callTimeout is the server's timeout for a call: its tool_timeouts entry, else call_timeout.
func (s *serverActor) callTimeout(req *Request) time.Duration {
	if req.Op == OpCallTool {
		return s.spec.CallTimeoutFor(req.Name)
	}
	return s.spec.CallTimeout
}

// callDone hands a session's outcome to the pool, which decides (answer, retry, suspect or
// replace the session). What the pool needs and cannot know is added first: whether the call
// is safe to run twice, and the knob a timeout ran into.
func (s *serverActor) callDone(ctx actor.Context, m *callDone) {
	if data, _, ok := s.pool.Lookup(m.id); ok {
		data.(*pendingCall).hint = m.hint
	}
	if f := m.failure; f != nil {
		if data, _, ok := s.pool.Lookup(m.id); ok {
			s.explain(data.(*pendingCall).req, f)
		}
	}
	s.result, s.resultFor, s.replied = m.result, m.id, m.replied
	s.run(ctx, s.pool.Done(m.session, m.id, m.failure))
	s.result, s.resultFor, s.replied = nil, 0, false
}

// explain adds to a call's failure what the pool needs and cannot know: whether the call is
// safe to run twice, and the knob a timeout ran into.
func (s *serverActor) explain(req *Request, f *Failure) {
	f.Safe = s.idempotent(req)
	if f.Class == ClassTimeout {
		f.Message = s.timeoutMessage(req, f)
	}
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

// reply answers a caller, and the callers that waited for the same refresh.
func (s *serverActor) reply(ctx actor.Context, pc *pendingCall, result any, f *Failure) {
	if f != nil {
		s.stats.errors.Add(1)
	}
	if pc.refresh != "" {
		waiters, again := s.cache.settleList(pc, result, f != nil, pc.hint, s.defaultTTL(pc.req.Op), time.Now())
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
		ctx.Send(pc.sender, pc.got.respond(pc.req.ID, result, f))
	}
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
