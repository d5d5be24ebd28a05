package thirdparty

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
	"github.com/spine-mcp/spine/workflows"
)

// chainExample is the workflow that chains two third-party servers.
const chainExample = "../../examples/thirdparty-chain.toml"

// TestChainWorkflow runs examples/thirdparty-chain.toml in process, with its inline servers
// merged over an empty project: everything's echo output becomes a memory entity that a later
// step finds by searching.
func TestChainWorkflow(t *testing.T) {
	requireServers(t)
	t.Setenv("SPINE_MEMORY_FILE", filepath.Join(t.TempDir(), "chain.jsonl"))
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
	marker := "SPINE_TEST_RUN=" + tmp // every process of this run inherits it
	// Servers inherit only a minimal environment: the project's config passes the marker on
	// (the workflow's server tables are merged over these, key by key).
	project := "[servers.everything]\ncommand = \"npx\"\nenv_vars = [\"SPINE_TEST_RUN\"]\n\n" +
		"[servers.memory]\ncommand = \"npx\"\nenv_vars = [\"SPINE_TEST_RUN\"]\n"
	if err := os.WriteFile(filepath.Join(tmp, "spine.toml"), []byte(project), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--project", tmp, "run", example, "--var", "topic=the CLI", "--output", "json")
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), marker, "SPINE_MEMORY_FILE="+filepath.Join(tmp, "chain.jsonl"))
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
}
