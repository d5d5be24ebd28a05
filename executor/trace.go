package executor

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/workflows"
)

// tracerName names SPINE's instrumentation to the TracerProvider.
const tracerName = "github.com/spine-mcp/spine/executor"

// WithTracerProvider traces the executor's operations and workflow runs with tp
// (OpenTelemetry): a client span per operation, a child of the span in the caller's context
// (a gateway's downstream request), with the server, the MCP method, the tool and the
// failure's class; a span per workflow
// run, with a child per finished step. The operation's trace context is sent upstream in the
// request's _meta (traceparent, tracestate) and, to HTTP servers, as headers too, so that a
// server that traces continues the caller's trace. ops.TracerProviderFromEnv builds tp from
// the standard OTEL_* variables. Default: no tracing, and no cost: an operation then checks
// one nil field.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) {
		if tp == nil {
			o.tracer = nil
			return
		}
		o.tracer = tp.Tracer(tracerName, trace.WithInstrumentationVersion(actors.Version))
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
	carrier := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, carrier)
	req.TraceParent, req.TraceState = carrier["traceparent"], carrier["tracestate"]
	if spec, _ := e.rt.Spec(server); spec.Transport != capability.TransportStdio && req.TraceParent != "" {
		// A copy: the caller's headers (WithHeaders) are the caller's. The identity that
		// chose the pool was taken from them before.
		h := http.Header(maps.Clone(req.Headers))
		if h == nil {
			h = http.Header{}
		}
		propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(h))
		req.Headers = h
	}
	return ctx, span
}

// endOp ends an operation's span with what came of it. The session and pool hit are
// recorded where the pool reports them in the Response.
func endOp(span trace.Span, resp *actors.Response, err error) {
	if resp != nil && resp.Session != 0 {
		span.SetAttributes(attribute.Int64("spine.session", int64(resp.Session)), attribute.Bool("spine.pool.hit", resp.Hit))
	}
	if err != nil {
		class := "refused"
		var ce *CallError
		if errors.As(err, &ce) {
			class = string(ce.Class)
		}
		span.SetAttributes(attribute.String("spine.class", class), attribute.String("error.type", class))
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
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
