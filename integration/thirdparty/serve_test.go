package thirdparty

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// tsResult is what tsclient.mjs prints.
type tsResult struct {
	Instructions string         `json:"instructions"`
	Tools        []string       `json:"tools"`
	Echo         string         `json:"echo"`
	Add          map[string]any `json:"add"`
	Fail         bool           `json:"fail"`
	Counter      []string       `json:"counter"`
	Readme       bool           `json:"readme"`
	Schema       bool           `json:"schema"`
	Prompt       int            `json:"prompt"`
	Cancelled    bool           `json:"cancelled"`
	Grown        bool           `json:"grown"`
	ListChanged  bool           `json:"listChanged"`
}

// serveProject is the demo server twice (shared and affinity) and server-everything.
func serveProject(t *testing.T, dir string) string {
	t.Helper()
	project := t.TempDir()
	toml := `
[servers.demo]
command = "` + spinetest.Binary(t) + `"
args = ["demo-server"]

[servers.aff]
command = "` + spinetest.Binary(t) + `"
args = ["demo-server"]
isolation = "affinity"

[servers.everything]
command = "node"
args = ["` + filepath.Join(dir, "pinned.mjs") + `", "server-everything"]
`
	if err := os.WriteFile(filepath.Join(project, "spine.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return project
}

// TestServeTSClient drives spine serve, over HTTP and over stdio, with the TypeScript SDK's
// v1 client (the session-based protocol): list, calls of every kind, an affinity server,
// resources, the served L0/L1, prompts, cancellation, list_changed after grow;
// server-everything's tools are listed too. The v2 client drives the HTTP endpoint on the
// sessionless 2026-07-28 protocol, reaching the affinity server through a handle, and answers
// the demo server's elicitation and sampling questions, which reach it in rounds.
func TestServeTSClient(t *testing.T) {
	dir := requireServers(t)
	spinetest.NoLeaks(t)
	project := serveProject(t, dir)

	cmd := exec.Command(spinetest.Binary(t), "serve", "--http", "127.0.0.1:0")
	cmd.Dir = project
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatalf("no URL\n%s", stderr.String())
	}
	url := sc.Text()

	t.Run("v2", func(t *testing.T) {
		node := exec.Command("node", filepath.Join(dir, "tsclient2.mjs"), url)
		var nodeErr strings.Builder
		node.Stderr = &nodeErr
		out, err := node.Output()
		if err != nil {
			t.Fatalf("tsclient2.mjs: %v\n%s", err, nodeErr.String())
		}
		var r tsResult2
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		checkTS2(t, r)
	})
	for _, mode := range [][]string{{"http", url}, {"stdio", spinetest.Binary(t), project}} {
		t.Run(mode[0], func(t *testing.T) {
			node := exec.Command("node", append([]string{filepath.Join(dir, "tsclient.mjs")}, mode...)...)
			var nodeErr strings.Builder
			node.Stderr = &nodeErr
			out, err := node.Output()
			if err != nil {
				t.Fatalf("tsclient.mjs %s: %v\n%s", mode[0], err, nodeErr.String())
			}
			var r tsResult
			if err := json.Unmarshal(out, &r); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			checkTS(t, r)
		})
	}
}

// tsResult2 is what tsclient2.mjs prints.
type tsResult2 struct {
	Version      string         `json:"version"`
	Instructions string         `json:"instructions"`
	Tools        []string       `json:"tools"`
	Echo         string         `json:"echo"`
	Add          map[string]any `json:"add"`
	Schema       bool           `json:"schema"`
	Prompt       int            `json:"prompt"`
	Counter      []string       `json:"counter"`
	Ask          string         `json:"ask"`
	Sample       string         `json:"sample"`
	Asked        []string       `json:"asked"`
}

// checkTS2 checks what the v2 client saw on the sessionless protocol.
func checkTS2(t *testing.T, r tsResult2) {
	t.Helper()
	if r.Version != "2026-07-28" {
		t.Errorf("negotiated %q, want 2026-07-28", r.Version)
	}
	if !slices.Contains(r.Tools, "everything__echo") || !slices.Contains(r.Tools, "aff__open_session") {
		t.Errorf("tools: %v", r.Tools)
	}
	if r.Echo != "from ts v2" || r.Add["sum"] != float64(5) || !r.Schema || r.Prompt == 0 ||
		!strings.Contains(r.Instructions, "## `demo`") {
		t.Errorf("v2: %+v", r)
	}
	if strings.Join(r.Counter, ",") != "1,2,3" {
		t.Errorf("affinity counter through a handle: %v", r.Counter)
	}
	// The demo server's questions, asked of the v2 client in rounds and answered by its SDK.
	if r.Ask != "answer: ts-v2" || r.Sample != "model ts-model: sampled" || strings.Join(r.Asked, "|") != "who are you?|say hi" {
		t.Errorf("questions in rounds: ask %q, sample %q, asked %q", r.Ask, r.Sample, r.Asked)
	}
}

func checkTS(t *testing.T, r tsResult) {
	t.Helper()
	for _, want := range []string{"demo__echo", "aff__counter", "everything__echo"} {
		if !slices.Contains(r.Tools, want) {
			t.Errorf("tools lack %s: %v", want, r.Tools)
		}
	}
	if r.Echo != "from ts" || r.Add["sum"] != float64(5) || !r.Fail {
		t.Errorf("calls: echo %q, add %v, fail %v", r.Echo, r.Add, r.Fail)
	}
	if strings.Join(r.Counter, ",") != "1,2,3" {
		t.Errorf("affinity counter: %v", r.Counter)
	}
	if !r.Readme || !r.Schema || r.Prompt == 0 || !strings.Contains(r.Instructions, "## `demo`") {
		t.Errorf("resources/prompts/L0: readme %v schema %v prompt %d instructions %.80q", r.Readme, r.Schema, r.Prompt, r.Instructions)
	}
	if !r.Cancelled || !r.Grown || !r.ListChanged {
		t.Errorf("cancelled %v, grown %v, list_changed %v", r.Cancelled, r.Grown, r.ListChanged)
	}
}
