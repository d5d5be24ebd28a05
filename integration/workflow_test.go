package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// wfRunDoc is the JSON document of `spine run --output json`, as far as the tests read it.
type wfRunDoc struct {
	Workflow   string  `json:"workflow"`
	RunID      string  `json:"run_id"`
	OK         bool    `json:"ok"`
	DurationMs float64 `json:"duration_ms"`
	Error      string  `json:"error"`
	Steps      []struct {
		ID         string          `json:"id"`
		Kind       string          `json:"kind"`
		Server     string          `json:"server"`
		Status     string          `json:"status"`
		Attempts   int             `json:"attempts"`
		Started    time.Time       `json:"started"`
		Finished   time.Time       `json:"finished"`
		DurationMs float64         `json:"duration_ms"`
		Text       string          `json:"text"`
		Result     json.RawMessage `json:"result"`
		Error      string          `json:"error"`
	} `json:"steps"`
	Outputs map[string]any `json:"outputs"`
	Stats   struct {
		Servers map[string]struct {
			SessionsCreated int `json:"sessions_created"`
			Calls           int `json:"calls"`
		} `json:"servers"`
	} `json:"stats"`
}

// runWorkflowJSON runs `spine run FILE --output json` in dir and decodes its document.
func runWorkflowJSON(t *testing.T, dir, file string, wantCode int, extra ...string) wfRunDoc {
	t.Helper()
	res := spine(t, dir, append([]string{"run", file, "--output", "json"}, extra...)...)
	if res.code != wantCode {
		t.Fatalf("spine run %s: exit %d, want %d\nstderr:\n%s", file, res.code, wantCode, res.stderr)
	}
	var doc wfRunDoc
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatalf("spine run %s: stdout is not the JSON document: %v\n%s", file, err, res.stdout)
	}
	return doc
}

// wfFiles writes name → content into a fresh directory; BIN in content becomes the path
// of the spine binary under test.
func wfFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		content = strings.ReplaceAll(content, "BIN", spinetest.Binary(t))
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// wfDemoProject is a spine.toml with one demo server run from the binary under test.
const wfDemoProject = `
[servers.demo]
command = "BIN"
args    = ["demo-server"]
`

func TestExamplesRun(t *testing.T) {
	noServersLeft(t)
	root := repoRoot(t)
	for _, name := range []string{"sequential", "fanout", "resource-prompt", "continue-on-error", "inputs", "if", "for-each", "durable"} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join("examples", name+".toml")
			res := spine(t, root, "run", file)
			if res.code != 0 {
				t.Fatalf("spine run %s: exit %d\nstdout:\n%s\nstderr:\n%s", file, res.code, res.stdout, res.stderr)
			}
			if strings.TrimSpace(res.stdout) == "" {
				t.Errorf("spine run %s printed no outputs", file)
			}
			doc := runWorkflowJSON(t, root, file, 0)
			if !doc.OK || doc.Workflow != name {
				t.Errorf("%s: workflow %q ok=%v (%s)", file, doc.Workflow, doc.OK, doc.Error)
			}
		})
	}
}

func TestRunVarsAndTextOutputs(t *testing.T) {
	noServersLeft(t)
	res := spine(t, repoRoot(t), "run", "examples/sequential.toml", "--var", "a=5", "--var", "b=8")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	want := "sum: 13\ndoubled: 26\nsaid: 5 + 8 = 13, doubled 26\n"
	if res.stdout != want {
		t.Errorf("stdout = %q, want %q", res.stdout, want)
	}
	// Not a terminal: one line per finished step on stderr, results only on stdout.
	for _, step := range []string{"sum", "double", "say"} {
		if !strings.Contains(res.stderr, "ok        "+step) {
			t.Errorf("stderr has no line for step %s:\n%s", step, res.stderr)
		}
	}
}

func TestRunTenSequentialStepsOnOneSession(t *testing.T) {
	noServersLeft(t)
	var wf strings.Builder
	// An inline server: the workflow brings its own, merged over an empty project.
	wf.WriteString("name = \"ten\"\n\n[servers.demo]\ncommand = \"BIN\"\nargs = [\"demo-server\"]\n")
	for i := 1; i <= 10; i++ {
		text := "s1"
		if i > 1 {
			text = fmt.Sprintf("{{ .steps.s%d.text }} s%d", i-1, i)
		}
		fmt.Fprintf(&wf, "\n[[steps]]\nid = \"s%d\"\nserver = \"demo\"\ntool = \"echo\"\nargs = { text = %q }\n", i, text)
	}
	dir := wfFiles(t, map[string]string{"ten.toml": wf.String()})
	doc := runWorkflowJSON(t, dir, "ten.toml", 0)
	if len(doc.Steps) != 10 {
		t.Fatalf("%d steps reported, want 10", len(doc.Steps))
	}
	for i, s := range doc.Steps {
		if s.ID != fmt.Sprintf("s%d", i+1) || s.Status != "ok" || s.Attempts != 1 {
			t.Errorf("step %d: %s %s after %d attempts, want s%d ok after 1", i, s.ID, s.Status, s.Attempts, i+1)
		}
		if i > 0 && s.Started.Before(doc.Steps[i-1].Finished) {
			t.Errorf("step %s started before %s finished", s.ID, doc.Steps[i-1].ID)
		}
	}
	if got := doc.Steps[9].Text; got != "s1 s2 s3 s4 s5 s6 s7 s8 s9 s10" {
		t.Errorf("last text = %q", got)
	}
	if n := doc.Stats.Servers["demo"].SessionsCreated; n != 1 {
		t.Errorf("sessions_created = %d, want 1: every step should reuse the warm session", n)
	}
	t.Logf("10 sequential steps in %.1fms", doc.DurationMs)
}

