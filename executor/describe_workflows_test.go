package executor_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/spine-mcp/spine/describe"
	"github.com/spine-mcp/spine/executor"
)

func TestLoadWorkflowFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"workflows/b.toml": "name = \"b\"\n[[steps]]\nid = \"s\"\nserver = \"other\"\ntool = \"t\"\n",
		"workflows/a.toml": "description = \"Reads, then asks.\"\n" +
			"[[steps]]\nid = \"one\"\nserver = \"demo\"\nresource = \"demo://readme\"\n" +
			"[[steps]]\nid = \"two\"\nserver = \"other\"\nprompt = \"ask\"\nneeds = [\"one\"]\n",
		"examples/broken.toml":       "[[steps]]\nid = \n",
		"examples/notes.md":          "not a workflow",
		"workflows/deeper/skip.toml": "name = \"deeper\"\n[[steps]]\nid = \"s\"\nserver = \"demo\"\ntool = \"t\"\n",
		"elsewhere/ignored.toml":     "name = \"elsewhere\"\n[[steps]]\nid = \"s\"\nserver = \"demo\"\ntool = \"t\"\n",
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
	found, skipped := executor.LoadWorkflowFiles(dir)
	var names []string
	for _, w := range found {
		names = append(names, w.File)
	}
	if want := []string{"workflows/a.toml", "workflows/b.toml"}; !reflect.DeepEqual(names, want) {
		t.Errorf("found %v, want %v", names, want)
	}
	if _, ok := skipped["examples/broken.toml"]; !ok || len(skipped) != 1 {
		t.Errorf("skipped = %v, want examples/broken.toml", skipped)
	}

	got := executor.WorkflowsUsing("demo", found)
	want := []describe.Workflow{{
		Name: "a", Description: "Reads, then asks.", File: "workflows/a.toml",
		Steps: []describe.WorkflowStep{
			{ID: "one", Kind: describe.StepResource, Target: "demo://readme"},
			{ID: "two", Kind: describe.StepPrompt, Target: "ask", Server: "other"},
		},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("WorkflowsUsing(demo) = %+v, want %+v", got, want)
	}
	if got := executor.WorkflowsUsing("nobody", found); len(got) != 0 {
		t.Errorf("WorkflowsUsing(nobody) = %+v, want none", got)
	}
}
