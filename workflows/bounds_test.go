package workflows

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"text/template"
	"time"
)

// boundsScope is the data of the bounds tests: vars of every type a workflow gives templates.
func boundsScope() Scope {
	return Scope{
		Vars: map[string]any{
			"big":   int64(2_000_000_000),
			"long":  strings.Repeat("x", 200_000),
			"huge":  strings.Repeat("<", 2*MaxTemplateOutput),
			"list":  []any{1.5, "two", int64(3), true, nil, map[string]any{"k": "v"}},
			"items": []any{"a", "b", "c"},
		},
		Steps: map[string]Result{"a": {Text: "hello", JSON: map[string]any{"n": 2.0}}},
	}
}

// renderArg renders src as the argument x of a step, built by hand (parsed when rendered) and
// parsed beforehand as Parse does, and returns what each gave.
func renderArg(t *testing.T, src string) (results []any, errs []error) {
	t.Helper()
	byHand := Step{ID: "s", Kind: KindTool, Target: "t", Args: map[string]any{"x": src}}
	parsed := byHand
	parsed.templates = templateSet{}
	if _, err := parsed.templates.add(src, false); err != nil {
		t.Fatalf("add(%.80q): %v", src, err)
	}
	for _, s := range []*Step{&byHand, &parsed} {
		_, args, err := s.Render(boundsScope())
		results, errs = append(results, args["x"]), append(errs, err)
	}
	return results, errs
}

