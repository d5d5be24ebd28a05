package executor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/capability"
)

// Executor runs MCP operations on warm, pooled, supervised sessions. It is safe for
// concurrent use by many goroutines. Every method that can block takes a context: its
// deadline bounds the call (with the server's call_timeout, whichever is shorter) and its
// cancellation cancels the call on the server.
type Executor struct {
	rt      *actors.Runtime
	opts    options
	project *capability.Project
	closed  atomic.Bool
	watches watchSet
	// observers are told of events, operations and runs (Observe); the runtime's events
	// hook reads them, so they exist before the runtime does.
	observers *observers
}

// New starts the actor tree for project's enabled servers. Sessions open lazily on first
// use, except min_sessions, which start opening now.
func New(project *capability.Project, opts ...Option) (*Executor, error) {
	o := options{log: zerolog.Nop()}
	for _, opt := range opts {
		opt(&o)
	}
	obs := &observers{}
	rt, err := actors.Start(project, actors.RuntimeOptions{
		Log:       o.log,
		EventLog:  hookOf(o.eventLog),
		Events:    obs.hook(o.events),
		NameError: callErrorOf,
		Handlers:  o.handlers,
	})
	if err != nil {
		return nil, err
	}
	return &Executor{rt: rt, opts: o, project: project, observers: obs}, nil
}

// Project returns the project the executor serves.
func (e *Executor) Project() *capability.Project { return e.project }

// Servers returns the names of the enabled servers, in config order.
func (e *Executor) Servers() []string { return e.rt.Servers() }

// CallTool calls tool on server with args (anything that marshals to a JSON object; nil for
// none). A tool that fails returns a result with IsError set and a nil error.
func (e *Executor) CallTool(ctx context.Context, server, tool string, args any) (*mcp.CallToolResult, error) {
	raw, err := marshalArgs(server, tool, args)
	if err != nil {
		return nil, err
	}
	req := &actors.Request{Op: actors.OpCallTool, Name: tool, Args: raw}
	wantRaw(ctx, req)
	return do[*mcp.CallToolResult](ctx, e, server, req)
}

// ReadResource reads the resource at uri from server.
func (e *Executor) ReadResource(ctx context.Context, server, uri string) (*mcp.ReadResourceResult, error) {
	return do[*mcp.ReadResourceResult](ctx, e, server, &actors.Request{Op: actors.OpReadResource, Name: uri})
}

// GetPrompt fetches prompt name from server with args.
func (e *Executor) GetPrompt(ctx context.Context, server, name string, args map[string]string) (*mcp.GetPromptResult, error) {
	var raw json.RawMessage
	if len(args) > 0 {
		raw, _ = json.Marshal(args) // a map of strings always marshals
	}
	return do[*mcp.GetPromptResult](ctx, e, server, &actors.Request{Op: actors.OpGetPrompt, Name: name, Args: raw})
}

// ListTools lists server's tools (all pages), after enabled_tools / disabled_tools. Lists are
// cached for tools_cache_ttl and refreshed when the server says they changed.
func (e *Executor) ListTools(ctx context.Context, server string) ([]*mcp.Tool, error) {
	return do[[]*mcp.Tool](ctx, e, server, &actors.Request{Op: actors.OpListTools})
}

// ListResources lists server's resources (all pages, cached like ListTools).
func (e *Executor) ListResources(ctx context.Context, server string) ([]*mcp.Resource, error) {
	return do[[]*mcp.Resource](ctx, e, server, &actors.Request{Op: actors.OpListResources})
}

// ListResourceTemplates lists server's resource templates (all pages, cached like ListTools).
func (e *Executor) ListResourceTemplates(ctx context.Context, server string) ([]*mcp.ResourceTemplate, error) {
	return do[[]*mcp.ResourceTemplate](ctx, e, server, &actors.Request{Op: actors.OpListResourceTemplates})
}

// ListPrompts lists server's prompts (all pages, cached like ListTools).
func (e *Executor) ListPrompts(ctx context.Context, server string) ([]*mcp.Prompt, error) {
	return do[[]*mcp.Prompt](ctx, e, server, &actors.Request{Op: actors.OpListPrompts})
}

// Reconnect replaces server's sessions: idle ones at once, busy ones when their calls end.
func (e *Executor) Reconnect(ctx context.Context, server string) error {
	if e.closed.Load() {
		return refusal(server, 0, "", actors.ReasonClosed, errExecutorClosed)
	}
	return e.rt.Reconnect(ctx, server)
}

// Close refuses new calls (they return ErrClosed), lets in-flight calls finish until ctx's
// deadline (10s without one), cancels the rest, then stops the servers in reverse config
// order, each closing its sessions all at once; no server process outlives it. Past the
// deadline the grace periods are skipped, so Close returns within the deadline plus one kill
// grace (under 3s) whatever the number of sessions. Close is idempotent.
//
// A ctx that is already done means "now": no drain and no grace periods — calls in flight
// are cancelled and the servers' process groups killed at once. It also hurries a Close
// already under way (a CLI's second Ctrl-C). Pass a fresh context to drain.
func (e *Executor) Close(ctx context.Context) error {
	e.closed.Store(true)
	e.watches.stopAll()
	return e.rt.Close(ctx)
}

// do sends one request with the caller's scope and converts the answer.
func do[T any](ctx context.Context, e *Executor, server string, req *actors.Request) (res T, err error) {
	var zero T
	if e.closed.Load() {
		return zero, refusal(server, req.Op, req.Name, actors.ReasonClosed, errExecutorClosed)
	}
	e.scope(ctx, server, req)
	if list := e.observers.active(); list != nil {
		start := time.Now()
		defer func() { e.observers.callDone(list, server, req, start, res, err) }()
	}
	var resp *actors.Response
	if e.opts.tracer != nil {
		var span trace.Span
		ctx, span = e.traceOp(ctx, server, req)
		defer func() { e.endOp(ctx, span, resp, err) }()
	} else if e.opts.passContext {
		e.propagate(ctx, server, req)
	}
	resp, err = e.rt.Do(ctx, server, req)
	if err == nil {
		err = takeRaw(ctx, resp)
	}
	if err != nil {
		return zero, err
	}
	res, ok := resp.Result.(T)
	if !ok {
		return zero, fmt.Errorf("server %q: %s: unexpected result type %T", server, req.Op, resp.Result)
	}
	return res, nil
}

// errExecutorClosed is the cause of every operation after Close.
var errExecutorClosed = errors.New("closed: the executor is closed")

// ServerInfo returns what server said about itself in the handshake: its name and version,
// instructions and capabilities.
func (e *Executor) ServerInfo(ctx context.Context, server string) (*mcp.InitializeResult, error) {
	return do[*mcp.InitializeResult](ctx, e, server, &actors.Request{Op: actors.OpServerInfo})
}
