package workflows

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
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
	parsed, asText := templateSet{}, templateSet{}
	for _, tt := range tests {
		if _, err := parsed.add(tt.src, false); err != nil {
			t.Fatalf("add(%q): %v", tt.src, err)
		}
		if _, err := asText.add(tt.src, true); err != nil {
			t.Fatalf("add(%q): %v", tt.src, err)
		}
	}
	// Each string renders the same parsed at render time and parsed once beforehand, and
	// again from the same parsed template; and parsed once to render as text (as a step's
	// Target), which render must not use for a string that is one action.
	for _, set := range []struct {
		name string
		ts   templateSet
	}{{"parsed now", nil}, {"parsed once", parsed}, {"parsed once, again", parsed}, {"parsed as text", asText}} {
		for _, tt := range tests {
			got, err := set.ts.render(tt.src, data)
			if err != nil {
				t.Errorf("%s: render(%q): %v", set.name, tt.src, err)
				continue
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s: render(%q) = %#v, want %#v", set.name, tt.src, got, tt.want)
			}
		}
	}
}

// parsedStep returns s with its templates parsed beforehand, as Parse does.
func parsedStep(t *testing.T, s Step) Step {
	t.Helper()
	s.templates = templateSet{}
	for _, f := range s.fields() {
		if _, err := s.templates.add(f.src, f.text); err != nil {
			t.Fatalf("step %s: %s: %v", s.ID, f.key, err)
		}
	}
	return s
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
	want := map[string]any{
		"text":  "about pooling",
		"n":     int64(3),
		"items": []any{"x", "y"},
		"raw":   int64(7),
		"list":  []any{"hello", int64(1), map[string]any{"deep": 2.0}},
		"table": map[string]any{"inner": []any{true}},
		"aot":   []any{map[string]any{"x": "pooling"}},
	}
	parsed := parsedStep(t, *s)
	for _, s := range []*Step{s, &parsed, &parsed} {
		target, args, err := s.Render(testScope())
		if err != nil {
			t.Fatal(err)
		}
		if target != "demo://pooling/3" {
			t.Errorf("target = %q", target)
		}
		if !reflect.DeepEqual(args, want) {
			t.Errorf("args =\n%#v\nwant\n%#v", args, want)
		}
		if s.Args["n"] != "{{ .vars.n }}" {
			t.Error("Render changed the step's Args")
		}
	}
}

// TestRenderTargetAsText: a string that is one action renders as text in Target, and keeps
// its type in Args, when the same string is parsed once for both.
func TestRenderTargetAsText(t *testing.T) {
	s := parsedStep(t, Step{ID: "c", Kind: KindTool, Target: "{{ .vars.n }}", Args: map[string]any{"n": "{{ .vars.n }}"}})
	for range 2 {
		target, args, err := s.Render(testScope())
		if err != nil {
			t.Fatal(err)
		}
		if target != "3" || args["n"] != int64(3) {
			t.Errorf("target = %#v, args = %#v; want \"3\" and int64(3)", target, args)
		}
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
		parsed := parsedStep(t, tt.step)
		for _, s := range []*Step{&tt.step, &parsed, &parsed} {
			_, _, err := s.Render(testScope())
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("%v: error %v is not an *Error", s.Args, err)
				continue
			}
			if e.Step != "s" || e.Key != tt.key || !strings.Contains(e.Msg, tt.msg) || strings.HasPrefix(e.Msg, "template:") {
				t.Errorf("error step=%q key=%q msg=%q; want key %q, msg containing %q", e.Step, e.Key, e.Msg, tt.key, tt.msg)
			}
		}
	}
}

