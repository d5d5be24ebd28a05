package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// sideEffects is an MCP server in the test process, reached by the spine CLI over HTTP, so
// that it outlives the CLI processes a test kills and resumes. Its tools count their calls
// by key:
//
//	record {key}       answers "did KEY" at once; not annotated (not safe to repeat)
//	gate {key}         answers "did KEY" once the gate opens; annotated idempotentHint
//	gate_unsafe {key}  the same without the annotation
type sideEffects struct {
	url string

	mu      sync.Mutex
	calls   map[string]int
	arrived chan string // the key of every gate call, as it arrives
	open    chan struct{}
	once    sync.Once
}

func startSideEffects(t *testing.T) *sideEffects {
	t.Helper()
	se := &sideEffects{calls: map[string]int{}, arrived: make(chan string, 16), open: make(chan struct{})}
	s := mcp.NewServer(&mcp.Implementation{Name: "side", Version: "1"}, nil)
	answer := func(key string) *mcp.CallToolResult {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "did " + key}}}
	}
	keyOf := func(req *mcp.CallToolRequest) string {
		var args struct {
			Key string `json:"key"`
		}
		_ = json.Unmarshal(req.Params.Arguments, &args)
		se.mu.Lock()
		se.calls[args.Key]++
		se.mu.Unlock()
		return args.Key
	}
	schema := map[string]any{"type": "object"}
	s.AddTool(&mcp.Tool{Name: "record", InputSchema: schema}, func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return answer(keyOf(req)), nil
	})
	gate := func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		key := keyOf(req)
		select {
		case se.arrived <- key:
		default:
		}
		select {
		case <-se.open:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return answer(key), nil
	}
	s.AddTool(&mcp.Tool{Name: "gate", InputSchema: schema, Annotations: &mcp.ToolAnnotations{IdempotentHint: true}}, gate)
	s.AddTool(&mcp.Tool{Name: "gate_unsafe", InputSchema: schema}, gate)
	hs := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil))
	t.Cleanup(func() {
		se.release()
		hs.Close()
	})
	se.url = hs.URL
	return se
}

func (se *sideEffects) release() { se.once.Do(func() { close(se.open) }) }

func (se *sideEffects) counts() map[string]int {
	se.mu.Lock()
	defer se.mu.Unlock()
	out := map[string]int{}
	for k, v := range se.calls {
		out[k] = v
	}
	return out
}

// resumeFlow is six sequential steps; the fourth calls gateTool, which holds its call.
func resumeFlow(gateTool string) string {
	return `
name = "durable"

[[steps]]
id = "s1"
server = "side"
tool = "record"
args = { key = "a" }

[[steps]]
id = "s2"
server = "side"
tool = "record"
args = { key = "b after {{ .steps.s1.text }}" }

[[steps]]
id = "s3"
server = "side"
tool = "record"
args = { key = "c after {{ .steps.s2.text }}" }

[[steps]]
id = "s4"
server = "side"
tool = "` + gateTool + `"
args = { key = "d" }
needs = ["s3"]

[[steps]]
id = "s5"
server = "side"
tool = "record"
args = { key = "e after {{ .steps.s4.text }}" }

[[steps]]
id = "s6"
server = "side"
tool = "record"
args = { key = "f after {{ .steps.s5.text }}" }

[outputs]
first = "{{ .steps.s1.text }}"
third = "{{ .steps.s3.text }}"
last  = "{{ .steps.s6.text }}"
`
}

// killedRun starts `spine run flow.toml` in dir, waits until the journal says s1..s3 have
// finished and the server holds s4's call, kills the CLI with SIGKILL, and returns the run id.
func killedRun(t *testing.T, dir string, se *sideEffects) string {
	t.Helper()
	cmd := exec.Command(spinetest.Binary(t), "run", "flow.toml", "--output", "json")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case key := <-se.arrived:
		if key != "d" {
			t.Fatalf("the gate got %q, want d", key)
		}
	case err := <-exited:
		t.Fatalf("spine run exited before s4: %v\n%s", err, stderr.String())
	case <-time.After(time.Minute):
		t.Fatalf("s4 never reached the server\n%s", stderr.String())
	}
	journals, _ := filepath.Glob(filepath.Join(dir, ".spine", "runs", "*.jsonl"))
	if len(journals) != 1 {
		t.Fatalf("journals: %v", journals)
	}
	// The journal says what finished, and that s4 was sent: on disk before the call left.
	spinetest.Eventually(t, time.Minute, "the journal to show s3 finished and s4 sent", func() bool {
		data, _ := os.ReadFile(journals[0])
		return strings.Contains(string(data), `"step":"s3","attempt":1,"status":"ok"`) &&
			strings.Contains(string(data), `"type":"attempt"`) && strings.Contains(string(data), `"step":"s4"`)
	})
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
	return strings.TrimSuffix(filepath.Base(journals[0]), ".jsonl")
}

