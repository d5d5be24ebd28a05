package ops_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
	"github.com/spine-mcp/spine/ops"
)

// TestMetricsAfterKnownCalls makes a known sequence of calls against the demo server — an
// answer, a tool error, and a failure of every class — scrapes /metrics over HTTP, parses it
// with Prometheus' text parser, and checks the counts, the histogram and the pool's series.
func TestMetricsAfterKnownCalls(t *testing.T) {
	spinetest.NoLeaks(t)
	spec := spinetest.Demo(t, "demo")
	spec.DisabledTools = []string{"grow"}
	ex := newExecutor(t, spec)
	mon := ops.NewMonitor(ex, ops.Options{})
	t.Cleanup(mon.Close)
	srv := httptest.NewServer(mon.Handler())
	t.Cleanup(srv.Close)
	if err := mon.Collector().Refresh(patience(t)); err != nil {
		t.Fatal(err)
	}

	for range 3 {
		mustCall(t, ex, patience(t), "echo", map[string]any{"text": "hi"})
	}
	if res := mustCall(t, ex, patience(t), "fail", map[string]any{"message": "no"}); !res.IsError {
		t.Fatal("fail: want a result with isError")
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	wantClass(t, ex, cancelled, "echo", nil, executor.ClassNotSent)
	short, cancelShort := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancelShort()
	wantClass(t, ex, short, "hang", nil, executor.ClassTimeout)
	wantClass(t, ex, patience(t), "crash", nil, executor.ClassMaybeRan)
	wantClass(t, ex, patience(t), "grow", nil, executor.ClassRefused)          // disabled: not in the list either
	wantClass(t, ex, patience(t), "no_such_tool", nil, executor.ClassProtocol) // the server says it has no such tool
	if _, err := ex.ReadResource(patience(t), "demo", "demo://nowhere"); err == nil {
		t.Fatal("reading a resource that does not exist: want an error")
	}

	families := scrape(t, srv.URL+ops.PathMetrics)
	calls := []struct {
		tool, class string
		want        float64
	}{
		{"echo", "ok", 3},
		{"fail", "tool_error", 1},
		{"echo", "not_sent", 1},
		{"hang", "timeout", 1},
		{"crash", "maybe_ran", 1},
		{"_other", "refused", 1},  // grow, disabled
		{"_other", "protocol", 1}, // no_such_tool folds: not in the server's list
	}
	var total float64
	for _, c := range calls {
		got := value(t, families, "spine_calls_total", map[string]string{"server": "demo", "tool": c.tool, "class": c.class})
		if got != c.want {
			t.Errorf("spine_calls_total{tool=%q,class=%q} = %v, want %v", c.tool, c.class, got, c.want)
		}
		total += c.want
	}
	if n := len(families["spine_calls_total"].GetMetric()); n != len(calls) {
		t.Errorf("spine_calls_total has %d series, want %d (no label carries anything but server, tool, class)", n, len(calls))
	}
	for _, m := range families["spine_calls_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if strings.Contains(l.GetValue(), "hi") || l.GetValue() == "no_such_tool" || l.GetValue() == "grow" {
				t.Errorf("label %s=%q: an argument or an unlisted tool in a label", l.GetName(), l.GetValue())
			}
		}
	}

	h := histogram(t, families, "spine_call_duration_seconds", map[string]string{"server": "demo", "tool": "echo"})
	// Every call observed, the cancelled one too.
	if h.GetSampleCount() != 4 {
		t.Errorf("echo histogram count = %d, want 4", h.GetSampleCount())
	}
	hang := histogram(t, families, "spine_call_duration_seconds", map[string]string{"server": "demo", "tool": "hang"})
	if hang.GetSampleCount() != 1 || hang.GetSampleSum() < 0.2 {
		t.Errorf("hang histogram: count %d sum %vs, want 1 call of at least its 200ms deadline", hang.GetSampleCount(), hang.GetSampleSum())
	}
	for _, b := range hang.GetBucket() {
		if b.GetUpperBound() < 0.2 && b.GetCumulativeCount() != 0 {
			t.Errorf("hang histogram: %d calls under %vs, want none", b.GetCumulativeCount(), b.GetUpperBound())
		}
	}
	var sum uint64
	for _, m := range families["spine_call_duration_seconds"].GetMetric() {
		sum += m.GetHistogram().GetSampleCount()
	}
	if float64(sum) != total {
		t.Errorf("histograms count %d calls, counters %v", sum, total)
	}

	if got := value(t, families, "spine_operations_total", map[string]string{"server": "demo", "op": "read_resource", "class": "protocol"}); got != 1 {
		t.Errorf("read_resource failures = %v, want 1", got)
	}
	if got := value(t, families, "spine_pool_events_total", map[string]string{"server": "demo", "event": "session_lost"}); got < 1 {
		t.Errorf("session_lost events = %v, want the crash's", got)
	}
	if got := value(t, families, "spine_circuit_state", map[string]string{"server": "demo", "state": "closed"}); got != 1 {
		t.Errorf("circuit closed = %v, want 1", got)
	}
	if got := value(t, families, "spine_sessions_opened_total", map[string]string{"server": "demo"}); got < 2 {
		t.Errorf("sessions opened = %v, want at least 2 (one before the crash, one after)", got)
	}
	for _, name := range []string{"spine_sessions", "spine_pool_requests_total", "spine_server_info", "spine_queue_depth", "go_goroutines", "process_open_fds"} {
		if families[name] == nil {
			t.Errorf("no %s", name)
		}
	}
}

func mustCall(t *testing.T, ex *executor.Executor, ctx context.Context, tool string, args any) *mcp.CallToolResult {
	t.Helper()
	res, err := ex.CallTool(ctx, "demo", tool, args)
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return res
}

func wantClass(t *testing.T, ex *executor.Executor, ctx context.Context, tool string, args any, class executor.Class) {
	t.Helper()
	_, err := ex.CallTool(ctx, "demo", tool, args)
	var ce *executor.CallError
	if !errors.As(err, &ce) || ce.Class != class {
		t.Fatalf("%s: err = %v, want a CallError of class %s", tool, err, class)
	}
}

// scrape fetches url and parses it as Prometheus' text format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := get(t, url)
	if code != 200 {
		t.Fatalf("GET %s: %d\n%s", url, code, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse %s: %v\n%s", url, err, body)
	}
	return families
}

// find returns the series of family name whose labels include want.
func find(t *testing.T, families map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	t.Helper()
	f := families[name]
	if f == nil {
		t.Fatalf("no metric %s", name)
	}
	for _, m := range f.GetMetric() {
		match := 0
		for _, l := range m.GetLabel() {
			if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
				match++
			}
		}
		if match == len(want) {
			return m
		}
	}
	return nil
}

// value returns a counter's or gauge's value, 0 when the series does not exist.
func value(t *testing.T, families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	m := find(t, families, name, labels)
	switch {
	case m == nil:
		return 0
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	}
	t.Fatalf("%s%v is neither a counter nor a gauge", name, labels)
	return 0
}

func histogram(t *testing.T, families map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Histogram {
	t.Helper()
	m := find(t, families, name, labels)
	if m == nil || m.Histogram == nil {
		t.Fatalf("no histogram %s%v", name, labels)
	}
	return m.GetHistogram()
}
