package workflows

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func testScope() Scope {
	return Scope{
		Vars: map[string]any{"topic": "pooling", "n": int64(3), "ratio": 0.5, "on": true},
		Steps: map[string]Result{
			"a": {Text: "hello", JSON: map[string]any{"items": []any{"x", "y"}, "count": 2.0, "meta": map[string]any{"k": "v"}}},
			"b": {Text: "boom", IsError: true},
		},
	}
}

func TestRenderString(t *testing.T) {
	tests := []struct {
		src  string
		want any
	}{
		{"plain text", "plain text"},
		{"about {{ .vars.topic }}", "about pooling"},
		{"{{ .vars.topic }}", "pooling"},
		{"{{ .vars.n }}", int64(3)},
		{"  {{ .vars.ratio }}\n", 0.5},
		{"{{- .vars.on -}}", true},
		{"{{ .steps.a.json.count }}", 2.0},
		{"{{ .steps.a.json.items }}", []any{"x", "y"}},
		{"{{ .steps.a.json.meta }}", map[string]any{"k": "v"}},
		{"{{ .steps.a.json }}", map[string]any{"items": []any{"x", "y"}, "count": 2.0, "meta": map[string]any{"k": "v"}}},
		{"{{ .steps.b.is_error }}", true},
		{"{{ index .steps.a.json.items 1 }}", "y"},
		{"{{ .steps.a.json.items | len }}", 2},
		{"{{ json .steps.a.json.items }}", `["x","y"]`},
		{"n={{ .vars.n }}", "n=3"},
		{"{{ .steps.a.json.items }} and more", "[x y] and more"},
		{"{{ .vars.n }}{{ .vars.n }}", "33"},
		{"{{ if .steps.b.is_error }}failed: {{ .steps.b.text }}{{ else }}ok{{ end }}", "failed: boom"},
		{"{{ $x := .vars.n }}", ""},
		{"{{ range .steps.a.json.items }}[{{ . }}]{{ end }}", "[x][y]"},
		{"{{/* note */}} {{ .vars.n }}", int64(3)},
	}
	data := testScope().data()
	for _, tt := range tests {
		got, err := render(tt.src, data)
		if err != nil {
			t.Errorf("render(%q): %v", tt.src, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("render(%q) = %#v, want %#v", tt.src, got, tt.want)
		}
	}
}

func TestStepRender(t *testing.T) {
	s := &Step{
		ID:     "c",
		Kind:   KindResource,
		Target: "demo://{{ .vars.topic }}/{{ .vars.n }}",
		Args: map[string]any{
			"text":  "about {{ .vars.topic }}",
			"n":     "{{ .vars.n }}",
			"items": "{{ .steps.a.json.items }}",
			"raw":   int64(7),
			"list":  []any{"{{ .steps.a.text }}", int64(1), map[string]any{"deep": "{{ .steps.a.json.count }}"}},
			"table": map[string]any{"inner": []any{"{{ .vars.on }}"}},
			"aot":   []map[string]any{{"x": "{{ .vars.topic }}"}},
		},
	}
	target, args, err := s.Render(testScope())
	if err != nil {
		t.Fatal(err)
	}
	if target != "demo://pooling/3" {
		t.Errorf("target = %q", target)
	}
	want := map[string]any{
		"text":  "about pooling",
		"n":     int64(3),
		"items": []any{"x", "y"},
		"raw":   int64(7),
		"list":  []any{"hello", int64(1), map[string]any{"deep": 2.0}},
		"table": map[string]any{"inner": []any{true}},
		"aot":   []any{map[string]any{"x": "pooling"}},
	}
	if !reflect.DeepEqual(args, want) {
		t.Errorf("args =\n%#v\nwant\n%#v", args, want)
	}
	if s.Args["n"] != "{{ .vars.n }}" {
		t.Error("Render changed the step's Args")
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		step Step
		key  string
		msg  string
	}{
		{Step{ID: "s", Kind: KindTool, Target: "t", Args: map[string]any{"x": "{{ .vars.nope }}"}}, "args.x", `map has no entry for key "nope"`},
		{Step{ID: "s", Kind: KindTool, Target: "t", Args: map[string]any{"x": "a {{ .steps.zz.text }}"}}, "args.x", `<.steps.zz.text>: map has no entry for key "zz"`},
		{Step{ID: "s", Kind: KindTool, Target: "t", Args: map[string]any{"l": []any{"ok", map[string]any{"y": "{{ .steps.a.json.nope }}"}}}}, "args.l[1].y", `no entry for key "nope"`},
		{Step{ID: "s", Kind: KindTool, Target: "t", Args: map[string]any{"x": "{{ .steps.b.json.x }}"}}, "args.x", "nil"},
		{Step{ID: "s", Kind: KindPrompt, Target: "{{ .vars.missing }}"}, "prompt", `no entry for key "missing"`},
		{Step{ID: "s", Kind: KindTool, Target: "t", Args: map[string]any{"x": "{{ .vars.n.field }}"}}, "args.x", "can't evaluate field field"},
	}
	for _, tt := range tests {
		_, _, err := tt.step.Render(testScope())
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%v: error %v is not an *Error", tt.step.Args, err)
			continue
		}
		if e.Step != "s" || e.Key != tt.key || !strings.Contains(e.Msg, tt.msg) || strings.HasPrefix(e.Msg, "template:") {
			t.Errorf("error step=%q key=%q msg=%q; want key %q, msg containing %q", e.Step, e.Key, e.Msg, tt.key, tt.msg)
		}
	}
}

func TestRenderOutputs(t *testing.T) {
	w := &Workflow{Outputs: []Output{
		{Name: "summary", Template: "{{ .steps.a.text }} about {{ .vars.topic }}"},
		{Name: "items", Template: "{{ .steps.a.json.items }}"},
		{Name: "bad", Template: "{{ .steps.gone.text }}"},
	}}
	out, err := RenderOutputs(w, testScope())
	want := map[string]any{"summary": "hello about pooling", "items": []any{"x", "y"}}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("outputs = %v, want %v", out, want)
	}
	var e *Error
	if !errors.As(err, &e) || e.Key != "outputs.bad" {
		t.Errorf("error = %v; want one for outputs.bad", err)
	}
}

func TestRenderConcurrently(t *testing.T) {
	s := &Step{ID: "c", Kind: KindTool, Target: "t", Args: map[string]any{"n": "{{ .vars.n }}"}}
	scope := testScope()
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, args, err := s.Render(scope)
			if err == nil && args["n"] != int64(3) {
				err = errors.New("wrong value")
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
