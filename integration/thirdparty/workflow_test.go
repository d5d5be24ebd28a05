package thirdparty

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
	"github.com/spine-mcp/spine/workflows"
)

// chainExample is the workflow that chains two third-party servers.
const chainExample = "../../examples/thirdparty-chain.toml"

// TestChainWorkflow runs examples/thirdparty-chain.toml in process, with its inline servers
// merged over an empty project: everything's echo output becomes a memory entity that a later
// step finds by searching. The memory server keeps its graph in a private directory under
// $TMPDIR, gone once the executor is closed.
func TestChainWorkflow(t *testing.T) {
	requireServers(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // servers inherit TMPDIR
	t.Setenv("SPINE_MEMORY_FILE", "")
	data, err := os.ReadFile(chainExample)
	if err != nil {
		t.Fatal(err)
	}
	wf, err := workflows.Parse(chainExample, data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if err := workflows.ApplyVars(wf, map[string]string{"topic": "pooled sessions"}); err != nil {
		t.Fatalf("ApplyVars: %v", err)
	}
	project, err := spinetest.Project().MergeTOML(chainExample, data)
	if err != nil {
		t.Fatalf("MergeTOML: %v", err)
	}
	spinetest.NoLeaks(t)
	ex := startProject(t, project)

	report, err := ex.RunWorkflow(testContext(t), wf)
	if err != nil {
		t.Fatalf("RunWorkflow: %v", err)
	}
	for _, s := range report.Steps {
		if s.Status != executor.StepOK {
			t.Errorf("step %s: %s %s", s.ID, s.Status, s.Error)
		}
	}
	if !report.OK || report.Outputs["note"] != "Echo: SPINE keeps pooled sessions" || report.Outputs["found"] != "note on pooled sessions" {
		t.Errorf("run ok = %v (%s), outputs = %v; want the echoed note found in memory", report.OK, report.Error, report.Outputs)
	}
	if n := ex.Stats().Servers["memory"].SessionsCreated; n != 1 {
		t.Errorf("memory sessions created = %d, want one for the run (isolation = \"affinity\")", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := ex.Close(ctx); err != nil { // the cleanup's Close finds it closed
		t.Fatalf("Close: %v", err)
	}
	assertEmptyDir(t, tmp)
}

// assertEmptyDir fails the test unless dir is empty: the memory server's private directory
// was removed when the server exited.
func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("%s left behind in $TMPDIR", filepath.Join(dir, e.Name()))
	}
}

// TestChainWorkflowCLI runs the same example with `spine run --output json`, then checks that
// the CLI left no server process behind.
func TestChainWorkflowCLI(t *testing.T) {
	requireServers(t)
	bin := spinetest.Binary(t)
	if help, _ := exec.Command(bin, "help").Output(); !strings.Contains(string(help), "\n  run ") {
		t.Skip("this spine has no run command (spine help does not list it)")
	}
	spinetest.NoLeaks(t)
	example, err := filepath.Abs(chainExample)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	// Every process of this run inherits TMPDIR (servers get it too, as a variable of the
	// minimal environment), so it marks them; the memory server's graph goes under it.
	serverTmp := filepath.Join(tmp, "tmp")
	if err := os.Mkdir(serverTmp, 0o700); err != nil {
		t.Fatal(err)
	}
	marker := "TMPDIR=" + serverTmp
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--project", tmp, "run", example, "--var", "topic=the CLI", "--output", "json")
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), marker, "SPINE_MEMORY_FILE=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if err != nil {
		t.Fatalf("spine run: %v\nstderr:\n%s", err, stderr.String())
	}

	var out struct {
		OK    bool `json:"ok"`
		Steps []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"steps"`
		Outputs map[string]any `json:"outputs"`
		Stats   struct {
			Servers map[string]struct {
				SessionsCreated int `json:"sessions_created"`
			} `json:"servers"`
		} `json:"stats"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("spine run --output json: %v\n%s", err, stdout.String())
	}
	if !out.OK || len(out.Steps) != 3 || out.Outputs["found"] != "note on the CLI" {
		t.Errorf("spine run = %s, want ok with the note found", stdout.String())
	}
	if n := out.Stats.Servers["memory"].SessionsCreated; n != 1 {
		t.Errorf("memory sessions created = %d, want both memory steps on one session", n)
	}

	waitNoEnv(t, marker)
	assertEmptyDir(t, serverTmp)
}

// TestChainWorkflowWithoutInstall runs the example against a copy of integration/thirdparty
// without node_modules: the servers fail to start, saying to run npm ci, and nothing is
// fetched. It needs Node.js only.
func TestChainWorkflowWithoutInstall(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not on PATH")
	}
	dir := t.TempDir()
	for _, f := range []struct{ from, to string }{
		{chainExample, "examples/thirdparty-chain.toml"},
		{"pinned.mjs", "integration/thirdparty/pinned.mjs"},
		{"package.json", "integration/thirdparty/package.json"},
	} {
		data, err := os.ReadFile(f.from)
		if err != nil {
			t.Fatal(err)
		}
		to := filepath.Join(dir, f.to)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(t.Context(), spinetest.Binary(t), "run", "examples/thirdparty-chain.toml")
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("spine run without the install: %v, want exit 1\nstderr:\n%s", err, stderr.String())
	}
	if want := "is not installed in integration/thirdparty/node_modules: run npm ci --prefix integration/thirdparty"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "integration/thirdparty/node_modules")); err == nil {
		t.Errorf("node_modules appeared: something was installed")
	}
}
