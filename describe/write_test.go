package describe

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteDir(t *testing.T) {
	dir := t.TempDir()
	r := generate(t, demoConfig())
	if err := WriteDir(dir, r); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "demo"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 7 {
		t.Errorf("%d files written, want 7", len(entries))
	}
	read := func(name string) string {
		t.Helper()
		path := filepath.Join(dir, "demo", name)
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm&^0o644 != 0 {
			t.Errorf("%s: mode %v, want at most 0644", name, perm)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(string(data), "\n") {
			t.Errorf("%s does not end with a newline", name)
		}
		return string(data)
	}
	for _, name := range files {
		read(name)
	}
	if got := read("instructions.md"); got != r.Instructions {
		t.Error("instructions.md is not L0")
	}
	var schema struct {
		URI   string       `json:"uri"`
		Tools []ToolSchema `json:"tools"`
	}
	if err := json.Unmarshal([]byte(read("schema.json")), &schema); err != nil || schema.URI != "demo://schema" || len(schema.Tools) != 8 {
		t.Errorf("schema.json: %v, uri %q, %d tools", err, schema.URI, len(schema.Tools))
	}
	var prompts []PromptDef
	if err := json.Unmarshal([]byte(read("prompts.json")), &prompts); err != nil || len(prompts) != len(r.Prompts) {
		t.Errorf("prompts.json: %v, %d prompts", err, len(prompts))
	}
	if _, err := parseSkillFrontMatter(read("SKILL.md")); err != nil {
		t.Errorf("SKILL.md: %v", err)
	}

	// Writing again replaces the files.
	r.Docs.README = "# replaced\n"
	if err := WriteDir(dir, r); err != nil {
		t.Fatal(err)
	}
	if got := read("README.md"); got != "# replaced\n" {
		t.Errorf("README.md not replaced: %q", got)
	}
}

func TestWriteDirRejectsPathsAsServerNames(t *testing.T) {
	for _, name := range []string{"", ".", "..", "../x", `a\b`, "a/b"} {
		if err := WriteDir(t.TempDir(), Result{Server: name}); err == nil {
			t.Errorf("server %q: accepted", name)
		}
	}
}

func TestMarkdownHasEveryLayer(t *testing.T) {
	md := Markdown(generate(t, demoConfig()))
	for _, want := range []string{
		"## L0: server instructions", "## L1: parameter reference (`demo://schema`)", "## L2: prompts",
		"## L3: static documents", "### SKILL.md", "## Metadata", "#### Tool selection guide",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}