func TestRenderOutputs(t *testing.T) {
	w := &Workflow{Outputs: []Output{
		{Name: "summary", Template: "{{ .steps.a.text }} about {{ .vars.topic }}"},
		{Name: "items", Template: "{{ .steps.a.json.items }}"},
		{Name: "bad", Template: "{{ .steps.gone.text }}"},
	}}
	parsed := *w
	parsed.templates = templateSet{}
	for _, o := range w.Outputs {
		if _, err := parsed.templates.add(o.Template, false); err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range []*Workflow{w, &parsed} {
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
}

// TestRenderConcurrently renders one step from several goroutines, each with its own scope:
// a parsed template that is one action must not hand one render's value to another.
func TestRenderConcurrently(t *testing.T) {
	byHand := Step{ID: "c", Kind: KindTool, Target: "t", Args: map[string]any{"n": "{{ .vars.n }}"}}
	parsed := parsedStep(t, byHand)
	for _, s := range []*Step{&byHand, &parsed} {
		errs := make(chan error, 8)
		for g := range 8 {
			go func() {
				scope := testScope()
				scope.Vars["n"] = int64(g)
				for range 100 {
					_, args, err := s.Render(scope)
					if err == nil && args["n"] != int64(g) {
						err = fmt.Errorf("n = %v, want %d", args["n"], g)
					}
					if err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range 8 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	}
}

// TestScopeSet: the data Set keeps is the data built from Steps, also when results were
// written to Steps directly before or after.
func TestScopeSet(t *testing.T) {
	var scope Scope
	if got, want := scope.data(), map[string]any{"vars": map[string]any{}, "inputs": map[string]any{}, "steps": map[string]any{}}; !reflect.DeepEqual(got, want) {
		t.Errorf("zero Scope: data = %v, want %v", got, want)
	}
	scope = testScope()
	scope.Set("c", Result{Text: "set", JSON: 1.0})
	scope.Steps["d"] = Result{Text: "direct"}
	scope.Set("e", Result{IsError: true})
	fresh := Scope{Vars: scope.Vars, Steps: scope.Steps}
	if got, want := scope.data(), fresh.data(); !reflect.DeepEqual(got, want) {
		t.Errorf("data = %v, want %v", got, want)
	}
	scope.Steps["f"] = Result{Text: "direct after Set"}
	if got, err := (templateSet{}).render("{{ .steps.f.text }}", scope.data()); err != nil || got != "direct after Set" {
		t.Errorf(".steps.f.text = %v, %v", got, err)
	}
}

// TestRenderFieldChain: a string that is one field chain renders, without text/template, to
// what text/template makes of it, value or error, whatever the data on its way.
func TestRenderFieldChain(t *testing.T) {
	scope := Scope{
		Vars: map[string]any{
			"s": "x", "n": int64(3), "nil": nil, "list": []any{1.0},
			"m":        map[string]any{"k": "v", "deep": map[string]any{"z": 1.0}},
			"typed":    map[string]string{"k": "v"},
			"nilmap":   map[string]any(nil),
			"datetime": time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		},
		Steps: map[string]Result{
			"a": {Text: "t", JSON: map[string]any{"items": []any{"x"}, "nil": nil}},
			"b": {Text: "boom", IsError: true},
		},
	}
	data := scope.data()
	chains := []string{
		".vars", ".vars.s", ".vars.n", ".vars.nil", ".vars.list", ".vars.m", ".vars.m.k",
		".vars.m.deep.z", ".vars.m.missing", ".vars.missing", ".vars.typed.k", ".vars.nilmap.k",
		".vars.s.x", ".vars.nil.x", ".vars.list.x", ".vars.datetime.Year", ".vars.datetime",
		".steps.a", ".steps.a.text", ".steps.a.json.items", ".steps.a.json.nil", ".steps.b.json",
		".steps.b.json.x", ".steps.b.is_error", ".steps.zz.text",
	}
	for _, chain := range chains {
		src := "{{ " + chain + " }}"
		ts := templateSet{}
		if _, err := ts.add(src, false); err != nil {
			t.Fatalf("add(%q): %v", src, err)
		}
		if p := ts[src]; p.chain == nil || p.value != nil || p.text != nil {
			t.Fatalf("%s: parsed as a template, not as a field chain", src)
		}
		got, err := ts.render(src, data)
		want, wantErr := renderNow(src, data)
		if !reflect.DeepEqual(got, want) || fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("%s = %#v, %v; text/template: %#v, %v", src, got, err, want, wantErr)
		}
	}
}