type runsDoc []struct {
	RunID    string `json:"run_id"`
	Workflow string `json:"workflow"`
	State    string `json:"state"`
}

func TestResumeAfterSIGKILL(t *testing.T) {
	se := startSideEffects(t)
	project := "[servers.side]\nurl = \"" + se.url + "\"\n"
	dir := wfFiles(t, map[string]string{"spine.toml": project, "flow.toml": resumeFlow("gate")})
	id := killedRun(t, dir, se)
	se.release()

	res := spine(t, dir, "runs", "--output", "json")
	var runs runsDoc
	if err := json.Unmarshal([]byte(res.stdout), &runs); err != nil || len(runs) != 1 {
		t.Fatalf("spine runs: %v %s %s", err, res.stdout, res.stderr)
	}
	if runs[0].RunID != id || runs[0].State != "interrupted" || runs[0].Workflow != "durable" {
		t.Errorf("spine runs: %+v, want %s interrupted", runs[0], id)
	}

	doc := runWorkflowJSON(t, dir, "flow.toml", 0, "--resume", id)
	if !doc.OK || doc.RunID != id {
		t.Fatalf("resumed run: ok=%v id %s (%s)", doc.OK, doc.RunID, doc.Error)
	}
	// Each finished step was called exactly once in all; s4, in flight when the CLI died and
	// annotated idempotentHint, was called again under the retry policy.
	want := map[string]int{"a": 1, "b after did a": 1, "c after did b after did a": 1, "d": 2, "e after did d": 1, "f after did e after did d": 1}
	if got := se.counts(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %v\nwant    %v", got, want)
	}
	for i, s := range doc.Steps {
		resumed := i < 3
		if s.Status != "ok" {
			t.Errorf("%s: %s", s.ID, s.Status)
		}
		if resumed && s.Text == "" {
			t.Errorf("%s: resumed with no text: the journaled result should feed the report", s.ID)
		}
	}

	// An uninterrupted run of the same file ends with the same outputs.
	fresh := runWorkflowJSON(t, dir, "flow.toml", 0)
	if !reflect.DeepEqual(fresh.Outputs, doc.Outputs) || doc.Outputs["last"] != "did f after did e after did d" {
		t.Errorf("outputs: resumed %v, uninterrupted %v", doc.Outputs, fresh.Outputs)
	}
	res = spine(t, dir, "runs")
	if res.code != 0 || strings.Count(res.stdout, " ok ") != 2 || !strings.Contains(res.stdout, id) {
		t.Errorf("spine runs: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// A step in flight when the run died whose tool is not safe to repeat is not replayed: the
// resume stops (exit 1) and says which step may have run and how to go on; a changed
// workflow file refuses to resume (exit 2) unless --force.
func TestResumeInDoubtStep(t *testing.T) {
	for _, how := range []string{"accept", "rerun"} {
		t.Run(how, func(t *testing.T) {
			se := startSideEffects(t)
			project := "[servers.side]\nurl = \"" + se.url + "\"\n"
			dir := wfFiles(t, map[string]string{"spine.toml": project, "flow.toml": resumeFlow("gate_unsafe")})
			id := killedRun(t, dir, se)
			se.release()
			before := se.counts()

			res := spine(t, dir, "run", "--resume", id, "flow.toml")
			if res.code != 1 || !strings.Contains(res.stderr, `step "s4" may have run`) ||
				!strings.Contains(res.stderr, "--resume "+id+" --accept s4") || !strings.Contains(res.stderr, "--rerun s4") {
				t.Fatalf("resume: exit %d, stderr:\n%s", res.code, res.stderr)
			}
			if got := se.counts(); !reflect.DeepEqual(got, before) {
				t.Fatalf("a refused resume called the server: %v, before %v", got, before)
			}

			file := filepath.Join(dir, "flow.toml")
			orig, _ := os.ReadFile(file)
			writeFile(t, file, string(orig)+"\n# changed\n")
			res = spine(t, dir, "run", "--resume", id, "flow.toml", "--"+how, "s4")
			if res.code != 2 || !strings.Contains(res.stderr, "changed since the run started") || !strings.Contains(res.stderr, "--force") {
				t.Fatalf("resume of a changed file: exit %d, stderr:\n%s", res.code, res.stderr)
			}
			writeFile(t, file, string(orig))

			doc := runWorkflowJSON(t, dir, "flow.toml", 0, "--resume", id, "--"+how, "s4")
			wantD, wantLast := 1, "did f after did e after "
			if how == "rerun" {
				wantD, wantLast = 2, "did f after did e after did d"
			}
			got := se.counts()
			if got["d"] != wantD || got["a"] != 1 || got["c after did b after did a"] != 1 || len(got) != 6 {
				t.Errorf("calls = %v: want a..c once, d %d time(s)", got, wantD)
			}
			if doc.Outputs["last"] != wantLast {
				t.Errorf("last = %q, want %q", doc.Outputs["last"], wantLast)
			}
		})
	}
}
