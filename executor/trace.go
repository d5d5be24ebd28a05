package executor

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/workflows"
)

// tracerName names SPINE's instrumentation to the TracerProvider.
const tracerName = "github.com/spine-mcp/spine/executor"

// WithTracerProvider traces the executor's operations and workflow runs with tp
// (OpenTelemetry). Each operation is an "upstream call": a client span, a child of the span
// in the caller's context (a gateway's downstream request), with the server, the MCP method,
// the tool, the session that served it and its outcome class, in error when it failed; the
// time the call waited in the pool for a session is its child "pool acquire", recorded once
// the call is answered from the pool's own timestamps. A workflow run is a span with a child
// per finished step, whose upstream calls are the steps' children. The operation's trace
// context is sent upstream in the request's _meta (traceparent, tracestate) and, to HTTP
// servers, as headers too, so that a server that traces continues the caller's trace.
// ops.TracerProviderFromEnv builds tp from the standard OTEL_* variables. Default: no
// tracing, and no cost: an operation then checks one nil field. A no-op provider
// (go.opentelemetry.io/otel/trace/noop) records nothing and costs as little: only a trace
// context already in the caller's context is passed on.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) {
		o.tracer, o.passContext = nil, false
		switch tp.(type) {
		case nil:
		case noop.TracerProvider:
			o.passContext = true
		default:
			o.tracer = tp.Tracer(tracerName, trace.WithInstrumentationVersion(actors.Version))
		}
	}
}

// mcpMethods are the MCP methods of the operations, the spans' names and mcp.method.name.
var mcpMethods = map[actors.Op]string{
	actors.OpCallTool:              "tools/call",
	actors.OpReadResource:          "resources/read",
	actors.OpGetPrompt:             "prompts/get",
	actors.OpListTools:             "tools/list",
	actors.OpListResources:         "resources/list",
	actors.OpListResourceTemplates: "resources/templates/list",
	actors.OpListPrompts:           "prompts/list",
	actors.OpServerInfo:            "initialize",
}

// traceOp starts the span of one operation and puts its trace context on the request.
func (e *Executor) traceOp(ctx context.Context, server string, req *actors.Request) (context.Context, trace.Span) {
	method := mcpMethods[req.Op]
	attrs := []attribute.KeyValue{
		attribute.String("spine.server", server),
		attribute.String("mcp.method.name", method),
	}
	name := method + " " + server
	switch req.Op {
	case actors.OpCallTool:
		attrs = append(attrs, attribute.String("gen_ai.tool.name", req.Name))
		name += "/" + req.Name
	case actors.OpGetPrompt:
		attrs = append(attrs, attribute.String("gen_ai.prompt.name", req.Name))
	case actors.OpReadResource:
		attrs = append(attrs, attribute.String("mcp.resource.uri", req.Name))
	}
	ctx, span := e.opts.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	e.propagate(ctx, server, req)
	return ctx, span
}

// propagate puts the trace context of ctx's span on the request: in its _meta (TraceParent,
// TraceState) and, for an HTTP server, in its headers. Nothing when ctx has none.
func (e *Executor) propagate(ctx context.Context, server string, req *actors.Request) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return
	}
	req.TraceParent, req.TraceState = traceContext(ctx)
	req.Headers = e.traceHeaders(ctx, server, req.Headers)
}

// traceContext is the W3C trace context of ctx's span: traceparent and tracestate.
func traceContext(ctx context.Context) (parent, state string) {
	carrier := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, carrier)
	return carrier["traceparent"], carrier["tracestate"]
}

// traceHeaders returns headers with ctx's trace context added, for an HTTP server; as they
// are for a stdio server, which has no headers to carry it.
func (e *Executor) traceHeaders(ctx context.Context, server string, headers map[string][]string) map[string][]string {
	if spec, _ := e.rt.Spec(server); spec.Transport == capability.TransportStdio {
		return headers
	}
	// A copy: the caller's headers (WithHeaders) are the caller's. The identity that chose
	// the pool was taken from them before.
	h := http.Header(maps.Clone(headers))
	if h == nil {
		h = http.Header{}
	}
	propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(h))
	return h
}

