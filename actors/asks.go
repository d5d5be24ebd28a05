package actors

import (
	"context"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Asker answers, for one caller, what a server asks in the middle of that caller's call:
// elicitation and sampling go to the caller instead of to the runtime's ClientHandlers. A
// gateway gives each downstream client's calls an Asker that forwards the question to that
// client.
//
// A server asks in one of two ways. A 2026-07-28 server answers the call with input requests,
// which go-sdk fulfils on the call's own context: the question is the call's, exactly. A
// 2025-11-25 server sends a request of its own on the session, unrelated to any call on the
// wire: it is routed by the session it came on, to the caller of the call in flight there,
// and only when every call in flight on that session has the same Key. When calls of
// several callers are in flight on the session at once, nobody can tell whose question it
// is: it is declined, never delivered to a caller that may not have caused it.
type Asker struct {
	// Key names the caller: calls with one Key are one caller's.
	Key string
	// Elicit answers elicitation/create; nil: declined (the caller cannot ask its user).
	Elicit func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error)
	// Sample answers sampling/createMessage; nil: declined (the caller has no model to offer).
	Sample func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error)
}

type askerKey struct{}

// WithAsker returns a context whose calls' questions go to a (see Asker).
func WithAsker(ctx context.Context, a *Asker) context.Context {
	return context.WithValue(ctx, askerKey{}, a)
}

func askerFrom(ctx context.Context) *Asker {
	a, _ := ctx.Value(askerKey{}).(*Asker)
	return a
}

// asksOn is, for every client session with calls in flight that may ask something, the
// askers of those calls (nil for a caller without one), by request id. It is shared by every
// server: a session may be shared by session actors (links).
var asksOn = struct {
	sync.Mutex
	calls map[*mcp.ClientSession]map[uint64]*Asker
}{calls: map[*mcp.ClientSession]map[uint64]*Asker{}}

// asks reports whether op may make the server ask something of its caller.
func asks(op Op) bool { return op == OpCallTool || op == OpGetPrompt || op == OpReadResource }

// askingStarted records a call in flight on cs.
func askingStarted(cs *mcp.ClientSession, id uint64, a *Asker) {
	asksOn.Lock()
	defer asksOn.Unlock()
	m := asksOn.calls[cs]
	if m == nil {
		m = map[uint64]*Asker{}
		asksOn.calls[cs] = m
	}
	m[id] = a
}

// askingEnded forgets a call recorded by askingStarted.
func askingEnded(cs *mcp.ClientSession, id uint64) {
	asksOn.Lock()
	defer asksOn.Unlock()
	if m := asksOn.calls[cs]; m != nil {
		delete(m, id)
		if len(m) == 0 {
			delete(asksOn.calls, cs)
		}
	}
}

// askerOn returns the asker of the caller whose call a question on cs belongs to. ok is false
// when the calls in flight there are of several callers (some perhaps without an asker).
func askerOn(cs *mcp.ClientSession) (a *Asker, ok bool) {
	asksOn.Lock()
	defer asksOn.Unlock()
	first := true
	for _, x := range asksOn.calls[cs] {
		switch {
		case first:
			a, first = x, false
		case (a == nil) != (x == nil) || (a != nil && a.Key != x.Key):
			return nil, false
		}
	}
	return a, true
}

// errAmbiguous declines a question that cannot be routed to the caller that caused it.
var errAmbiguous = &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams,
	Message: "declined: calls of several clients are in flight on this session, so the request cannot be routed to the one that caused it"}

// whose returns the asker a question with ctx and session cs goes to: the call's own (input
// requests), else the one of the calls in flight on cs. nil with ok: no caller gave one (the
// runtime's handlers answer).
func whose(ctx context.Context, cs *mcp.ClientSession) (*Asker, bool) {
	if a := askerFrom(ctx); a != nil {
		return a, true
	}
	return askerOn(cs)
}

// routed wraps the runtime's handlers so that a caller's Asker answers its calls' questions.
// The capabilities declared are those of h: a runtime that forwards questions (a gateway)
// declares elicitation and sampling with handlers of its own, which answer the calls of
// callers without an Asker.
func (h ClientHandlers) routed() ClientHandlers {
	out := h
	if h.Elicit != nil {
		out.Elicit = func(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			a, ok := whose(ctx, req.Session)
			switch {
			case !ok:
				return nil, errAmbiguous
			case a == nil:
				return h.Elicit(ctx, req)
			case a.Elicit == nil:
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "elicitation declined: the client that made this call does not offer it"}
			}
			return a.Elicit(ctx, req)
		}
	}
	if h.Sample != nil {
		out.Sample = func(ctx context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			a, ok := whose(ctx, req.Session)
			switch {
			case !ok:
				return nil, errAmbiguous
			case a == nil:
				return h.Sample(ctx, req)
			case a.Sample == nil:
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "sampling declined: the client that made this call does not offer it"}
			}
			return a.Sample(ctx, req)
		}
	}
	return out
}
