package gateway

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/spine-mcp/spine/executor"
)

// tracerName names the gateway's instrumentation to the TracerProvider.
const tracerName = "github.com/spine-mcp/spine/gateway"

// The outcomes of a downstream request besides the failure classes of executor.Class.
const (
	outcomeOK        = "ok"
	outcomeToolError = "tool_error" // the tool answered with isError
	outcomeError     = "error"      // refused by the gateway itself (bad input, unknown name)
)

// observeRequests is the middleware that traces and logs every downstream request: a server
// span that continues the caller's trace context (the request's _meta.traceparent, else the
// HTTP traceparent header), whose child the upstream call is; and one log line when it ends —
// at debug, at warn when it failed — with the method, the name asked for, the duration, the
// outcome and the trace id. Neither carries arguments, identities or tokens.
func (g *Gateway) observeRequests(tp trace.TracerProvider) mcp.Middleware {
	var tracer trace.Tracer
	if tp != nil {
		tracer = tp.Tracer(tracerName, trace.WithInstrumentationVersion(g.opts.Version))
	}
	log := g.log
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if strings.HasPrefix(method, "notifications/") {
				return next(ctx, method, req)
			}
			start := time.Now()
			params := paramsOf(req)
			if sc := incomingTrace(params, req.GetExtra()); sc.IsValid() {
				ctx = trace.ContextWithRemoteSpanContext(ctx, sc)
			}
			name := nameOf(params)
			var span trace.Span
			if tracer != nil {
				ctx, span = startDownstream(ctx, tracer, method, name, params)
			}
			note := &outcomeNote{}
			ctx = context.WithValue(ctx, outcomeKey{}, note)
			res, err := next(ctx, method, req)
			outcome := note.outcome(res, err)
			if span != nil {
				span.SetAttributes(attribute.String("spine.outcome", outcome))
				if failed(outcome) {
					span.SetStatus(codes.Error, outcome)
				}
				span.End()
			}
			logRequest(log, ctx, method, name, time.Since(start), outcome)
			return res, err
		}
	}
}

// startDownstream starts the server span of one downstream request.
func startDownstream(ctx context.Context, tracer trace.Tracer, method, name string, params mcp.Params) (context.Context, trace.Span) {
	attrs := []attribute.KeyValue{attribute.String("mcp.method.name", method)}
	spanName := method
	if name != "" {
		spanName += " " + name
		switch params.(type) {
		case *mcp.CallToolParamsRaw:
			attrs = append(attrs, attribute.String("gen_ai.tool.name", name))
		case *mcp.GetPromptParams:
			attrs = append(attrs, attribute.String("gen_ai.prompt.name", name))
		case *mcp.ReadResourceParams:
			attrs = append(attrs, attribute.String("mcp.resource.uri", name))
		}
	}
	return tracer.Start(ctx, spanName, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
}

// logRequest writes the one line of a finished downstream request.
func logRequest(log zerolog.Logger, ctx context.Context, method, name string, d time.Duration, outcome string) {
	ev := log.Debug()
	if failed(outcome) {
		ev = log.Warn()
	}
	if !ev.Enabled() {
		return
	}
	ev = ev.Str("method", method)
	if name != "" {
		ev = ev.Str("name", name)
	}
	ev = ev.Dur("duration", d).Str("outcome", outcome)
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		ev = ev.Str("trace_id", sc.TraceID().String())
	}
	ev.Msg("downstream request")
}

// failed says whether an outcome is a failure: anything but an answer (a tool's own isError
// is an answer).
func failed(outcome string) bool { return outcome != outcomeOK && outcome != outcomeToolError }

// paramsOf returns a request's params, nil when it has none.
func paramsOf(req mcp.Request) mcp.Params {
	p := req.GetParams()
	if p == nil {
		return nil
	}
	if v := reflect.ValueOf(p); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil
	}
	return p
}

// nameOf is what a request names: the tool, the prompt, or the resource URI; "" otherwise.
func nameOf(p mcp.Params) string {
	switch p := p.(type) {
	case *mcp.CallToolParamsRaw:
		return p.Name
	case *mcp.GetPromptParams:
		return p.Name
	case *mcp.ReadResourceParams:
		return p.URI
	}
	return ""
}

// incomingTrace is the trace context a downstream request carries: its _meta.traceparent
// (and tracestate), which any transport carries; else the HTTP request's traceparent header.
func incomingTrace(p mcp.Params, extra *mcp.RequestExtra) trace.SpanContext {
	if p != nil {
		if meta := p.GetMeta(); meta != nil {
			if parent, _ := meta["traceparent"].(string); parent != "" {
				carrier := propagation.MapCarrier{"traceparent": parent}
				if state, _ := meta["tracestate"].(string); state != "" {
					carrier["tracestate"] = state
				}
				if sc := extractTrace(carrier); sc.IsValid() {
					return sc
				}
			}
		}
	}
	if extra != nil && extra.Header != nil && extra.Header.Get("traceparent") != "" {
		return extractTrace(propagation.HeaderCarrier(extra.Header))
	}
	return trace.SpanContext{}
}

func extractTrace(c propagation.TextMapCarrier) trace.SpanContext {
	return trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), c))
}

// outcomeKey keys a request's outcomeNote in its context.
type outcomeKey struct{}

// outcomeNote is where a handler that answers a failure as a result (a tool call's isError
// result) notes its class, which the result no longer says.
type outcomeNote struct{ class string }

// noteFailure records err's class as the outcome of the downstream request of ctx.
func noteFailure(ctx context.Context, err error) {
	if n, ok := ctx.Value(outcomeKey{}).(*outcomeNote); ok {
		n.class = failureClass(err)
	}
}

// outcome is the request's outcome from what its handler returned and noted.
func (n *outcomeNote) outcome(res mcp.Result, err error) string {
	switch {
	case n.class != "":
		return n.class
	case err != nil:
		return failureClass(err)
	}
	if r, ok := res.(*mcp.CallToolResult); ok && r != nil && r.IsError {
		return outcomeToolError
	}
	return outcomeOK
}

// failureClass is err's outcome class: the executor's, or error for the gateway's own.
func failureClass(err error) string {
	var ce *executor.CallError
	if errors.As(err, &ce) {
		return string(ce.Class)
	}
	return outcomeError
}