// endOp ends an operation's span with what came of it: the session that served it, the
// outcome class, and its pool acquire as a child span (ctx is the operation's), recorded now
// from the pool's timestamps.
func (e *Executor) endOp(ctx context.Context, span trace.Span, resp *actors.Response, err error) {
	outcome := "ok"
	if resp != nil && resp.Session != 0 {
		span.SetAttributes(attribute.Int64("spine.session", int64(resp.Session)), attribute.Bool("spine.pool.hit", resp.Hit))
		if !resp.Acquired.IsZero() {
			_, acq := e.opts.tracer.Start(ctx, "pool acquire", trace.WithTimestamp(resp.Acquired.Add(-resp.Wait)),
				trace.WithAttributes(attribute.Int64("spine.session", int64(resp.Session)), attribute.Bool("spine.pool.hit", resp.Hit)))
			acq.End(trace.WithTimestamp(resp.Acquired))
		}
	}
	if r, ok := resultOf(resp).(*mcp.CallToolResult); ok && r != nil && r.IsError {
		outcome = "tool_error"
	}
	if err != nil {
		outcome = string(classOf(err))
		span.SetAttributes(attribute.String("spine.class", outcome), attribute.String("error.type", outcome))
		span.SetStatus(codes.Error, err.Error())
	}
	span.SetAttributes(attribute.String("spine.outcome", outcome))
	span.End()
}

func resultOf(resp *actors.Response) any {
	if resp == nil {
		return nil
	}
	return resp.Result
}

// classOf is the class of an operation's error: the CallError's, else refused (the executor
// refused it before any server saw it).
func classOf(err error) Class {
	var ce *CallError
	if errors.As(err, &ce) {
		return ce.Class
	}
	return ClassRefused
}

// traceRun starts a workflow run's span and has each finished step recorded as its child;
// the returned func ends the run's span with its report.
func (e *Executor) traceRun(ctx context.Context, wf *workflows.Workflow, cfg *runConfig) func(*RunReport) {
	if e.opts.tracer == nil {
		return func(*RunReport) {}
	}
	if cfg.RunID == "" {
		cfg.RunID = actors.NewRunID()
	}
	ctx, run := e.opts.tracer.Start(ctx, "workflow "+wf.Name, trace.WithAttributes(
		attribute.String("spine.workflow", wf.Name), attribute.String("spine.run_id", cfg.RunID)))
	// The steps' upstream calls carry the run's trace context.
	cfg.TraceParent, cfg.TraceState = traceContext(ctx)
	for server, sc := range cfg.Scopes {
		sc.Headers = e.traceHeaders(ctx, server, sc.Headers)
		cfg.Scopes[server] = sc
	}
	tracer := e.opts.tracer
	own := cfg.Progress
	cfg.Progress = func(ae actors.StepEvent) {
		if own != nil {
			own(ae)
		}
		ev := stepEventOf(ae)
		if !ev.Status.Finished() || ev.Status == StepSkipped {
			return
		}
		// Recorded once the step has finished, from its own times: the run's actor tells of
		// a step as it goes, and a span opened at its start would outlive a run cut short.
		_, span := tracer.Start(ctx, "step "+ev.Step, trace.WithTimestamp(ev.Time.Add(-ev.Elapsed)),
			trace.WithAttributes(attribute.String("spine.step", ev.Step), attribute.String("spine.server", ev.Server),
				attribute.String("spine.step.target", ev.Target), attribute.String("spine.step.status", string(ev.Status)),
				attribute.Int("spine.step.attempts", ev.Attempt)))
		if ev.Status != StepOK {
			span.SetStatus(codes.Error, ev.Err)
		}
		span.End(trace.WithTimestamp(ev.Time))
	}
	return func(rep *RunReport) {
		if rep != nil && !rep.OK {
			run.SetStatus(codes.Error, rep.Error)
		}
		run.End(trace.WithTimestamp(time.Now()))
	}
}
