package integration

import (
	"encoding/json"
	"strings"
	"testing"
)

// inputsFlow declares typed inputs; the demo server echoes and adds them.
const inputsFlow = `
[inputs]
topic = { type = "string", description = "what to say", required = true }
limit = { type = "integer", default = 5 }

[[steps]]
id = "say"
server = "demo"
tool = "echo"
args = { text = "{{ .inputs.topic }}" }

[[steps]]
id = "sum"
server = "demo"
tool = "add"
args = { a = "{{ .inputs.limit }}", b = 1 }

[outputs]
said = "{{ .steps.say.text }}"
sum  = "{{ .steps.sum.json.sum }}"
`

func TestRunInputs(t *testing.T) {
	noServersLeft(t)
	dir := wfFiles(t, map[string]string{"spine.toml": wfDemoProject, "flow.toml": inputsFlow})

	// Checked before anything runs: exit 2, with the file, the input and its line.
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "flow.toml:3: inputs.topic: required input not given: pass --var topic=..."},
		{[]string{"--var", "topic=x", "--var", "limit=many"}, "flow.toml:4: inputs.limit: --var limit=many: not an integer"},
	} {
		res := spine(t, dir, append([]string{"run", "flow.toml"}, tt.args...)...)
		if res.code != 2 || !strings.Contains(res.stderr, tt.want) {
			t.Errorf("spine run flow.toml %v: exit %d, stderr:\n%s\nwant exit 2 and %q", tt.args, res.code, res.stderr, tt.want)
		}
		if strings.Contains(res.stderr, "say") {
			t.Errorf("a step ran or was reported:\n%s", res.stderr)
		}
	}

	// --var limit=41 for an integer input is the number 41: add answers 42.
	res := spine(t, dir, "run", "flow.toml", "--var", "topic=pooling", "--var", "limit=41")
	if res.code != 0 || res.stdout != "said: pooling\nsum: 42\n" {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", res.code, res.stdout, res.stderr)
	}

	// --schema: the inputs' JSON Schema on stdout; no project needed, nothing started.
	res = spine(t, dir, "run", "--schema", "flow.toml")
	var schema struct {
		Type       string                    `json:"type"`
		Properties map[string]map[string]any `json:"properties"`
		Required   []string                  `json:"required"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &schema); err != nil || res.code != 0 {
		t.Fatalf("--schema: exit %d, %v:\n%s%s", res.code, err, res.stdout, res.stderr)
	}
	if schema.Type != "object" || len(schema.Required) != 1 || schema.Required[0] != "topic" ||
		schema.Properties["limit"]["type"] != "integer" || schema.Properties["limit"]["default"] != 5.0 ||
		schema.Properties["topic"]["description"] != "what to say" {
		t.Errorf("schema = %s", res.stdout)
	}
}

// Malformed if, for_each and [inputs] are reported before anything runs: exit 2 with the
// file, the step and the line, and no server started.
func TestRunMalformedFlowKeys(t *testing.T) {
	noServersLeft(t)
	step := "\n[[steps]]\nid = \"a\"\nserver = \"demo\"\ntool = \"echo\"\nargs = { text = \"x\" }\n"
	for _, tt := range []struct{ src, want string }{
		{step + "if = \"perhaps\"\n", `flow.toml:7: step "a": if: "perhaps" is neither a template nor true or false`},
		{step + "if = \"{{ .steps.b.is_error }}\"\n", `flow.toml:7: step "a": if: template references unknown step "b"`},
		{step + "for_each = 3\n", `flow.toml:7: step "a": for_each: must be a list`},
		{step + "for_each = \"{{ .inputs.list }}\"\n", `flow.toml:7: step "a": for_each: template references unknown input "list"`},
		{"[inputs]\nn = { type = \"int\" }\n" + step, `flow.toml:2: inputs.n.type: "int" is not a type`},
		{"[inputs]\nn = { type = \"integer\", default = \"5\" }\n" + step, `flow.toml:2: inputs.n.default: want an integer, not a string`},
	} {
		dir := wfFiles(t, map[string]string{"spine.toml": wfDemoProject, "flow.toml": tt.src})
		res := spine(t, dir, "run", "flow.toml")
		if res.code != 2 || !strings.Contains(res.stderr, tt.want) {
			t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and %q", res.code, res.stderr, tt.want)
		}
	}
}
