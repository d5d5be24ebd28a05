package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/gateway"
	"github.com/spine-mcp/spine/internal/demoserver"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// Trace contexts a downstream client sends: one in the HTTP header, one in _meta.
const (
	headerParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	metaParent   = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	secretArg    = "an-argument-no-log-may-show"
)

// tracesSeen records the traceparent of every tools/call an HTTP upstream received: the
// header and the one in _meta.
type tracesSeen struct {
	mu             sync.Mutex
	header, inMeta []string
}

func (s *tracesSeen) wrap(next http.Handler) http.Handler {
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

func (s *tracesSeen) last() (header, inMeta string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.header) == 0 {
		return "", ""
	}
	return s.header[len(s.header)-1], s.inMeta[len(s.inMeta)-1]
}

// withHeader sends a header on every request of a client.
type withHeader struct{ name, value string }

func (h withHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.name, h.value)
	return http.DefaultTransport.RoundTrip(r)
}

// TestDownstreamTraceAndLog: one downstream tools/call through the gateway is a server span
// that continues the caller's trace (from the HTTP traceparent header; from _meta over an
// in-memory, stdio-like transport), whose child is the upstream call's client span, whose
// child is the pool acquire; the upstream, a demo server over HTTP, receives the upstream
// call's traceparent in the header and in _meta. Each downstream request is one log line
// with its method, name, outcome and trace id — debug when it answered, warn when it failed
// — and never its arguments.
func TestDownstreamTraceAndLog(t *testing.T) {
	spinetest.NoLeaks(t)
	var seen tracesSeen
	demo := demoserver.New(demoserver.Options{})
	upstream := httptest.NewServer(seen.wrap(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return demo }, nil)))
	t.Cleanup(upstream.Close)
	web := capability.ServerSpec{Name: "web", Transport: capability.TransportHTTP, URL: upstream.URL, Enabled: true,
		Policy: capability.DefaultPolicy()}
	web.ToolTimeouts = map[string]time.Duration{"hang": 500 * time.Millisecond}

	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	var logs spinetest.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	gw, err := gateway.New(ctx, spinetest.Project(web), gateway.Options{TracerProvider: tp,
		Log: zerolog.New(&logs).Level(zerolog.DebugLevel)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler(gateway.HTTPOptions{}))
	t.Cleanup(func() {
		srv.Close()
		if err := gw.Close(context.Background()); err != nil {
			t.Errorf("close: %v", err)
		}
	})

	// Over HTTP, the caller's trace context in the traceparent header.
	c := mcp.NewClient(&mcp.Implementation{Name: "host", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: srv.URL + "/mcp",
		HTTPClient: &http.Client{Transport: withHeader{"traceparent", headerParent}}}, legacy)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if got, _ := call(t, cs, "web__echo", map[string]any{"text": secretArg}); got != secretArg {
		t.Fatalf("echo answered %q", got)
	}
	down, up, acquire := callSpans(t, rec.Ended(), "tools/call web__echo", "tools/call web/echo", "0af7651916cd43dd8448eb211c80319c")
	if p := down.Parent(); !p.IsRemote() || p.SpanID().String() != "b7ad6b7169203331" {
		t.Errorf("downstream span's parent = %v, want the caller's span from the traceparent header", p)
	}
	if down.SpanKind() != trace.SpanKindServer || up.SpanKind() != trace.SpanKindClient {
		t.Errorf("span kinds: downstream %v, upstream %v; want server and client", down.SpanKind(), up.SpanKind())
	}
	if up.Parent().SpanID() != down.SpanContext().SpanID() || acquire.Parent().SpanID() != up.SpanContext().SpanID() {
		t.Errorf("links: upstream's parent %v (want downstream %v), acquire's parent %v (want upstream %v)",
			up.Parent().SpanID(), down.SpanContext().SpanID(), acquire.Parent().SpanID(), up.SpanContext().SpanID())
	}
	if acquire.StartTime().After(acquire.EndTime()) || acquire.StartTime().Before(up.StartTime()) || acquire.EndTime().After(up.EndTime()) {
		t.Errorf("pool acquire [%v, %v] is not within the upstream call [%v, %v]", acquire.StartTime(), acquire.EndTime(), up.StartTime(), up.EndTime())
	}
	attrs := attrMap(up.Attributes())
	if attrs["spine.server"] != "web" || attrs["gen_ai.tool.name"] != "echo" || attrs["spine.outcome"] != "ok" || attrs["spine.session"] == "" {
		t.Errorf("upstream call attributes = %v, want server web, tool echo, outcome ok and the session", attrs)
	}
	want := "00-" + up.SpanContext().TraceID().String() + "-" + up.SpanContext().SpanID().String() + "-01"
	if header, inMeta := seen.last(); header != want || inMeta != want {
		t.Errorf("the upstream saw traceparent header %q and _meta %q, want both %q (the upstream call's)", header, inMeta, want)
	}

	// A failure: the tool does not answer in its tool_timeouts; its spans and log line say so.
	if _, res := call(t, cs, "web__hang", nil); !res.IsError {
		t.Fatalf("hang answered without isError: %+v", res)
	}
	down2, up2, _ := callSpans(t, rec.Ended(), "tools/call web__hang", "tools/call web/hang", "0af7651916cd43dd8448eb211c80319c")
	if attrMap(down2.Attributes())["spine.outcome"] != "timeout" || down2.Status().Code.String() != "Error" || up2.Status().Code.String() != "Error" {
		t.Errorf("hang spans: downstream %v %v, upstream %v; want both in error with the class",
			attrMap(down2.Attributes()), down2.Status(), up2.Status())
	}

	// In memory, as over stdio: the caller's trace context in _meta.
	st, ct := mcp.NewInMemoryTransports()
	served := make(chan error, 1)
	go func() { served <- gw.ServeStdio(ctx, st) }()
	mem, err := mcp.NewClient(&mcp.Implementation{Name: "mem", Version: "1"}, nil).Connect(ctx, ct, legacy)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mem.CallTool(ctx, &mcp.CallToolParams{Name: "web__echo", Arguments: map[string]any{"text": "x"},
		Meta: mcp.Meta{"traceparent": metaParent}}); err != nil {
		t.Fatal(err)
	}
	down3, _, _ := callSpans(t, rec.Ended(), "tools/call web__echo", "tools/call web/echo", "4bf92f3577b34da6a3ce929d0e0e4736")
	if p := down3.Parent(); !p.IsRemote() || p.SpanID().String() != "00f067aa0ba902b7" {
		t.Errorf("downstream span's parent = %v, want the caller's span from _meta", p)
	}
	_ = mem.Close()
	if err := <-served; err != nil {
		t.Errorf("ServeStdio: %v", err)
	}

	// The log: a line per request, none with an argument.
	lines := logLines(t, logs.String())
	if strings.Contains(logs.String(), secretArg) {
		t.Errorf("an argument is in the log:\n%s", logs.String())
	}
	var ok, failed bool
	for _, l := range lines {
		if l["message"] != "downstream request" || l["method"] != "tools/call" {
			continue
		}
		switch {
		case l["name"] == "web__echo" && l["level"] == "debug" && l["outcome"] == "ok" && l["trace_id"] == "0af7651916cd43dd8448eb211c80319c" && l["duration"] != nil:
			ok = true
		case l["name"] == "web__hang" && l["level"] == "warn" && l["outcome"] == "timeout" && l["trace_id"] == "0af7651916cd43dd8448eb211c80319c":
			failed = true
		}
	}
	if !ok || !failed {
		t.Errorf("log lines: the echo at debug %v, the hang at warn %v; want both with outcome and trace id:\n%s", ok, failed, logs.String())
	}
}

