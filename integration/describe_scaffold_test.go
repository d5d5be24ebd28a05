package integration

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spine-mcp/spine/integration/scaffoldtest"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// The demo server's scaffold builds, passes its own tests (the upstream started as
// spine.toml says), and serves and forwards as described.
func TestDescribeScaffoldDemo(t *testing.T) {
	noServersLeft(t)
	scaffoldtest.Check(t, scaffoldtest.Case{
		Project: repoRoot(t),
		Server:  "demo",
		Echo:    map[string]any{"text": "through the scaffold"},
		Want:    "through the scaffold",
	})
}

// In delegated mode the builder SPINE ships writes the module; it passes the checks, and its
// files are the standalone ones.
func TestDescribeScaffoldDelegated(t *testing.T) {
	noServersLeft(t)
	root := repoRoot(t)
	standalone, delegated := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	if r := spine(t, root, "describe", "--scaffold", standalone, "--server", "demo"); r.code != 0 {
		t.Fatalf("standalone: exit %d\n%s", r.code, r.stderr)
	}
	r := spine(t, root, "describe", "--scaffold", delegated, "--server", "demo", "--mode", "delegated", "--output", "json")
	if r.code != 0 {
		t.Fatalf("delegated: exit %d\n%s", r.code, r.stderr)
	}
	var out struct {
		Generator      string   `json:"generator"`
		FallbackReason string   `json:"fallback_reason"`
		Files          []string `json:"files"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if out.FallbackReason != "" || !strings.Contains(out.Generator, "(builder)") {
		t.Fatalf("generator %q, fallback %q: want the builder's files", out.Generator, out.FallbackReason)
	}
	for _, f := range out.Files {
		a, errA := os.ReadFile(filepath.Join(standalone, f))
		b, errB := os.ReadFile(filepath.Join(delegated, f))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: the builder's file differs from the standalone one (%v, %v)", f, errA, errB)
		}
	}
}

func TestDescribeScaffoldUsage(t *testing.T) {
	root := repoRoot(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--scaffold", t.TempDir(), "--compose"}, "can't go together"},
		{[]string{"--scaffold", t.TempDir(), "--out", t.TempDir()}, "can't go with --out"},
		{[]string{"--force"}, "--force is for --scaffold"},
	} {
		if r := spine(t, root, append([]string{"describe"}, c.args...)...); r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("describe %v: exit %d, stderr %q; want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
	two := describeProject(t, `
[servers.demo]
command = %[1]q
args = ["demo-server"]

[servers.other]
command = %[1]q
args = ["demo-server"]
`)
	if r := spine(t, two, "describe", "--scaffold", t.TempDir()); r.code != 2 || !strings.Contains(r.stderr, "name it with --server") {
		t.Errorf("two servers, none named: exit %d, stderr %q", r.code, r.stderr)
	}
}

// --compose prints one L0 for every server described: which server for what, each one's own
// instructions kept.
func TestDescribeCompose(t *testing.T) {
	spinetest.NoLeaks(t)
	dir := describeProject(t, `
[servers.demo]
command = %[1]q
args = ["demo-server"]

[servers.other]
command = %[1]q
args = ["demo-server"]
`)
	r := spine(t, dir, "describe", "--compose")
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	for _, want := range []string{"## Which server for what", "- `demo`", "- `other`", "## `demo`", "## `other`", "### From the server", "spine-demo is the demo MCP server"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("%q missing from\n%s", want, r.stdout)
		}
	}
	again := spine(t, dir, "describe", "--compose", "other", "demo")
	if again.stdout != r.stdout {
		t.Errorf("the order of the servers named changed the text")
	}
	if n := len(r.stdout) / 4; n > 1024+64 {
		t.Errorf("about %d tokens, over the L0 budget", n)
	}
}
