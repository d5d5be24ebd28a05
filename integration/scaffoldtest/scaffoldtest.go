// Package scaffoldtest checks, end to end, the Go module `spine describe --scaffold` writes
// for a server: it generates the module from a project, runs go vet and go test inside it
// with the build's module cache and no network, then builds the generated server, starts it
// and drives it with the go-sdk client. The integration tests of the demo server and of the
// npm reference servers share it; it holds test helpers only.
package scaffoldtest

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

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/describe"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// Case is one server to scaffold and drive.
type Case struct {
	Project string         // the directory of the project's spine.toml
	Server  string         // the server to scaffold
	Echo    map[string]any // the arguments of its echo tool
	Want    string         // a text the echo answer holds
}

// Check scaffolds c.Server into a new directory and checks the module: generation is
// deterministic and refuses to overwrite without --force; go vet and go test pass inside,
// with the call to the upstream made (not skipped); the built server serves the layers as
// `spine describe` writes them and forwards an echo call. It returns the module's directory.
func Check(t *testing.T, c Case) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), c.Server)
	spine(t, c.Project, 0, "describe", "--scaffold", dir, "--server", c.Server)
	first := readTree(t, dir)

	// Again: refused without --force, the same bytes with it.
	if r := spine(t, c.Project, 2, "describe", "--scaffold", dir, "--server", c.Server); !strings.Contains(r, "--force") {
		t.Errorf("a second scaffold without --force: stderr %q, want it to name --force", r)
	}
	spine(t, c.Project, 0, "describe", "--scaffold", dir, "--server", c.Server, "--force")
	if again := readTree(t, dir); !equalTrees(first, again) {
		t.Error("regenerating wrote other bytes")
	}

	env := goEnv(t)
	goTool(t, dir, env, "vet", "./...")
	out := goTool(t, dir, env, "test", "-count=1", "-v", "./...")
	for _, test := range []string{"TestInstructionsServed", "TestSchemaResourceServed", "TestDocsServed", "TestPromptsServed", "TestToolsListed", "TestCallForwarded", "TestCallReachesUpstream", "TestUpstreamRestarts", "TestResolveTarget"} {
		if !strings.Contains(out, "--- PASS: "+test+" ") {
			t.Errorf("generated test %s did not pass:\n%s", test, out)
		}
	}

	bin := filepath.Join(t.TempDir(), c.Server+"-described")
	goTool(t, dir, env, "build", "-o", bin, ".")
	drive(t, c, dir, bin, env)
	return dir
}

