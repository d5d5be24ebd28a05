package executor_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
	"github.com/spine-mcp/spine/workflows"
)

// barrierServer is a go-sdk server whose tool "hold" keeps each call until size calls are
// in flight at once (then answers them all, in reverse order of arrival), and records the
// most calls it ever saw in flight. A call held longer than patience is answered anyway,
// so that a run that never reaches size ends with a peak below it, not a hang.
type barrierServer struct {
	size     int
	patience time.Duration

	mu      sync.Mutex
	waiting []chan struct{}
	inside  int
	peak    int
	calls   int
}

func (b *barrierServer) server() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "barrier", Version: "1"}, nil)
	s.AddTool(&mcp.Tool{Name: "hold", InputSchema: map[string]any{"type": "object"}},
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			var args struct {
				Text string `json:"text"`
			}
			_ = json.Unmarshal(req.Params.Arguments, &args)
			release := make(chan struct{})
			b.mu.Lock()
			b.calls++
			b.inside++
			b.peak = max(b.peak, b.inside)
			b.waiting = append(b.waiting, release)
			if len(b.waiting) >= b.size {
				for i := len(b.waiting) - 1; i >= 0; i-- {
					close(b.waiting[i])
				}
				b.waiting = nil
			}
			b.mu.Unlock()
			select {
			case <-release:
			case <-time.After(b.patience):
			case <-ctx.Done():
			}
			b.mu.Lock()
			b.inside--
			b.mu.Unlock()
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "got " + args.Text}}}, nil
		})
	return s
}

// A for_each over 20 items with max_parallel = 4 never has more than 4 calls in flight, as
// the server sees them, keeps 4 in flight while items remain, and returns the items in order
// although the server answers each round in reverse.
func TestForEachMaxParallelSeenByTheServer(t *testing.T) {
	b := &barrierServer{size: 4, patience: 5 * time.Second}
	spec := serveHTTP(t, "barrier", b.server(), nil)
	spec.MaxSessions, spec.MaxInflight = 8, 16 // the pool could serve far more than 4 at once
	ex := workflowExecutor(t, spec)
	var items []string
	for i := range 20 {
		items = append(items, fmt.Sprintf("%q", fmt.Sprintf("t%02d", i)))
	}
	wf := parseWorkflow(t, `
[inputs]
topics = { type = "array", required = true }

[[steps]]
id = "each"
server = "barrier"
tool = "hold"
for_each = "{{ .inputs.topics }}"
max_parallel = 4
args = { text = "{{ .index }}={{ .item }}" }

[outputs]
texts = "{{ range .steps.each.items }}{{ .text }};{{ end }}"
`)
	if err := workflowsApplyVars(wf, map[string]string{"topics": "[" + strings.Join(items, ",") + "]"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rep, err := ex.RunWorkflow(context.Background(), wf)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK {
		t.Fatalf("run failed: %s", rep.Error)
	}
	b.mu.Lock()
	peak, calls := b.peak, b.calls
	b.mu.Unlock()
	if peak != 4 || calls != 20 {
		t.Errorf("the server saw %d calls, at most %d at once: want 20 calls, 4 at once", calls, peak)
	}
	var want strings.Builder
	for i := range 20 {
		fmt.Fprintf(&want, "got %d=t%02d;", i, i)
	}
	if got := rep.Outputs["texts"]; got != want.String() {
		t.Errorf("texts = %v\nwant    %s", got, want.String())
	}
	each := rep.Steps[0]
	if len(each.Items) != 20 || each.Attempts != 20 {
		t.Fatalf("%d items, %d attempts", len(each.Items), each.Attempts)
	}
	for i, it := range each.Items {
		if it.Index != i || it.Status != executor.StepOK || it.Attempts != 1 {
			t.Errorf("item %d: %+v", i, it)
		}
	}
	// 5 rounds that each released at once, not after the patience timeout.
	if d := time.Since(start); d > 4*b.patience {
		t.Errorf("the run took %s: rounds waited for the timeout instead of filling up", d)
	}
}

// if and on_error = "continue" with the demo server: the dependent of a failed step reads
// is_error = true and the error; a step whose if is false is skipped.
func TestWorkflowIfAndContinueOnTheDemoServer(t *testing.T) {
	ex := workflowExecutor(t, spinetest.Demo(t, "demo"))
	wf := parseWorkflow(t, `
[[steps]]
id = "check"
server = "demo"
tool = "fail"
args = { message = "no such thing" }
on_error = "continue"

[[steps]]
id = "report"
server = "demo"
tool = "echo"
args = { text = "failed={{ .steps.check.is_error }} because {{ .steps.check.error }}" }

[[steps]]
id = "only_if_ok"
server = "demo"
tool = "echo"
args = { text = "fine" }
if = "{{ not .steps.check.is_error }}"

[[steps]]
id = "only_if_failed"
server = "demo"
tool = "echo"
args = { text = "recovering" }
if = "{{ .steps.check.is_error }}"

[outputs]
report = "{{ .steps.report.text }}"
skipped = "{{ .steps.only_if_ok.text }}"
`)
	if err := workflowsApplyVars(wf, nil); err != nil {
		t.Fatal(err)
	}
	rep, err := ex.RunWorkflow(context.Background(), wf)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]executor.StepStatus{}
	for _, s := range rep.Steps {
		status[s.ID] = s.Status
	}
	want := map[string]executor.StepStatus{"check": executor.StepFailed, "report": executor.StepOK,
		"only_if_ok": executor.StepSkipped, "only_if_failed": executor.StepOK}
	for id, st := range want {
		if status[id] != st {
			t.Errorf("%s: %s, want %s", id, status[id], st)
		}
	}
	if r, _ := rep.Outputs["report"].(string); !rep.OK || !strings.HasPrefix(r, "failed=true because ") || !strings.Contains(r, "no such thing") {
		t.Errorf("ok=%v (%s) report %q", rep.OK, rep.Error, rep.Outputs["report"])
	}
	if rep.Steps[2].Error != "if was false" || rep.Outputs["skipped"] != "" {
		t.Errorf("only_if_ok: %q, output %q", rep.Steps[2].Error, rep.Outputs["skipped"])
	}
}

func workflowsApplyVars(wf *workflows.Workflow, vars map[string]string) error {
	return workflows.ApplyVars(wf, vars)
}