func TestRunFanOutOverlaps(t *testing.T) {
	noServersLeft(t)
	dir := wfFiles(t, map[string]string{"spine.toml": wfDemoProject, "fan.toml": `
[[steps]]
id = "a"
server = "demo"
tool = "sleep"
args = { ms = 300 }

[[steps]]
id = "b"
server = "demo"
tool = "sleep"
args = { ms = 300 }

[[steps]]
id = "c"
server = "demo"
tool = "sleep"
args = { ms = 300 }

[[steps]]
id = "d"
server = "demo"
tool = "sleep"
args = { ms = 300 }

[[steps]]
id = "join"
server = "demo"
tool = "echo"
args = { text = "{{ .steps.a.text }} {{ .steps.b.text }} {{ .steps.c.text }} {{ .steps.d.text }}" }
`})
	doc := runWorkflowJSON(t, dir, "fan.toml", 0)
	var lastStart, firstFinish, lastFinish time.Time
	for _, s := range doc.Steps[:4] {
		if lastStart.IsZero() || s.Started.After(lastStart) {
			lastStart = s.Started
		}
		if firstFinish.IsZero() || s.Finished.Before(firstFinish) {
			firstFinish = s.Finished
		}
		if s.Finished.After(lastFinish) {
			lastFinish = s.Finished
		}
	}
	if !lastStart.Before(firstFinish) {
		t.Errorf("the sleeps did not overlap: the last started at %s, the first finished at %s", lastStart, firstFinish)
	}
	if join := doc.Steps[4]; join.Started.Before(lastFinish) {
		t.Errorf("join started at %s, before the last sleep finished at %s", join.Started, lastFinish)
	}
	t.Logf("4 parallel 300ms sleeps + join in %.1fms", doc.DurationMs)
}

func TestRunFailingStep(t *testing.T) {
	noServersLeft(t)
	dir := wfFiles(t, map[string]string{"spine.toml": wfDemoProject, "bad.toml": `
[[steps]]
id = "hello"
server = "demo"
tool = "echo"
args = { text = "hi" }

[[steps]]
id = "boom"
server = "demo"
tool = "fail"
args = { message = "the sky fell" }
needs = ["hello"]

[[steps]]
id = "after"
server = "demo"
tool = "echo"
args = { text = "{{ .steps.boom.text }}" }
`})
	doc := runWorkflowJSON(t, dir, "bad.toml", 1)
	if doc.OK || !strings.Contains(doc.Error, `step "boom" failed`) {
		t.Errorf("ok=%v error %q: want the run failed by boom", doc.OK, doc.Error)
	}
	want := []string{"ok", "failed", "skipped"}
	for i, s := range doc.Steps {
		if s.Status != want[i] {
			t.Errorf("%s: %s, want %s", s.ID, s.Status, want[i])
		}
	}
	if boom := doc.Steps[1]; !strings.Contains(boom.Error, "the sky fell") || len(boom.Result) == 0 {
		t.Errorf("boom: error %q result %s: want the tool's message and its isError result", boom.Error, boom.Result)
	}
	if res := spine(t, dir, "run", "bad.toml"); res.code != 1 || !strings.Contains(res.stderr, "the sky fell") {
		t.Errorf("text mode: exit %d, stderr:\n%s", res.code, res.stderr)
	}
}

func TestRunContinueOnError(t *testing.T) {
	noServersLeft(t)
	doc := runWorkflowJSON(t, repoRoot(t), "examples/continue-on-error.toml", 0)
	got := map[string]string{}
	for _, s := range doc.Steps {
		got[s.ID] = s.Status
	}
	// use_lookup reads the failed step: it runs (dependents of a continued failure used to be
	// skipped) and sees .is_error and .error.
	want := map[string]string{"lookup": "failed", "use_lookup": "ok", "independent": "ok", "after": "ok"}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("%s: %s, want %s", id, got[id], st)
		}
	}
	if !doc.OK || doc.Outputs["lookup_failed"] != true {
		t.Errorf("ok=%v outputs %v: want ok, the failure visible in outputs", doc.OK, doc.Outputs)
	}
	if fb, _ := doc.Outputs["fallback"].(string); !strings.HasPrefix(fb, "no lookup (") || !strings.Contains(fb, "lookup service unavailable") {
		t.Errorf("fallback = %q: want the dependent to have read is_error and error", fb)
	}
}