// callSpans finds, in trace traceID, the downstream request span named down, the upstream
// call span named up under it, and the pool acquire under that.
func callSpans(t *testing.T, spans []sdktrace.ReadOnlySpan, down, up, traceID string) (d, u, a sdktrace.ReadOnlySpan) {
	t.Helper()
	for _, s := range spans {
		if s.SpanContext().TraceID().String() != traceID {
			continue
		}
		switch s.Name() {
		case down:
			d = s
		case up:
			u = s
		}
	}
	for _, s := range spans {
		if u != nil && s.Name() == "pool acquire" && s.Parent().SpanID() == u.SpanContext().SpanID() {
			a = s
		}
	}
	if d == nil || u == nil || a == nil {
		var names []string
		for _, s := range spans {
			names = append(names, s.Name()+" "+s.SpanContext().TraceID().String())
		}
		t.Fatalf("want spans %q, %q and pool acquire in trace %s; got downstream %v upstream %v acquire %v among %v", down, up, traceID, d != nil, u != nil, a != nil, names)
	}
	return d, u, a
}

func attrMap(spanAttrs []attribute.KeyValue) map[string]string {
	out := map[string]string{}
	for _, kv := range spanAttrs {
		out[string(kv.Key)] = kv.Value.Emit()
	}
	return out
}

func logLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}
