package executor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/demoserver"
	"github.com/spine-mcp/spine/internal/spinetest"
	"github.com/spine-mcp/spine/workflows"
)

// traceContextSeen records the trace context of the tool calls an HTTP server received: the
// traceparent header, and the one in the request's _meta.
type traceContextSeen struct {
	mu             sync.Mutex
	header, inMeta []string
}

func (s *traceContextSeen) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var msg struct {
				Method string `json:"method"`
				Params struct {
					Meta map[string]any `json:"_meta"`
				} `json:"params"`
			}
			if json.Unmarshal(body, &msg) == nil && msg.Method == "tools/call" {
				meta, _ := msg.Params.Meta["traceparent"].(string)
				s.mu.Lock()
				s.header = append(s.header, r.Header.Get("Traceparent"))
				s.inMeta = append(s.inMeta, meta)
				s.mu.Unlock()
			}
		}
		next.ServeHTTP(w, r)
	})
}

// TestTracesOneCallAndPropagates: a call made under a caller's span (a gateway's downstream
// request) produces a client span that is its child, with the server and tool; the span's trace context reaches an HTTP upstream as a traceparent header and in
// _meta; a failure is an error span with its class; a
// workflow run is a span with a child per step, and its steps' upstream calls carry its trace
// context.
func TestTracesOneCallAndPropagates(t *testing.T) {
	spinetest.NoLeaks(t)
	var seen traceContextSeen
	demo := demoserver.New(demoserver.Options{})
	upstream := httptest.NewServer(seen.wrap(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return demo }, nil)))
	t.Cleanup(upstream.Close) // after the executor's Close: cleanups run last first
	web := capability.ServerSpec{Name: "web", Transport: capability.TransportHTTP, URL: upstream.URL, Enabled: true,
		Policy: capability.DefaultPolicy()}

	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	ex, err := executor.New(spinetest.Project(web, spinetest.Demo(t, "demo")), executor.WithTracerProvider(tp))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
		defer cancel()
		if err := ex.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})

	ctx, downstream := tp.Tracer("gateway").Start(context.Background(), "downstream tools/call")
	if _, err := ex.CallTool(ctx, "web", "echo", map[string]any{"text": "traced"}); err != nil {
		t.Fatal(err)
	}
	downstream.End()

	spans := rec.Ended()
	var callSpan sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Name() == "tools/call web/echo" && s.Parent().SpanID() == downstream.SpanContext().SpanID() {
			callSpan = s
		}
	}
	if callSpan == nil {
		t.Fatalf("no span tools/call web/echo under the downstream span; spans: %v", names(spans))
	}
	if callSpan.SpanKind() != trace.SpanKindClient || callSpan.SpanContext().TraceID() != downstream.SpanContext().TraceID() {
		t.Errorf("call span: kind %v, trace %v; want a client span in the caller's trace", callSpan.SpanKind(), callSpan.SpanContext().TraceID())
	}
	attrs := attrMap(callSpan.Attributes())
	if attrs["spine.server"] != "web" || attrs["gen_ai.tool.name"] != "echo" || attrs["mcp.method.name"] != "tools/call" {
		t.Errorf("call span attributes = %v, want server web, tool echo, method tools/call", attrs)
	}

	want := "00-" + callSpan.SpanContext().TraceID().String() + "-" + callSpan.SpanContext().SpanID().String() + "-01"
	seen.mu.Lock()
	header, inMeta := seen.header[len(seen.header)-1], seen.inMeta[len(seen.inMeta)-1]
	seen.mu.Unlock()
	if header != want || inMeta != want {
		t.Errorf("upstream saw traceparent header %q and _meta %q, want both %q (the call span's)", header, inMeta, want)
	}

	// A failure: the span says so, with the class.
	rec2 := len(rec.Ended())
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ex.CallTool(cancelled, "demo", "echo", nil); err == nil {
		t.Fatal("a cancelled call answered")
	}
	failed := rec.Ended()[rec2]
	if failed.Status().Code != codes.Error || attrMap(failed.Attributes())["spine.class"] != string(executor.ClassNotSent) {
		t.Errorf("failed call span: status %v, attributes %v; want an error of class not_sent", failed.Status(), failed.Attributes())
	}

	wf, err := workflows.Parse("traced.toml", []byte("[[steps]]\nid = \"one\"\nserver = \"web\"\ntool = \"echo\"\nargs = { text = \"x\" }\n"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ex.RunWorkflow(ctx, wf)
	if err != nil || !rep.OK {
		t.Fatalf("run: %v %+v", err, rep)
	}
	var run, step sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		switch s.Name() {
		case "workflow traced":
			run = s
		case "step one":
			step = s
		}
	}
	if run == nil || step == nil || step.Parent().SpanID() != run.SpanContext().SpanID() ||
		run.Parent().SpanID() != downstream.SpanContext().SpanID() {
		t.Fatalf("workflow spans: run %v, step %v; want the step under the run under the caller's span (spans: %v)", run, step, names(rec.Ended()))
	}
	// The step's upstream call carries the run's trace context.
	want = "00-" + run.SpanContext().TraceID().String() + "-" + run.SpanContext().SpanID().String() + "-01"
	seen.mu.Lock()
	header, inMeta = seen.header[len(seen.header)-1], seen.inMeta[len(seen.inMeta)-1]
	seen.mu.Unlock()
	if header != want || inMeta != want {
		t.Errorf("the step's upstream saw traceparent header %q and _meta %q, want both %q (the run's)", header, inMeta, want)
	}
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name())
	}
	return out
}

func attrMap(kvs []attribute.KeyValue) map[string]string {
	out := map[string]string{}
	for _, kv := range kvs {
		out[string(kv.Key)] = kv.Value.Emit()
	}
	return out
}