// drive starts the generated server over stdio and checks what it serves against the
// description `spine describe` writes for the same server.
func drive(t *testing.T, c Case, dir, bin string, env []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	want := describeResult(t, c)

	cmd := exec.Command(bin)
	cmd.Dir, cmd.Env, cmd.Stderr = dir, env, os.Stderr
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "scaffold-test", Version: "0"}, nil).
		Connect(ctx, &mcp.CommandTransport{Command: cmd}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatalf("start the generated server: %v", err)
	}
	defer func() {
		if err := cs.Close(); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("close: %v", err)
		}
	}()

	if got := cs.InitializeResult().Instructions; got != want.Instructions {
		t.Errorf("instructions differ from spine describe's L0:\n got %q\nwant %q", got, want.Instructions)
	}
	schema, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: want.Schema.URI})
	if err != nil {
		t.Fatalf("read %s: %v", want.Schema.URI, err)
	}
	if len(schema.Contents) != 2 || schema.Contents[0].Text != want.Schema.Markdown {
		t.Errorf("%s: the markdown differs from spine describe's L1", want.Schema.URI)
	}
	var tools struct {
		Tools []describe.ToolSchema `json:"tools"`
	}
	if len(schema.Contents) == 2 {
		if err := json.Unmarshal([]byte(schema.Contents[1].Text), &tools); err != nil || len(tools.Tools) != len(want.Schema.Tools) {
			t.Errorf("%s: the JSON holds %d tools (%v), want %d", want.Schema.URI, len(tools.Tools), err, len(want.Schema.Tools))
		}
	}
	for name, text := range map[string]string{"README.md": want.Docs.README, "SKILL.md": want.Docs.Skill, "MCP_INFO.md": want.Docs.MCPInfo} {
		uri := c.Server + "://docs/" + name
		res, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
		if err != nil {
			t.Fatalf("read %s: %v", uri, err)
		}
		if len(res.Contents) != 1 || res.Contents[0].Text != text {
			t.Errorf("%s differs from spine describe's L3 %s", uri, name)
		}
	}
	for _, p := range want.Prompts {
		args := map[string]string{}
		for _, a := range p.Arguments {
			args[a.Name] = "x"
		}
		res, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: p.Name, Arguments: args})
		if err != nil {
			t.Fatalf("prompt %q: %v", p.Name, err)
		}
		if len(res.Messages) != 1 {
			t.Fatalf("prompt %q: %d messages, want 1", p.Name, len(res.Messages))
		}
		if tc, ok := res.Messages[0].Content.(*mcp.TextContent); !ok || tc.Text != p.Render(args) {
			t.Errorf("prompt %q differs from spine describe's L2", p.Name)
		}
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: c.Echo})
	if err != nil {
		t.Fatalf("echo through the generated server: %v", err)
	}
	var text strings.Builder
	for _, content := range res.Content {
		if tc, ok := content.(*mcp.TextContent); ok {
			text.WriteString(tc.Text)
		}
	}
	if res.IsError || !strings.Contains(text.String(), c.Want) {
		t.Errorf("echo answered %q (isError %v), want it to hold %q", text.String(), res.IsError, c.Want)
	}
}

// describeResult is `spine describe --server S --output json` for c's server.
func describeResult(t *testing.T, c Case) describe.Result {
	t.Helper()
	var doc struct {
		Servers map[string]describe.Result `json:"servers"`
	}
	out := spineOut(t, c.Project, "describe", "--server", c.Server, "--output", "json")
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("spine describe: %v\n%s", err, out)
	}
	r, ok := doc.Servers[c.Server]
	if !ok {
		t.Fatalf("spine describe did not describe %q:\n%s", c.Server, out)
	}
	return r
}

// goEnv is the environment of the go commands and of the generated server: the build's
// module cache, no network, no workspace, and the spine binary first on PATH, so that a
// config's `command = "spine"` is the spine under test.
func goEnv(t *testing.T) []string {
	t.Helper()
	cache, err := exec.Command(goBin(t), "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOMODCACHE: %v", err)
	}
	return append(os.Environ(),
		"GOMODCACHE="+strings.TrimSpace(string(cache)),
		"GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local",
		"PATH="+filepath.Dir(spinetest.Binary(t))+string(os.PathListSeparator)+os.Getenv("PATH"),
	)
}

func goBin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH: %v", err)
	}
	return p
}

// goTool runs the go command in dir and returns its output; it fails the test when go does.
func goTool(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*spinetest.Patience)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin(t), args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s in the scaffold: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// spine runs the spine binary in dir, checks its exit code and returns its stderr.
func spine(t *testing.T, dir string, code int, args ...string) string {
	t.Helper()
	_, stderr, got := run(t, dir, args...)
	if got != code {
		t.Fatalf("spine %s: exit %d, want %d\nstderr: %s", strings.Join(args, " "), got, code, stderr)
	}
	return stderr
}

// spineOut runs the spine binary in dir and returns its stdout; it must exit 0.
func spineOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	stdout, stderr, code := run(t, dir, args...)
	if code != 0 {
		t.Fatalf("spine %s: exit %d\nstderr: %s", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

func run(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*spinetest.Patience)
	defer cancel()
	cmd := exec.CommandContext(ctx, spinetest.Binary(t), args...)
	cmd.Dir = dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("spine %s: %v", strings.Join(args, " "), err)
	}
	return o.String(), e.String(), code
}

// readTree reads every file under dir, by slash path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func equalTrees(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
