package workflows

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	src := `[vars]
topic = "pooling"

[[steps]]
id     = "hello"
server = "demo"
tool   = "echo"
args   = { text = "{{ .vars.topic }} {{ .vars.mode }}" }

[[steps]]
id     = "other"
server = "remote"
tool   = "echo"

[outputs]
x = "{{ .vars.topc }}"
`
	tests := []struct {
		name    string
		servers []string
		vars    map[string]string
		step    string
		line    int
		key     string
		msg     string
	}{
		{"unknown server with suggestion", []string{"demo", "remot"}, nil, "other", 12, "server", `unknown server "remote" (did you mean "remot"?)`},
		{"unknown server, listing", []string{"demo", "x"}, nil, "other", 12, "server", `unknown server "remote" (known: demo, x)`},
		{"no servers", nil, nil, "hello", 6, "server", "no servers are configured"},
		{"unknown var", []string{"demo", "remote"}, nil, "hello", 8, "args.text", `template references unknown var "mode" (define it in [vars] or pass --var mode=...)`},
		{"unknown var in outputs", []string{"demo", "remote"}, map[string]string{"mode": "fast"}, "", 16, "outputs.x", `unknown var "topc" (did you mean "topic"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := Parse("v.toml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if err := ApplyVars(w, tt.vars); err != nil {
				t.Fatal(err)
			}
			err = w.Validate(tt.servers)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate = %v; want an *Error", err)
			}
			if e.File != "v.toml" || e.Step != tt.step || e.Line != tt.line || e.Key != tt.key || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got  step=%q line=%d key=%q msg=%q\nwant step=%q line=%d key=%q msg containing %q",
					e.Step, e.Line, e.Key, e.Msg, tt.step, tt.line, tt.key, tt.msg)
			}
		})
	}

	w, _ := Parse("v.toml", []byte(strings.Replace(src, "topc", "topic", 1)))
	if err := ApplyVars(w, map[string]string{"mode": "fast"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Validate([]string{"demo", "remote"}); err != nil {
		t.Errorf("Validate after --var mode=fast: %v", err)
	}
}

func TestApplyVars(t *testing.T) {
	src := "[vars]\ntopic = \"pooling\"\nlimit = 10\nratio = 0.5\nverbose = false\nlist = [1]\n\n" + step
	tests := []struct {
		overrides map[string]string
		want      map[string]any // vars that changed
		key, msg  string         // error
		line      int
	}{
		{map[string]string{"topic": "retries", "limit": "3", "ratio": "1e3", "verbose": "true", "new": "x"},
			map[string]any{"topic": "retries", "limit": int64(3), "ratio": 1000.0, "verbose": true, "new": "x"}, "", "", 0},
		{map[string]string{"limit": "many"}, nil, "vars.limit", "--var limit=many: not an integer, as the default 10 in [vars] is", 3},
		{map[string]string{"ratio": "half"}, nil, "vars.ratio", "not a number", 4},
		{map[string]string{"verbose": "yes please"}, nil, "vars.verbose", "not a boolean", 5},
		{map[string]string{"list": "1,2"}, nil, "vars.list", "an array, which cannot be set from the command line", 6},
		{map[string]string{"": "x"}, nil, "", "a var needs a name", 0},
	}
	for _, tt := range tests {
		w, err := Parse("v.toml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		err = ApplyVars(w, tt.overrides)
		if tt.msg == "" {
			if err != nil {
				t.Errorf("ApplyVars(%v): %v", tt.overrides, err)
			}
			for k, v := range tt.want {
				if !reflect.DeepEqual(w.Vars[k], v) {
					t.Errorf("ApplyVars(%v): vars[%s] = %#v, want %#v", tt.overrides, k, w.Vars[k], v)
				}
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Key != tt.key || e.Line != tt.line || !strings.Contains(e.Msg, tt.msg) {
			t.Errorf("ApplyVars(%v) = %v; want key %q line %d msg containing %q", tt.overrides, err, tt.key, tt.line, tt.msg)
		}
	}
}
