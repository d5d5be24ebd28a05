package workflows

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseExample(t *testing.T) {
	data, err := os.ReadFile("testdata/triage.toml")
	if err != nil {
		t.Fatal(err)
	}
	w, err := Parse("testdata/triage.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	if w.Name != "triage" || w.Timeout != 2*time.Minute || w.File != "testdata/triage.toml" {
		t.Errorf("name, timeout, file = %q, %v, %q", w.Name, w.Timeout, w.File)
	}
	if want := map[string]any{"topic": "pooling", "a": int64(2), "b": int64(40)}; !reflect.DeepEqual(w.Vars, want) {
		t.Errorf("vars = %v, want %v", w.Vars, want)
	}
	if !reflect.DeepEqual(w.Servers, []string{"demo"}) {
		t.Errorf("servers = %v", w.Servers)
	}
	type summary struct {
		id     string
		kind   Kind
		target string
		deps   string
		line   int
	}
	var got []summary
	for _, s := range w.Steps {
		got = append(got, summary{s.ID, s.Kind, s.Target, strings.Join(s.Deps, ","), s.Line})
	}
	want := []summary{
		{"hello", KindTool, "echo", "", 16},
		{"readme", KindResource, "demo://readme", "", 22},
		{"sum", KindTool, "add", "", 27},
		{"brief", KindPrompt, "summarize", "hello,readme,sum", 33},
		{"report", KindTool, "echo", "brief,readme,sum", 43},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("steps:\n got %v\nwant %v", got, want)
	}
	brief, _ := w.Step("brief")
	if brief.Timeout != 10*time.Second || brief.Retries != 1 || brief.OnError != OnErrorFail ||
		!reflect.DeepEqual(brief.Needs, []string{"readme"}) {
		t.Errorf("brief = %+v", brief)
	}
	if report, _ := w.Step("report"); report.OnError != OnErrorContinue {
		t.Errorf("report.OnError = %q", report.OnError)
	}
	wantOut := []Output{{"summary", "{{ .steps.brief.text }}", 54}, {"total", "{{ .steps.sum.json.sum }}", 55}}
	if !reflect.DeepEqual(w.Outputs, wantOut) {
		t.Errorf("outputs = %v, want %v", w.Outputs, wantOut)
	}
	if err := w.Validate([]string{"other", "demo"}); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestParseDefaults(t *testing.T) {
	w, err := Parse("dir/My Flow.toml", []byte("[[steps]]\nid = \"a\"\nserver = \"s\"\ntool = \"t\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if w.Name != "My Flow" {
		t.Errorf("Name = %q, want the file's base name", w.Name)
	}
	s := w.Steps[0]
	if s.OnError != OnErrorFail || s.Retries != 0 || s.Timeout != 0 || s.Deps != nil || s.Line != 1 {
		t.Errorf("step defaults = %+v", s)
	}
	if w.Vars == nil {
		t.Error("Vars is nil; want an empty map")
	}
}

// TestParseRunKeys: max_parallel at the top and retry_unsafe in a step, set or not.
func TestParseRunKeys(t *testing.T) {
	tests := []struct {
		name        string
		src         string
		maxParallel int
		retryUnsafe []bool // per step
	}{
		{"neither", step, 0, []bool{false}},
		{"max_parallel 1", "max_parallel = 1\n" + step, 1, []bool{false}},
		{"max_parallel 64", "max_parallel = 64\n" + step, 64, []bool{false}},
		{"retry_unsafe true", step + "retries = 2\nretry_unsafe = true\n", 0, []bool{true}},
		{"retry_unsafe false", step + "retry_unsafe = false\n", 0, []bool{false}},
		{"both, two steps", "max_parallel = 2\n" + step + "retry_unsafe = true\n\n[[steps]]\nid = \"b\"\nserver = \"s\"\ntool = \"t\"\n",
			2, []bool{true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := Parse("flow.toml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if w.MaxParallel != tt.maxParallel {
				t.Errorf("MaxParallel = %d, want %d", w.MaxParallel, tt.maxParallel)
			}
			var got []bool
			for _, s := range w.Steps {
				got = append(got, s.RetryUnsafe)
			}
			if !reflect.DeepEqual(got, tt.retryUnsafe) {
				t.Errorf("RetryUnsafe = %v, want %v", got, tt.retryUnsafe)
			}
		})
	}
}

// step is a valid [[steps]] element for the error cases to build on.
const step = "[[steps]]\nid = \"a\"\nserver = \"s\"\ntool = \"t\"\n"

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		step string // Error.Step
		line int    // Error.Line
		key  string // Error.Key
		msg  string // a part of Error.Msg
	}{
		{"syntax", "name = \"x\"\n\nname = = 3\n", "", 3, "", "syntax error"},
		{"unterminated string", "name = \"x\n", "", 1, "", "syntax error"},
		{"unknown top-level key", "name = \"x\"\nnmae = \"y\"\n" + step, "", 2, "nmae", `unknown key (did you mean "name"?)`},
		{"unknown key, no suggestion", step + "[zzz]\nq = 1\n", "", 5, "zzz", "unknown key (known: name,"},
		{"name type", "name = 3\n" + step, "", 1, "name", "must be a string, not an integer"},
		{"bad workflow timeout", "timeout = \"2 minutes\"\n" + step, "", 1, "timeout", `"2 minutes" is not a duration`},
		{"negative timeout", "timeout = \"-1s\"\n" + step, "", 1, "timeout", "negative"},
		{"vars not a table", "vars = 3\n" + step, "", 1, "vars", "must be a table"},
		{"server not a table", "[servers]\ndemo = 1\n" + step, "", 2, "servers.demo", "must be a table"},
		{"no steps", "name = \"x\"\n", "", 0, "", "no steps"},
		{"steps not tables", "steps = [1]\n", "", 1, "steps[0]", "must be a table"},
		{"steps not an array", "steps = 1\n", "", 1, "steps", "must be an array of tables"},
		{"missing id", step + "\n[[steps]]\nserver = \"s\"\ntool = \"t\"\n", "", 6, "steps[1]", "missing id"},
		{"bad id charset", step + "\n[[steps]]\nid = \"my-step\"\nserver = \"s\"\ntool = \"t\"\n", "", 7, "steps[1].id", "not a valid id"},
		{"id starts with digit", "[[steps]]\nid = \"1a\"\nserver = \"s\"\ntool = \"t\"\n", "", 2, "steps[0].id", "not a valid id"},
		{"duplicate id", step + "\n[[steps]]\nid = \"a\"\nserver = \"s\"\ntool = \"t\"\n", "a", 7, "id", "duplicate id (the first step with it is at line 1)"},
		{"unknown step key", "[[steps]]\nid = \"a\"\nserver = \"s\"\ntool = \"t\"\ntmeout = \"1s\"\n", "a", 5, "tmeout", `unknown key (did you mean "timeout"?)`},
		{"missing server", "[[steps]]\nid = \"a\"\ntool = \"t\"\n", "a", 1, "", "missing server"},
		{"no kind", "[[steps]]\nid = \"a\"\nserver = \"s\"\n", "a", 1, "", "one of tool, resource or prompt"},
		{"two kinds", "[[steps]]\nid = \"a\"\nserver = \"s\"\ntool = \"t\"\nprompt = \"p\"\n", "a", 5, "prompt", "has tool and prompt: keep one"},
		{"three kinds", "[[steps]]\nid = \"a\"\nserver = \"s\"\nresource = \"r\"\ntool = \"t\"\nprompt = \"p\"\n", "a", 5, "tool", "has resource, tool and prompt"},
		{"empty tool", "[[steps]]\nid = \"a\"\nserver = \"s\"\ntool = \"\"\n", "a", 4, "tool", "must not be empty"},
		{"tool type", "[[steps]]\nid = \"a\"\nserver = \"s\"\ntool = 1\n", "a", 4, "tool", "must be a string"},
		{"resource args", "[[steps]]\nid = \"a\"\nserver = \"s\"\nresource = \"r\"\nargs = { x = 1 }\n", "a", 5, "args", "takes no arguments"},
		{"args not a table", step + "args = [1]\n", "a", 5, "args", "must be a table"},
		{"needs not strings", step + "needs = [1]\n", "a", 5, "needs", "element 0 must be a string"},
		{"bad step timeout", step + "timeout = \"10\"\n", "a", 5, "timeout", `"10" is not a duration`},
		{"timeout type", step + "timeout = 10\n", "a", 5, "timeout", "must be a string, not an integer"},
		{"max_parallel zero", "max_parallel = 0\n" + step, "", 1, "max_parallel", "must be at least 1 (got 0)"},
		{"max_parallel negative", "max_parallel = -3\n" + step, "", 1, "max_parallel", "must be at least 1 (got -3)"},
		{"max_parallel string", "max_parallel = \"4\"\n" + step, "", 1, "max_parallel", "must be an integer, not a string"},
		{"max_parallel float", "max_parallel = 2.5\n" + step, "", 1, "max_parallel", "must be an integer, not a float"},
		{"max_parallel misspelt", "max_paralel = 2\n" + step, "", 1, "max_paralel", `unknown key (did you mean "max_parallel"?)`},
		{"max_parallel in a step", step + "max_paralel = 2\n", "a", 5, "max_paralel", `unknown key (did you mean "max_parallel"?)`},
		{"retry_unsafe string", step + "retry_unsafe = \"yes\"\n", "a", 5, "retry_unsafe", "must be true or false, not a string"},
		{"retry_unsafe integer", step + "retry_unsafe = 1\n", "a", 5, "retry_unsafe", "must be true or false, not an integer"},
		{"retry_unsafe misspelt", step + "retry_unsfe = true\n", "a", 5, "retry_unsfe", `unknown key (did you mean "retry_unsafe"?)`},
		{"retry_unsafe at the top", "retry_unsafe = true\n" + step, "", 1, "retry_unsafe", "unknown key (known: name,"},
		{"negative retries", step + "retries = -1\n", "a", 5, "retries", "must not be negative"},
		{"retries type", step + "retries = \"2\"\n", "a", 5, "retries", "must be an integer"},
		{"bad on_error", step + "on_error = \"contiue\"\n", "a", 5, "on_error", `(did you mean "continue"?)`},
		{"unknown need", step + "\n[[steps]]\nid = \"b\"\nserver = \"s\"\ntool = \"t\"\nneeds = [\n  \"a\",\n  \"aa\",\n]\n",
			"b", 12, "needs", `unknown step "aa" (did you mean "a"?)`},
		{"needs itself", step + "needs = [\"a\"]\n", "a", 5, "needs", "cannot need itself"},
		{"template syntax", step + "args = { x = \"{{ .vars.a \" }\n", "a", 5, "args.x", "template: unclosed action"},
		{"template unknown function", step + "[steps.args]\nx = \"ok\"\ny = \"{{ nope 1 }}\"\n", "a", 7, "args.y", `function "nope" not defined`},
		{"template unknown step", "[[steps]]\nid = \"hello\"\nserver = \"s\"\ntool = \"t\"\n\n[[steps]]\nid = \"brief\"\nserver = \"s\"\nprompt = \"p\"\n\n[steps.args]\n\ntopic = \"{{ .steps.helo.text }}\"\n",
			"brief", 13, "args.topic", `template references unknown step "helo" (did you mean "hello"?)`},
		{"template unknown step in target", "[[steps]]\nid = \"a\"\nserver = \"s\"\nresource = \"x://{{ .steps.b.text }}\"\n", "a", 4, "resource", `unknown step "b"`},
		{"template unknown step deep", step + "args = { l = [\"x\", { y = \"{{ .steps.zz.json }}\" }] }\n", "a", 5, "args.l[1].y", `unknown step "zz"`},
		{"template references itself", step + "args = { x = \"{{ .steps.a.text }}\" }\n", "a", 5, "args.x", "references the step itself"},
		{"template steps without id", step + "args = { x = \"{{ range .steps }}{{ .text }}{{ end }}\" }\n", "a", 5, "args.x", ".steps needs a step id"},
		{"template unknown step field", step + "\n[[steps]]\nid = \"b\"\nserver = \"s\"\ntool = \"t\"\nargs = { x = \"{{ .steps.a.txt }}\" }\n", "b", 10, "args.x", `has no field "txt" (did you mean "text"?)`},
		{"template unknown data", step + "args = { x = \"{{ .var.x }}\" }\n", "a", 5, "args.x", `unknown data .var (did you mean "vars"?)`},
		{"cycle", "[[steps]]\nid = \"x\"\nserver = \"s\"\ntool = \"t\"\n\n" +
			"[[steps]]\nid = \"a\"\nserver = \"s\"\ntool = \"t\"\nneeds = [\"c\"]\n\n" +
			"[[steps]]\nid = \"b\"\nserver = \"s\"\ntool = \"t\"\nneeds = [\"a\", \"x\"]\n\n" +
			"[[steps]]\nid = \"c\"\nserver = \"s\"\ntool = \"t\"\nargs = { v = \"{{ .steps.b.text }}\" }\n",
			"a", 6, "", "dependency cycle: a -> c -> b -> a"},
		{"two-step cycle", "[[steps]]\nid = \"a\"\nserver = \"s\"\ntool = \"t\"\nneeds = [\"b\"]\n\n[[steps]]\nid = \"b\"\nserver = \"s\"\ntool = \"{{ .steps.a.text }}\"\n",
			"a", 1, "", "dependency cycle: a -> b -> a"},
		{"output not a string", step + "[outputs]\nx = 1\n", "", 6, "outputs.x", "must be a string"},
		{"output unknown step", step + "[outputs]\nok = \"{{ .steps.a.text }}\"\nx = \"{{ .steps.b.text }}\"\n", "", 7, "outputs.x", `unknown step "b"`},
		{"output template syntax", step + "[outputs]\nx = \"{{ if }}\"\n", "", 6, "outputs.x", "template: missing value for if"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := Parse("flow.toml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse succeeded (%+v); want an error", w)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not an *Error", err, err)
			}
			if e.File != "flow.toml" || e.Step != tt.step || e.Line != tt.line || e.Key != tt.key || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got  file=%q step=%q line=%d key=%q msg=%q\nwant file=%q step=%q line=%d key=%q msg containing %q",
					e.File, e.Step, e.Line, e.Key, e.Msg, "flow.toml", tt.step, tt.line, tt.key, tt.msg)
			}
			if w != nil {
				t.Errorf("Parse returned a workflow with its error")
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	src := "[[steps]]\nid = \"hello\"\nserver = \"s\"\ntool = \"t\"\n\n[[steps]]\nid = \"brief\"\nserver = \"s\"\nprompt = \"p\"\nargs = { topic = \"{{ .steps.helo.text }}\" }\n"
	_, err := Parse("triage.toml", []byte(src))
	want := `triage.toml:10: step "brief": args.topic: template references unknown step "helo" (did you mean "hello"?)`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant    %s", err, want)
	}
	for _, tt := range []struct {
		e    Error
		want string
	}{
		{Error{File: "f.toml", Msg: "no steps"}, "f.toml: no steps"},
		{Error{Line: 3, Key: "k", Msg: "m"}, "line 3: k: m"},
		{Error{Step: "s", Key: "args.x", Msg: "m"}, `step "s": args.x: m`},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
