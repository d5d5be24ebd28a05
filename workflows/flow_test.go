package workflows

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestFlowParseErrors(t *testing.T) {
	step := "[[steps]]\nid = \"a\"\nserver = \"s\"\ntool = \"t\"\n"
	tests := []struct {
		name, src string
		step      string
		line      int
		key, msg  string
	}{
		{"if number", step + "if = 3\n", "a", 5, "if", "must be a template (a string) or true or false, not an integer"},
		{"if text", step + "if = \"maybe\"\n", "a", 5, "if", `"maybe" is neither a template nor true or false`},
		{"if empty", step + "if = \"\"\n", "a", 5, "if", "must not be empty"},
		{"if syntax", step + "if = \"{{ if }}\"\n", "a", 5, "if", "template: missing value for if"},
		{"if unknown step", step + "if = \"{{ .steps.chek.is_error }}\"\n", "a", 5, "if", `unknown step "chek"`},
		{"if reads item", step + "for_each = [1]\nif = \"{{ .item }}\"\n", "a", 6, "if", "only the tool, resource, prompt and args of a for_each step"},
		{"if unknown data", step + "if = \"{{ .stps.a.ok }}\"\n", "a", 5, "if", `unknown data .stps (did you mean "steps"?)`},
		{"for_each number", step + "for_each = 5\n", "a", 5, "for_each", "must be a list, or a template that yields one (a string), not an integer"},
		{"for_each text", step + "for_each = \"a, b\"\n", "a", 5, "for_each", "must be a list, or a template"},
		{"for_each unknown input", step + "for_each = \"{{ .inputs.topics }}\"\n", "a", 5, "for_each", `unknown input "topics"`},
		{"for_each itself", step + "for_each = \"{{ .steps.a.items }}\"\n", "a", 5, "for_each", "references the step itself"},
		{"item outside for_each", step + "args = { x = \"{{ .item }}\" }\n", "a", 5, "args.x", "only the tool, resource, prompt and args of a for_each step"},
		{"index in outputs", step + "[outputs]\nx = \"{{ .index }}\"\n", "", 6, "outputs.x", "for_each step"},
		{"max_parallel without for_each", step + "max_parallel = 2\n", "a", 5, "max_parallel", "this step has no for_each"},
		{"max_parallel zero", step + "for_each = [1]\nmax_parallel = 0\n", "a", 6, "max_parallel", "must be at least 1"},
		{"unknown step field", step + "[[steps]]\nid = \"b\"\nserver = \"s\"\ntool = \"t\"\nif = \"{{ .steps.a.eror }}\"\n", "b", 9, "if", `has no field "eror" (did you mean "error"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("flow.toml", []byte(tt.src))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse = %v; want an *Error", err)
			}
			if e.File != "flow.toml" || e.Step != tt.step || e.Line != tt.line || e.Key != tt.key || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got  step=%q line=%d key=%q msg=%q\nwant step=%q line=%d key=%q msg containing %q",
					e.Step, e.Line, e.Key, e.Msg, tt.step, tt.line, tt.key, tt.msg)
			}
		})
	}
}

// Template references in if and for_each are dependencies, like those in args.
func TestFlowDependencies(t *testing.T) {
	w, err := Parse("flow.toml", []byte(`
[inputs]
topics = { type = "array", default = ["x", "y"] }

[[steps]]
id = "check"
server = "s"
tool = "t"

[[steps]]
id = "list"
server = "s"
tool = "t"

[[steps]]
id = "each"
server = "s"
tool = "t"
if = "{{ not .steps.check.is_error }}"
for_each = "{{ .steps.list.json.items }}"
max_parallel = 4
args = { topic = "{{ .item }}", n = "{{ .index }}" }

[[steps]]
id = "plain"
server = "s"
tool = "t"
for_each = "{{ .inputs.topics }}"
if = false
`))
	if err != nil {
		t.Fatal(err)
	}
	each, _ := w.Step("each")
	if !reflect.DeepEqual(each.Deps, []string{"check", "list"}) || each.MaxParallel != 4 {
		t.Errorf("each: deps %v, max_parallel %d", each.Deps, each.MaxParallel)
	}
	scope := w.NewScope()
	scope.Set("check", Result{})
	scope.Set("list", Result{JSON: map[string]any{"items": []any{"p", "q"}}})
	if ok, err := each.RenderIf(scope); !ok || err != nil {
		t.Errorf("RenderIf = %v, %v", ok, err)
	}
	items, err := each.RenderForEach(scope)
	if err != nil || !reflect.DeepEqual(items, []any{"p", "q"}) {
		t.Fatalf("RenderForEach = %v, %v", items, err)
	}
	_, args, err := each.RenderItem(scope, 1, items[1])
	if err != nil || !reflect.DeepEqual(args, map[string]any{"topic": "q", "n": 1}) {
		t.Errorf("RenderItem = %v, %v", args, err)
	}
	plain, _ := w.Step("plain")
	if ok, _ := plain.RenderIf(scope); ok || plain.If != "false" {
		t.Errorf("if = false: %v (%q)", ok, plain.If)
	}
	if items, _ := plain.RenderForEach(scope); !reflect.DeepEqual(items, []any{"x", "y"}) {
		t.Errorf("for_each over an input = %v", items)
	}
}

func TestForEachIsBounded(t *testing.T) {
	w, err := Parse("flow.toml", []byte("[vars]\nn = 1\n[[steps]]\nid = \"a\"\nserver = \"s\"\ntool = \"t\"\nfor_each = \"{{ .steps.b.json }}\"\n[[steps]]\nid = \"b\"\nserver = \"s\"\ntool = \"t\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := w.Step("a")
	scope := w.NewScope()
	scope.Set("b", Result{JSON: make([]any, MaxForEachItems+1)})
	_, err = a.RenderForEach(scope)
	if err == nil || !strings.Contains(err.Error(), "for_each: 10001 items, more than 10000") {
		t.Errorf("RenderForEach over %d items = %v", MaxForEachItems+1, err)
	}
	scope.Set("b", Result{JSON: make([]any, MaxForEachItems)})
	if items, err := a.RenderForEach(scope); err != nil || len(items) != MaxForEachItems {
		t.Errorf("RenderForEach over %d items: %d, %v", MaxForEachItems, len(items), err)
	}
}
