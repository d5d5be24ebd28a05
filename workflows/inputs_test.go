package workflows

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

const inputsFlow = `name = "research"
description = "look things up"

[inputs]
topic  = { type = "string", description = "what to research", required = true }
limit  = { type = "integer", default = 5 }
ratio  = { type = "number", default = 0.5 }
deep   = { type = "boolean" }
topics = { type = "array", default = ["a", "b"] }
opts   = { type = "object" }

[vars]
greeting = "hi"

[[steps]]
id = "a"
server = "s"
tool = "t"
args = { topic = "{{ .inputs.topic }}", limit = "{{ .inputs.limit }}", deep = "{{ .inputs.deep }}", g = "{{ .vars.greeting }}" }
`

func TestInputsParseAndApply(t *testing.T) {
	w, err := Parse("research.toml", []byte(inputsFlow))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range w.Inputs {
		names = append(names, in.Name+":"+string(in.Type))
	}
	if want := "topic:string limit:integer ratio:number deep:boolean topics:array opts:object"; strings.Join(names, " ") != want {
		t.Errorf("inputs = %v, want %s", names, want)
	}
	if topic, _ := w.Input("topic"); !topic.Required || topic.Description != "what to research" || topic.Line != 5 {
		t.Errorf("topic = %+v", topic)
	}
	// The required input is missing: nothing may run.
	err = ApplyVars(w, nil)
	var e *Error
	if !errors.As(err, &e) || e.File != "research.toml" || e.Line != 5 || e.Key != "inputs.topic" || !strings.Contains(e.Msg, "required input not given") {
		t.Fatalf("ApplyVars without topic = %v; want the required input named with file and line", err)
	}
	if err := ApplyVars(w, map[string]string{"topic": "pools", "limit": "7", "deep": "true", "opts": `{"k": 1}`, "greeting": "yo"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Validate([]string{"s"}); err != nil {
		t.Fatal(err)
	}
	s, _ := w.Step("a")
	_, args, err := s.Render(w.NewScope())
	if err != nil {
		t.Fatal(err)
	}
	// --var limit=7 for an integer input is the integer 7, not the text "7".
	if want := map[string]any{"topic": "pools", "limit": int64(7), "deep": true, "g": "yo"}; !reflect.DeepEqual(args, want) {
		t.Errorf("args = %#v, want %#v", args, want)
	}
	if got := w.NewScope().Inputs; !reflect.DeepEqual(got["topics"], []any{"a", "b"}) || got["ratio"] != 0.5 ||
		!reflect.DeepEqual(got["opts"], map[string]any{"k": 1.0}) {
		t.Errorf("inputs data = %v", got)
	}
}

func TestInputValuesAreTyped(t *testing.T) {
	tests := []struct {
		name, value, msg string
		line             int
	}{
		{"limit", "five", "--var limit=five: not an integer (the input has type = \"integer\")", 6},
		{"limit", "2.5", "not an integer", 6},
		{"ratio", "x", "not a number", 7},
		{"deep", "yes", "not a boolean", 8},
		{"topics", "a,b", "not JSON", 9},
		{"topics", `{"a": 1}`, "want an array, not a table", 9},
		{"opts", `[1]`, "want an object, not an array", 10},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			w, err := Parse("research.toml", []byte(inputsFlow))
			if err != nil {
				t.Fatal(err)
			}
			err = ApplyVars(w, map[string]string{"topic": "x", tt.name: tt.value})
			var e *Error
			if !errors.As(err, &e) || e.Line != tt.line || e.Key != "inputs."+tt.name || !strings.Contains(e.Msg, tt.msg) {
				t.Fatalf("ApplyVars = %v; want line %d, key inputs.%s, %q", err, tt.line, tt.name, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "research.toml:") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	// From Go: values are checked against the types too.
	w, _ := Parse("research.toml", []byte(inputsFlow))
	if err := SetInputs(w, map[string]any{"topic": "x", "limit": "5"}); err == nil || !strings.Contains(err.Error(), "inputs.limit: want an integer, not a string") {
		t.Errorf("SetInputs(limit: \"5\") = %v", err)
	}
	if err := SetInputs(w, map[string]any{"topc": "x"}); err == nil || !strings.Contains(err.Error(), `unknown input "topc" (did you mean "topic"?)`) {
		t.Errorf("SetInputs(topc) = %v", err)
	}
	if err := SetInputs(w, map[string]any{"topic": "x", "limit": 3.0}); err != nil {
		t.Errorf("SetInputs(limit: 3.0 from JSON) = %v", err)
	}
}

func TestInputsParseErrors(t *testing.T) {
	step := "\n[[steps]]\nid = \"a\"\nserver = \"s\"\ntool = \"t\"\n"
	tests := []struct {
		name, src string
		step      string
		line      int
		key, msg  string
	}{
		{"not a table", "[inputs]\nx = 1\n" + step, "", 2, "inputs.x", "must be a table"},
		{"bad type", "[inputs]\nx = { type = \"int\" }\n" + step, "", 2, "inputs.x.type", `"int" is not a type`},
		{"unknown key", "[inputs]\nx = { type = \"string\", requird = true }\n" + step, "", 2, "inputs.x.requird", `did you mean "required"?`},
		{"default of the wrong type", "[inputs]\n\n[inputs.x]\ntype = \"integer\"\ndefault = \"5\"\n" + step, "", 5, "inputs.x.default", "want an integer, not a string"},
		{"required with default", "[inputs]\nx = { required = true, default = \"a\" }\n" + step, "", 2, "inputs.x.default", "a required input has no default"},
		{"required not boolean", "[inputs]\nx = { required = \"yes\" }\n" + step, "", 2, "inputs.x.required", "must be true or false"},
		{"input and var", "[vars]\nx = 1\n[inputs]\nx = { type = \"integer\" }\n" + step, "", 4, "inputs.x", "both an input and a var"},
		{"unknown input in args", "[inputs]\ntopic = {}\n" + step + "args = { x = \"{{ .inputs.topik }}\" }\n", "a", 8, "args.x", `unknown input "topik" (did you mean "topic"?)`},
		{"unknown input in outputs", step + "[outputs]\nx = \"{{ .inputs.nope }}\"\n", "", 7, "outputs.x", `unknown input "nope" (declare it in [inputs])`},
		{"bad name", "[inputs]\n\"1x\" = {}\n" + step, "", 2, "inputs.1x", "not a valid input name"},
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

func TestInputSchema(t *testing.T) {
	w, err := Parse("research.toml", []byte(inputsFlow))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(w.InputSchema())
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Type       string                    `json:"type"`
		Properties map[string]map[string]any `json:"properties"`
		Required   []string                  `json:"required"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Type != "object" || !reflect.DeepEqual(got.Required, []string{"topic"}) || len(got.Properties) != 6 {
		t.Errorf("schema = %s", b)
	}
	if p := got.Properties["limit"]; p["type"] != "integer" || p["default"] != 5.0 {
		t.Errorf("limit = %v", p)
	}
	if p := got.Properties["topic"]; p["description"] != "what to research" {
		t.Errorf("topic = %v", p)
	}
}
