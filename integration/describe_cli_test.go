package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/describe"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// describeDoc is what `spine describe --output json` prints.
type describeDoc struct {
	Servers map[string]describe.Result `json:"servers"`
	Errors  map[string]string          `json:"errors"`
}

// describeJSON runs `spine describe ... --output json` in dir and decodes its answer.
func runDescribeJSON(t *testing.T, dir string, wantCode int, args ...string) (describeDoc, result) {
	t.Helper()
	r := spine(t, dir, append(append([]string{"describe"}, args...), "--output", "json")...)
	if r.code != wantCode {
		t.Fatalf("spine describe %s: exit %d, want %d\nstderr: %s", strings.Join(args, " "), r.code, wantCode, r.stderr)
	}
	var doc describeDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("stdout is not a describe document: %v\n%s", err, r.stdout)
	}
	return doc, r
}

// project writes a spine.toml into a new directory. %[1]q in config is the spine binary.
func describeProject(t *testing.T, config string) string {
	t.Helper()
	dir := t.TempDir()
	data := fmt.Sprintf(config, spinetest.Binary(t))
	if err := os.WriteFile(filepath.Join(dir, "spine.toml"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestDescribeDemoJSON(t *testing.T) {
	spinetest.NoLeaks(t)
	root := repoRoot(t)
	doc, first := runDescribeJSON(t, root, 0, "--server", "demo")
	if len(doc.Errors) != 0 || len(doc.Servers) != 1 {
		t.Fatalf("servers %v, errors %v: want demo alone", describeKeys(doc.Servers), doc.Errors)
	}
	r := doc.Servers["demo"]
	if r.Metadata.Mode != describe.ModeStandalone || r.Metadata.FallbackReason != "" {
		t.Errorf("metadata = %+v, want standalone", r.Metadata)
	}

	// Every tool the demo server lists is documented in L0 and L1.
	tools := spine(t, root, "tools", "demo", "--output", "json")
	var listed struct {
		Servers map[string]struct {
			Tools []struct{ Name string } `json:"tools"`
		} `json:"servers"`
	}
	if err := json.Unmarshal([]byte(tools.stdout), &listed); err != nil || len(listed.Servers["demo"].Tools) == 0 {
		t.Fatalf("spine tools demo: %v\n%s", err, tools.stdout)
	}
	var documented []string
	for _, tool := range r.Schema.Tools {
		documented = append(documented, tool.Name)
	}
	for _, tool := range listed.Servers["demo"].Tools {
		if !slices.Contains(documented, tool.Name) || !strings.Contains(r.Schema.Markdown, tool.Name) {
			t.Errorf("tool %q missing from L1 (%v)", tool.Name, documented)
		}
		if !strings.Contains(r.Instructions, "`"+tool.Name+"`") {
			t.Errorf("tool %q missing from L0", tool.Name)
		}
	}
	// The resource and the prompt are in L0 and in MCP_INFO.md.
	for _, want := range []string{"demo://readme", "summarize"} {
		if !strings.Contains(r.Instructions, want) || !strings.Contains(r.Docs.MCPInfo, want) {
			t.Errorf("%q missing from L0 or MCP_INFO.md", want)
		}
	}
	if r.Schema.URI != "demo://schema" || len(r.Prompts) == 0 {
		t.Errorf("schema URI %q, %d prompts", r.Schema.URI, len(r.Prompts))
	}

	// Standalone output is deterministic: a second run prints the same bytes.
	if _, second := runDescribeJSON(t, root, 0, "--server", "demo"); first.stdout != second.stdout {
		t.Error("two runs of spine describe --server demo --output json differ")
	}
}

// TestDescribeDelegated: with nothing configured, delegated mode uses the shipped builder
// (added implicitly), which is not described itself.
func TestDescribeDelegated(t *testing.T) {
	spinetest.NoLeaks(t)
	doc, _ := runDescribeJSON(t, repoRoot(t), 0, "--mode", "delegated")
	if names := describeKeys(doc.Servers); !slices.Equal(names, []string{"demo"}) || len(doc.Errors) != 0 {
		t.Fatalf("servers %v, errors %v: want demo alone", names, doc.Errors)
	}
	md := doc.Servers["demo"].Metadata
	if md.Mode != describe.ModeDelegated || md.FallbackReason != "" || md.Generator != describe.BuilderGenerator {
		t.Errorf("metadata = %+v, want delegated through the shipped builder", md)
	}
}

// TestDescribeBuilderFallback: a builder that can't run, or that answers garbage, leaves
// the standalone description with the reason.
func TestDescribeBuilderFallback(t *testing.T) {
	tests := []struct {
		name, config, reason string
	}{
		{"command missing", `
[describe]
builder_server = "builder"

[servers.builder]
command         = "/nonexistent/spine-builder"
acquire_timeout = "2s"
`, `builder "builder"`},
		{"garbage answer", `
[describe]
builder_server = "demo"
builder_tool   = "echo"
`, `builder "demo" tool "echo"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spinetest.NoLeaks(t)
			dir := describeProject(t, "[servers.demo]\ncommand = %[1]q\nargs = [\"demo-server\"]\n"+tt.config)
			doc, _ := runDescribeJSON(t, dir, 0, "--server", "demo", "--mode", "delegated")
			md := doc.Servers["demo"].Metadata
			if md.Mode != describe.ModeStandalone || !strings.Contains(md.FallbackReason, tt.reason) {
				t.Errorf("metadata = %+v, want standalone with a fallback reason naming %s", md, tt.reason)
			}
		})
	}
}

// TestDescribeOutDir writes the seven files of every server; SKILL.md has its front matter.
func TestDescribeOutDir(t *testing.T) {
	spinetest.NoLeaks(t)
	root := repoRoot(t)
	out := t.TempDir()
	r := spine(t, root, "describe", "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	if len(r.stdout) != 0 {
		t.Errorf("with --out and no --output, stdout should stay empty; got %d bytes", len(r.stdout))
	}
	p, err := capability.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Enabled() {
		for _, name := range []string{"instructions.md", "schema.json", "schema.md", "prompts.json", "README.md", "SKILL.md", "MCP_INFO.md"} {
			path := filepath.Join(out, s.Name, name)
			data, err := os.ReadFile(path)
			if err != nil || len(bytes.TrimSpace(data)) == 0 {
				t.Errorf("%s: %v (%d bytes)", path, err, len(data))
			}
			if !strings.Contains(r.stderr, path) {
				t.Errorf("stderr does not say it wrote %s", path)
			}
		}
		skill, _ := os.ReadFile(filepath.Join(out, s.Name, "SKILL.md"))
		checkSkillFrontMatter(t, s.Name, string(skill))
	}
}

// checkFrontMatter checks that SKILL.md starts with "---", then name: and description:
// lines, then "---".
func checkSkillFrontMatter(t *testing.T, server, doc string) {
	t.Helper()
	rest, ok := strings.CutPrefix(doc, "---\n")
	block, _, closed := strings.Cut(rest, "\n---\n")
	if !ok || !closed {
		t.Fatalf("%s SKILL.md: no front matter between --- lines:\n%s", server, doc)
	}
	fields := map[string]string{}
	for _, line := range strings.Split(block, "\n") {
		k, v, _ := strings.Cut(line, ":")
		fields[k] = strings.TrimSpace(v)
	}
	if fields["name"] != server || fields["description"] == "" {
		t.Errorf("%s SKILL.md front matter = %v, want name: %s and a description", server, fields, server)
	}
}

// TestDescribeUnreachable: a server that can't start is reported, the others are still
// described, and the exit code is 1.
func TestDescribeUnreachable(t *testing.T) {
	spinetest.NoLeaks(t)
	dir := describeProject(t, `
[servers.demo]
command = %[1]q
args    = ["demo-server"]

[servers.broken]
command         = "/nonexistent/server"
acquire_timeout = "2s"
`)
	doc, r := runDescribeJSON(t, dir, 1)
	if _, ok := doc.Servers["demo"]; !ok || len(doc.Servers) != 1 {
		t.Errorf("described %v, want demo", describeKeys(doc.Servers))
	}
	if msg := doc.Errors["broken"]; !strings.Contains(msg, `"broken"`) {
		t.Errorf("errors = %v, want one for broken", doc.Errors)
	}
	if !strings.Contains(r.stderr, "broken:") {
		t.Errorf("stderr does not report broken:\n%s", r.stderr)
	}
}

// TestDescribeWorkflowPrompts: workflow files in the project's workflows/ and examples/
// directories that use a server become its L2 prompts; files that are not workflows are
// left out without failing the run.
func TestDescribeWorkflowPrompts(t *testing.T) {
	spinetest.NoLeaks(t)
	dir := describeProject(t, "[servers.demo]\ncommand = %[1]q\nargs = [\"demo-server\"]\n")
	files := map[string]string{
		"workflows/greet.toml": `name = "greet"
description = "Greets, then adds."
[[steps]]
id = "hello"
server = "demo"
tool = "echo"
args = { text = "hi" }
[[steps]]
id = "sum"
server = "demo"
tool = "add"
args = { a = 1, b = 2 }
`,
		"examples/other.toml":      "name = \"other\"\n[[steps]]\nid = \"x\"\nserver = \"elsewhere\"\ntool = \"t\"\n",
		"examples/not-a-flow.toml": "this is = = not toml\n",
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	doc, _ := runDescribeJSON(t, dir, 0)
	var names []string
	for _, p := range doc.Servers["demo"].Prompts {
		names = append(names, p.Name)
		if p.Name == "workflow_greet" && !strings.Contains(p.Text, "workflows/greet.toml") {
			t.Errorf("workflow_greet does not name its file:\n%s", p.Text)
		}
	}
	if !slices.Contains(names, "workflow_greet") || slices.Contains(names, "workflow_other") {
		t.Errorf("prompts = %v, want workflow_greet and not workflow_other", names)
	}
}

func TestDescribeMarkdown(t *testing.T) {
	spinetest.NoLeaks(t)
	r := spine(t, repoRoot(t), "describe", "demo")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "# Self-description of `demo`\n") {
		t.Fatalf("exit %d, stdout starts %.80q\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	for _, layer := range []string{"## L0", "## L1", "## L2", "## L3", "## Metadata"} {
		if !strings.Contains(r.stdout, layer) {
			t.Errorf("markdown has no %q section", layer)
		}
	}
}

func TestDescribeUsage(t *testing.T) {
	root := repoRoot(t)
	for _, args := range [][]string{
		{"describe", "--server", "nope"},
		{"describe", "--mode", "magic"},
		{"describe", "--output", "yaml"},
	} {
		if r := spine(t, root, args...); r.code != 2 {
			t.Errorf("spine %s: exit %d, want 2\nstderr: %s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
}

func describeKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