// TestTemplateBounds renders templates at and past the bounds: output, loops, and the
// functions that build strings. Past a bound, the render fails with an *Error naming the step
// and the key; within them, templates render as text/template renders them.
func TestTemplateBounds(t *testing.T) {
	half := fmt.Sprintf("%0*d", MaxTemplateOutput/2, 0)
	tests := []struct {
		name string
		src  string
		want any    // the rendered value, when there is no error
		err  string // part of the error's message
	}{
		{name: "output at the bound", src: `{{ range 2 }}{{ printf "%0524288d" 0 }}{{ end }}`, want: half + half},
		{name: "output one byte past", src: `{{ range 2 }}{{ printf "%0524288d" 0 }}{{ end }}x`, err: "template output exceeds 1 MiB"},
		{name: "output past in small writes", src: `{{ range 100000 }}0123456789ab{{ end }}`, err: "template output exceeds 1 MiB"},
		{name: "a long var as text", src: `{{ .vars.huge }}!`, err: "template output exceeds 1 MiB"},
		{name: "a long var as a value", src: `{{ .vars.huge }}`, want: strings.Repeat("<", 2*MaxTemplateOutput)},

		{name: "loops at the bound", src: `{{ range 100000 }}{{ end }}ok`, want: "ok"},
		{name: "range over a var, writing nothing", src: `{{ range .vars.big }}{{ end }}`, err: "template loops more than 100000 times"},
		{name: "range over a var, writing", src: `{{ range $i := .vars.big }}x{{ end }}`, err: "template loops more than 100000 times"},
		{name: "range over len", src: `{{ range len .vars.long }}{{ end }}`, err: "template loops more than 100000 times"},
		{name: "nested ranges", src: `{{ range 1000 }}{{ range 1000 }}{{ end }}{{ end }}`, err: "template loops more than 100000 times"},
		{name: "nested ranges in a defined template", src: `{{ define "l" }}{{ range 400 }}{{ range 400 }}{{ end }}{{ end }}{{ end }}{{ template "l" }}`,
			err: "template loops more than 100000 times"},
		{name: "recursive template", src: `{{ define "r" }}{{ template "r" . }}{{ template "r" . }}{{ end }}{{ template "r" . }}`,
			err: "template loops more than 100000 times"},
		{name: "range over a list", src: `{{ range .vars.items }}[{{ . }}]{{ end }}`, want: "[a][b][c]"},

		{name: "print doubling", src: `{{ $s := printf "%01000000d" 0 }}{{ $s = print $s $s }}{{ len $s }}`,
			err: "error calling print: result exceeds 1 MiB"},
		{name: "js doubling", src: `{{ $s := "\\" }}` + strings.Repeat(`{{ $s = js $s }}`, 30) + `{{ len $s }}`,
			err: "error calling js: result exceeds 1 MiB"},
		{name: "html growing", src: `{{ $s := "&" }}` + strings.Repeat(`{{ $s = html $s $s }}`, 30) + `{{ len $s }}`,
			err: "result exceeds 1 MiB"},
		{name: "printf of widths", src: `{{ printf "` + strings.Repeat(`%[1]01000000d`, 1000) + `" 0 }}`,
			err: "error calling printf: result exceeds 1 MiB"},
		{name: "printf of * widths", src: `{{ printf "` + strings.Repeat(`%[1]*[1]d`, 1000) + `" 1000000 }}`,
			err: "error calling printf: result exceeds 1 MiB"},
		{name: "printf padding each item", src: `{{ printf "%-1000000v" .vars.list }}`, err: "error calling printf: result exceeds 1 MiB"},
		{name: "json of a value past the bound", src: `{{ json .vars.huge }}`, err: "error calling json: result exceeds 1 MiB"},
		{name: "urlquery of a value past the bound", src: `{{ urlquery .vars.huge }}`, err: "error calling urlquery: result exceeds 1 MiB"},
		{name: "println of a value past the bound", src: `{{ println .vars.huge }}`, err: "error calling println: result exceeds 1 MiB"},

		{name: "printf cutting a long string", src: `{{ printf "%.3s" .vars.huge }}`, want: "<<<"},
		{name: "printf as fmt", src: `{{ printf "%05d|%-4s|%q|%x|%.2f|%[1]d|%[6]*d|%v" 42 "ab" "q" "hi" 3.14159 3 7 .vars.list }}`,
			want: fmt.Sprintf("%05d|%-4s|%q|%x|%.2f|%[1]d|%[6]*d|%v", 42, "ab", "q", "hi", 3.14159, 3, 7, boundsScope().Vars["list"])},
		{name: "print as fmt", src: `{{ print 1 2 "a" "b" .vars.items }}`, want: fmt.Sprint(1, 2, "a", "b", []any{"a", "b", "c"})},
		{name: "println as fmt", src: `{{ println "a" 1 }}`, want: "a 1\n"},
		{name: "html as text/template", src: `{{ html "<a href='x'>" }}`, want: template.HTMLEscapeString("<a href='x'>")},
		{name: "js as text/template", src: `{{ js "it's <b>" }}`, want: template.JSEscapeString("it's <b>")},
		{name: "urlquery as text/template", src: `{{ urlquery "a b&c" }}`, want: "a+b%26c"},
		{name: "json", src: `{{ json .vars.items }}`, want: `["a","b","c"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			results, errs := renderArg(t, tt.src)
			for i, err := range errs {
				how := []string{"built by hand", "parsed"}[i]
				if tt.err == "" {
					if err != nil {
						t.Errorf("%s: %v", how, err)
					} else if results[i] != tt.want {
						t.Errorf("%s: rendered %.80q, want %.80q", how, fmt.Sprint(results[i]), fmt.Sprint(tt.want))
					}
					continue
				}
				var e *Error
				if !errors.As(err, &e) || e.Step != "s" || e.Key != "args.x" || !strings.Contains(e.Msg, tt.err) {
					t.Errorf("%s: error %.300v; want an *Error for step s, key args.x, saying %q", how, err, tt.err)
				}
			}
		})
	}
}

// TestHugeRangeFails is the runaway of the issue: a step whose args range two billion times,
// writing something or nothing. Parse rejects the file, naming the step, the key and the line;
// a step built by hand fails when rendered. Each returns an error instead of running on: the
// only time limit is a safety net, far above what the test takes, so that a regression fails
// the test instead of hanging it.
func TestHugeRangeFails(t *testing.T) {
	for _, body := range []string{"x", ""} {
		src := "{{ range 2000000000 }}" + body + "{{ end }}"
		data := step + "args = { text = \"" + src + "\" }\n"
		_, err := Parse("flow.toml", []byte(data))
		var e *Error
		if !errors.As(err, &e) || e.Line != 5 || e.Step != "a" || e.Key != "args.text" ||
			!strings.Contains(e.Msg, "range over 2000000000: a template may loop at most 100000 times") {
			t.Errorf("Parse of %s: %v; want an *Error at line 5, step a, args.text", src, err)
		}

		done := make(chan error, 1)
		go func() {
			s := Step{ID: "a", Kind: KindTool, Target: "t", Args: map[string]any{"text": src}}
			_, _, err := s.Render(Scope{})
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.As(err, &e) || e.Step != "a" || e.Key != "args.text" || !strings.Contains(e.Msg, "range over 2000000000") {
				t.Errorf("Render of %s: %v", src, err)
			}
		case <-time.After(time.Minute):
			t.Fatalf("Render of %s did not return", src)
		}

		// From a var, only rendering can tell: after MaxTemplateIterations iterations.
		vsrc := strings.Replace(src, "2000000000", ".vars.n", 1)
		w, err := Parse("flow.toml", []byte("[vars]\nn = 2000000000\n"+step+"args = { text = \""+vsrc+"\" }\n"))
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			_, _, err := w.Steps[0].Render(Scope{Vars: w.Vars})
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.As(err, &e) || e.Step != "a" || e.Key != "args.text" || !strings.Contains(e.Msg, "template loops more than 100000 times") {
				t.Errorf("Render of %s: %v", vsrc, err)
			}
		case <-time.After(time.Minute):
			t.Fatalf("Render of %s did not return", vsrc)
		}
	}
}

// TestRangeLiteral: Parse rejects a range over an integer literal past MaxTemplateIterations,
// wherever the template is, and accepts one within it.
func TestRangeLiteral(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		key       string // empty: accepted
	}{
		{"at the bound", step + "args = { x = \"{{ range 100000 }}{{ end }}\" }\n", 0, ""},
		{"past the bound", step + "args = { x = \"{{ range 100001 }}{{ end }}\" }\n", 5, "args.x"},
		{"with a variable", step + "args = { x = \"{{ range $i := 5000000 }}{{ $i }}{{ end }}\" }\n", 5, "args.x"},
		{"nested", step + "args = { x = \"{{ range 2 }}{{ range 9000000000 }}{{ end }}{{ end }}\" }\n", 5, "args.x"},
		{"in a defined template", step + "args = { x = \"{{ define \\\"d\\\" }}{{ range 1e9 }}{{ end }}{{ end }}\" }\n", 5, "args.x"},
		{"in a list", step + "args = { x = [\"ok\", \"{{ range 1000000 }}{{ end }}\"] }\n", 5, "args.x[1]"},
		{"in the target", "[[steps]]\nid = \"a\"\nserver = \"s\"\ntool = \"{{ range 1000000 }}t{{ end }}\"\n", 4, "tool"},
		{"in an output", step + "[outputs]\no = \"{{ range 1000000 }}{{ end }}\"\n", 6, "outputs.o"},
		{"over a var", "[vars]\nn = 1000000\n" + step + "args = { x = \"{{ range .vars.n }}{{ end }}\" }\n", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("flow.toml", []byte(tt.src))
			if tt.key == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Line != tt.line || e.Key != tt.key || !strings.Contains(e.Msg, "a template may loop at most 100000 times") {
				t.Errorf("Parse: %v; want an *Error at line %d, key %s", err, tt.line, tt.key)
			}
		})
	}
}

// TestRenderOutputsBounds: outputs render within the same bounds as step args.
func TestRenderOutputsBounds(t *testing.T) {
	w := &Workflow{Outputs: []Output{
		{Name: "ok", Template: "{{ .vars.items }}"},
		{Name: "long", Template: "{{ .vars.huge }}."},
		{Name: "loops", Template: "{{ range .vars.big }}{{ end }}"},
	}}
	out, err := RenderOutputs(w, boundsScope())
	if _, ok := out["ok"]; !ok || len(out) != 1 {
		t.Errorf("outputs = %.80v, want only ok", out)
	}
	for _, want := range []string{"outputs.long: template output exceeds 1 MiB", "outputs.loops: template loops more than"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

// TestPrintfSize: printfSize is never less than what fmt.Sprintf prints, for the data
// templates see and every kind of verb, flag, width, precision and argument index, so that
// refusing what it counts past maxComputed refuses nothing that fits.
func TestPrintfSize(t *testing.T) {
	values := []any{
		"", "text", "a\x00\xff\u2028😀", strings.Repeat("é", 40),
		int64(math.MinInt64), int64(math.MaxInt64), 42, -7,
		0.0, 1e308, -2.2250738585072014e-308, math.Inf(-1), math.NaN(), 3.14159,
		true, nil,
		[]any{1.5, "two", int64(-3), false, nil},
		map[string]any{"k": "v", "n": 1e308, "l": []any{"x", map[string]any{"deep": -1e-300}}},
		[]map[string]any{{"a": "b"}}, map[string]string{"h": "v"},
		time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("X", -3600)),
	}
	verbs := "vTtbcdoOqxXUeEfFgGsp"
	flags := []string{"", "#", "+", "-", " ", "0", "+#", "# ", "-0"}
	shapes := []string{"%%%s%c", "%%%s7%c", "%%%s.3%c", "%%%s12.9%c", "%%%s*%c", "%%%s.*%c", "%%[2]%s%c", "%%%s[1]*.[1]*%c"}
	for _, v := range values {
		for _, verb := range verbs {
			for _, flag := range flags {
				for _, shape := range shapes {
					format := fmt.Sprintf(shape, flag, verb) + " and %v%v"
					for _, args := range [][]any{{v}, {v, v}, {7, v, v}, {-9, 3, v, "x", v}, {}} {
						got, want := printfSize(format, args), len(fmt.Sprintf(format, args...))
						if got < want {
							t.Fatalf("printfSize(%q, %#v) = %d, but fmt prints %d bytes", format, args, got, want)
						}
					}
				}
			}
		}
	}
	for _, format := range []string{"%!", "%", "%[", "%[9]d", "%[0]d", "%[x]d", "%.", "%1234567890123d", "%-", "%[1]"} {
		if got, want := printfSize(format, []any{1}), len(fmt.Sprintf(format, 1)); got < want {
			t.Errorf("printfSize(%q) = %d, but fmt prints %d bytes", format, got, want)
		}
	}
}
