package executor_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
	"github.com/spine-mcp/spine/workflows/journal"
)

// The journal holds each step's attempt, outcome and result, with the server's configured
// secrets redacted (here the demo server's env, which its readme repeats).
func TestJournalRecordsTheRunRedacted(t *testing.T) {
	const secret = "greeting-secret-4711"
	spec := spinetest.Demo(t, "demo")
	spec.Env = map[string]string{"DEMO_GREETING": secret}
	ex := workflowExecutor(t, spec)
	wf := parseWorkflow(t, `
[[steps]]
id = "readme"
server = "demo"
resource = "demo://readme"

[[steps]]
id = "say"
server = "demo"
tool = "echo"
args = { text = "{{ .steps.readme.text }}" }
`)
	dir := filepath.Join(t.TempDir(), ".spine", "runs")
	rep, err := ex.RunWorkflow(context.Background(), wf, executor.WithJournal(dir), executor.WithRunID("run-redact"))
	if err != nil || !rep.OK {
		t.Fatalf("run: %v %+v", err, rep)
	}
	if !strings.Contains(rep.Steps[1].Text, secret) {
		t.Fatalf("the readme does not show the greeting: %q", rep.Steps[1].Text)
	}
	data, err := os.ReadFile(filepath.Join(dir, "run-redact.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), secret) || !strings.Contains(string(data), "[redacted]") {
		t.Errorf("the journal holds the secret, or no redaction:\n%s", data)
	}
	var types []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var rec journal.Record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		types = append(types, rec.Type+":"+rec.Step)
	}
	want := "run: attempt:readme outcome:readme attempt:say outcome:say end:"
	if strings.Join(types, " ") != want {
		t.Errorf("records:\n got %s\nwant %s", strings.Join(types, " "), want)
	}
	if s, err := journal.Summarize(filepath.Join(dir, "run-redact.jsonl")); err != nil || s.State != journal.StateOK {
		t.Errorf("summary %+v %v", s, err)
	}
}

// onceFailing is a go-sdk server whose tool "work" answers isError the first time it is
// called with key "bad", and counts every call by key.
type onceFailing struct {
	mu    sync.Mutex
	calls map[string]int
}

func (o *onceFailing) server() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "work", Version: "1"}, nil)
	s.AddTool(&mcp.Tool{Name: "work", InputSchema: map[string]any{"type": "object"}},
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			var args struct {
				Key string `json:"key"`
			}
			_ = json.Unmarshal(req.Params.Arguments, &args)
			o.mu.Lock()
			o.calls[args.Key]++
			n := o.calls[args.Key]
			o.mu.Unlock()
			res := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "done " + args.Key}}}
			if args.Key == "bad" && n == 1 {
				res.IsError = true
			}
			return res, nil
		})
	return s
}

// A resumed for_each calls only the items that did not finish: a failed run is resumed,
// its finished items feed the result from the journal, the failed item runs again.
func TestResumeForEachRunsOnlyUnfinishedItems(t *testing.T) {
	o := &onceFailing{calls: map[string]int{}}
	ex := workflowExecutor(t, serveHTTP(t, "work", o.server(), nil))
	wf := parseWorkflow(t, `
[[steps]]
id = "each"
server = "work"
tool = "work"
for_each = ["k0", "k1", "bad", "k3"]
max_parallel = 1
args = { key = "{{ .item }}" }

[[steps]]
id = "after"
server = "work"
tool = "work"
args = { key = "{{ range .steps.each.items }}{{ .text }},{{ end }}" }
`)
	if err := workflowsApplyVars(wf, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rep, err := ex.RunWorkflow(context.Background(), wf, executor.WithJournal(dir), executor.WithRunID("run-each"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || rep.Steps[0].Items[3].Status != executor.StepSkipped {
		t.Fatalf("first run: ok=%v items %+v", rep.OK, rep.Steps[0].Items)
	}
	path := filepath.Join(dir, "run-each.jsonl")
	rep, err = ex.RunWorkflow(context.Background(), wf, executor.WithResume(executor.Resume{Journal: path}))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.RunID != "run-each" {
		t.Fatalf("resumed run: ok=%v %s (%s)", rep.OK, rep.RunID, rep.Error)
	}
	o.mu.Lock()
	calls := maps.Clone(o.calls)
	o.mu.Unlock()
	if calls["k0"] != 1 || calls["k1"] != 1 || calls["bad"] != 2 || calls["k3"] != 1 {
		t.Errorf("calls = %v: want k0, k1 and k3 once, bad twice", calls)
	}
	if got := rep.Steps[1].Text; got != "done done k0,done k1,done bad,done k3," {
		t.Errorf("after = %q", got)
	}
	// The run's journal now ends ok.
	if s, _ := journal.Summarize(path); s.State != journal.StateOK {
		t.Errorf("state %s", s.State)
	}
	// A resume of a finished run calls nothing.
	total := func() int {
		o.mu.Lock()
		defer o.mu.Unlock()
		n := 0
		for _, c := range o.calls {
			n += c
		}
		return n
	}
	before := total()
	if rep, err := ex.RunWorkflow(context.Background(), wf, executor.WithResume(executor.Resume{Journal: path})); err != nil || !rep.OK || !rep.Steps[1].Resumed {
		t.Fatalf("resume of a finished run: %v %+v", err, rep)
	}
	if n := total(); n != before {
		t.Errorf("resuming a finished run made %d calls", n-before)
	}
	// A changed workflow is refused.
	wf2 := parseWorkflow(t, `
[[steps]]
id = "each"
server = "work"
tool = "work"
`)
	if _, err := ex.RunWorkflow(context.Background(), wf2, executor.WithResume(executor.Resume{Journal: path})); !errors.Is(err, executor.ErrWorkflowChanged) {
		t.Errorf("resume of another workflow: %v", err)
	}
}
