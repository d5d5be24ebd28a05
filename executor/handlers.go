package executor

import (
	"context"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/actors"
)

// What a server may ask of the program in the middle of a call. A 2025-11-25 server asks with
// a request of its own (elicitation/create, sampling/createMessage, roots/list); a 2026-07-28
// server answers the call with input requests and gets the answers with the call's next round
// (multi-round-trip requests). The same handler serves both. A capability is declared to
// servers only when its handler is set: without one, a server that asks anyway gets an error
// saying the client does not offer it, the call fails, and the session lives on.

// WithElicitationHandler answers servers that ask the user something (a form with the fields
// of req.Params.RequestedSchema, or a URL to visit). Return Action "accept" with Content,
// "decline" or "cancel". The handler runs on the call's goroutine, with the call's context;
// the call's timeout keeps running while it waits. Default: elicitation is not declared.
func WithElicitationHandler(h func(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error)) Option {
	return func(o *options) { o.handlers.Elicit = h }
}

// WithSamplingHandler answers servers that ask the program's model for a completion. Default:
// sampling is not declared.
func WithSamplingHandler(h func(ctx context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error)) Option {
	return func(o *options) { o.handlers.Sample = h }
}

// WithRoots offers servers the given roots (typically file:// URIs of the directories they
// may work in). Default: roots are not declared.
func WithRoots(roots ...*mcp.Root) Option {
	return func(o *options) { o.handlers.Roots = append(o.handlers.Roots, roots...) }
}

// Asker answers what a server asks during the calls of one caller (elicitation, sampling),
// in place of the executor's handlers: a gateway forwards each question to the client whose
// call caused it. Key names the caller; a nil handler declines that kind of question. The
// executor must declare the capabilities (WithElicitationHandler, WithSamplingHandler) for
// servers to ask at all; its own handlers answer the calls made without an Asker.
//
// A question a 2025-11-25 server sends on a session while calls of several callers are in
// flight there is declined: nothing on the wire says whose it is.
type Asker struct {
	// Key names the caller: calls with one Key are one caller's.
	Key string
	// Elicit answers elicitation/create; nil: declined (the caller cannot ask its user).
	Elicit func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error)
	// Sample answers sampling/createMessage; nil: declined (the caller has no model to offer).
	Sample func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error)
}

// WithAsker returns a context whose calls' questions go to a.
func WithAsker(ctx context.Context, a *Asker) context.Context {
	if a == nil {
		return ctx
	}
	return actors.WithAsker(ctx, &actors.Asker{Key: a.Key, Elicit: a.Elicit, Sample: a.Sample})
}
