package capability

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestMergeTOML(t *testing.T) {
	t.Setenv("SPINE_TEST_TOKEN", "s3cr3t")
	base, err := Load("testdata/full")
	if err != nil {
		t.Fatal(err)
	}
	before, _ := Load("testdata/full")
	wfFile := filepath.Join("testdata", "workflow.toml")
	data, err := os.ReadFile(wfFile)
	if err != nil {
		t.Fatal(err)
	}

	got, err := base.MergeTOML(wfFile, data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(base, before) {
		t.Error("MergeTOML changed its receiver")
	}

	// The project's demo, tuned: what it runs and where stay the project's.
	wantDemo := *must(base.Server("demo"))
	wantDemo.MaxInflight = 2
	wantDemo.ToolTimeouts = map[string]time.Duration{"echo": 3 * time.Second}
	wantDemo.DisabledTools = []string{"crash", "add"}
	wantDemo.Source = wfFile + ":7"
	if demo := *must(got.Server("demo")); !reflect.DeepEqual(demo, wantDemo) {
		t.Errorf("demo\n got %+v\nwant %+v", demo, wantDemo)
	}

	wantExtra := newServer("extra", base.Defaults)
	wantExtra.Transport, wantExtra.Command, wantExtra.MaxSessions = TransportStdio, "extra-server", 2
	wantExtra.Cwd, wantExtra.Source = filepath.Join(abs(t, "testdata"), "wf"), wfFile+":12"
	if extra := *must(got.Server("extra")); !reflect.DeepEqual(extra, wantExtra) {
		t.Errorf("extra\n got %+v\nwant %+v", extra, wantExtra)
	}

	wantNames := append(base.Names(), "extra")
	if !reflect.DeepEqual(got.Names(), wantNames) {
		t.Errorf("Names() = %q, want %q", got.Names(), wantNames)
	}
	if want := append(append([]string(nil), base.Files...), wfFile); !reflect.DeepEqual(got.Files, want) {
		t.Errorf("Files = %q, want %q", got.Files, want)
	}
	for _, name := range base.Names() {
		if name != "demo" && !reflect.DeepEqual(must(got.Server(name)), must(base.Server(name))) {
			t.Errorf("server %s changed", name)
		}
	}
}

func must(s *ServerSpec, ok bool) *ServerSpec {
	if !ok {
		return &ServerSpec{}
	}
	return s
}

func TestMergeTOMLKeys(t *testing.T) {
	base, err := Parse("spine.toml", []byte(`[defaults]
max_sessions = 3

[servers.local]
command = "local"
env = { A = "1" }
min_sessions = 1

[servers.remote]
url = "http://h/sse"
transport = "sse"
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		wf    string
		check func(t *testing.T, p *Project)
	}{
		{"no servers table", "name = \"x\"\n[[steps]]\nid = \"a\"\n", func(t *testing.T, p *Project) {
			if !reflect.DeepEqual(p.Servers, base.Servers) || len(p.Files) != 1 {
				t.Errorf("got %+v", p)
			}
		}},
		{"policy and tools tuned", "[servers.local]\nmax_sessions = 5\nenabled_tools = [\"a\"]\ntool_timeouts = { a = \"2s\" }\n" +
			"tool_timeout_sec = 1.5\n", func(t *testing.T, p *Project) {
			s := must(p.Server("local"))
			if s.MaxSessions != 5 || s.MinSessions != 1 || s.CallTimeout != 1500*time.Millisecond || s.EnabledTools[0] != "a" ||
				s.ToolTimeouts["a"] != 2*time.Second || s.Command != "local" || s.Env["A"] != "1" {
				t.Errorf("got %+v", s)
			}
		}},
		{"the configured values again", "[servers.local]\ncommand = \"local\"\nargs = []\nenv = { A = \"${SPINE_MERGE_A}\" }\n" +
			"cwd = \".\"\ntransport = \"stdio\"\nmax_sessions = 2\n\n[servers.remote]\nurl = \"http://h/sse\"\ntransport = \"sse\"\nheaders = {}\n",
			func(t *testing.T, p *Project) {
				local, remote := must(p.Server("local")), must(p.Server("remote"))
				if local.Command != "local" || local.MaxSessions != 2 || remote.URL != "http://h/sse" || remote.Transport != TransportSSE {
					t.Errorf("got %+v and %+v", local, remote)
				}
			}},
		{"disable", "[servers.local]\nenabled = false\n", func(t *testing.T, p *Project) {
			if must(p.Server("local")).Enabled || len(p.Enabled()) != 1 {
				t.Errorf("got %+v", p.Servers)
			}
		}},
		{"new server gets project defaults", "[servers.new]\ncommand = \"n\"\n", func(t *testing.T, p *Project) {
			if s := must(p.Server("new")); s.MaxSessions != 3 || p.Names()[2] != "new" {
				t.Errorf("got %+v", s)
			}
		}},
	}
	t.Setenv("SPINE_MERGE_A", "1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := base.MergeTOML("wf.toml", []byte(tt.wf))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, p)
		})
	}
}

func TestMergeTOMLErrors(t *testing.T) {
	base, err := Parse("spine.toml", []byte("[servers.local]\ncommand = \"local\"\nmin_sessions = 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, wf, want string }{
		{"unknown key", "name = \"x\"\n\n[servers.local]\nagrs = []\n",
			`wf.toml:4: servers.local.agrs: unknown key (did you mean "args"?)`},
		{"url over a command", "[servers.new]\ncommand = \"n\"\nurl = \"http://h\"\n",
			`wf.toml:3: servers.new.url: set either command (stdio) or url (http, sse), not both`},
		{"max below the project's min", "[servers.local]\n\nmax_sessions = 1\n",
			`wf.toml:3: servers.local.max_sessions: min_sessions (2) is greater than max_sessions (1)`},
		{"new server without command", "[servers.new]\nargs = [\"x\"]\n",
			`wf.toml:1: servers.new: set command (a stdio server) or url (an http or sse server)`},
		{"malformed", "[[steps]]\nid = \n",
			`wf.toml:2: steps.id: malformed TOML: expected value but found … instead`},
		{"servers not a table", "servers = [1]\n",
			`wf.toml:1: servers: want a table, got array`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := base.MergeTOML("wf.toml", []byte(tt.wf))
			if err == nil || err.Error() != tt.want {
				t.Errorf("MergeTOML error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestMergeTOMLRefuses: a workflow may not change what a server of the project is or how it
// is reached; it is told which key, and to add a server under another name instead.
func TestMergeTOMLRefuses(t *testing.T) {
	base, err := Parse("spine.toml", []byte(`[servers.local]
command = "local"
args    = ["--safe"]
env     = { TOKEN = "t0ken" }

[servers.remote]
url     = "https://api.example.com/mcp"
headers = { Authorization = "Bearer t0ken" }
`))
	if err != nil {
		t.Fatal(err)
	}
	refusal := func(line int, server, key string) string {
		return fmt.Sprintf("wf.toml:%d: servers.%s.%s: a workflow may not change the %s of server %q configured in spine.toml; "+
			"give the server another name to add a new one", line, server, key, key, server)
	}
	tests := []struct {
		name string
		wf   string
		want []string // the refusals, in order
	}{
		{"command", "[servers.local]\ncommand = \"/tmp/evil\"\n", []string{refusal(2, "local", "command")}},
		{"args", "[servers.local]\nargs = [\"--unsafe\"]\n", []string{refusal(2, "local", "args")}},
		{"args emptied", "[servers.local]\nargs = []\n", []string{refusal(2, "local", "args")}},
		{"env", "[servers.local]\nenv = { TOKEN = \"other\" }\n", []string{refusal(2, "local", "env")}},
		{"env added to", "[servers.local]\nenv = { TOKEN = \"t0ken\", LD_PRELOAD = \"x.so\" }\n", []string{refusal(2, "local", "env")}},
		{"cwd", "[servers.local]\ncwd = \"/\"\n", []string{refusal(2, "local", "cwd")}},
		{"url", "[servers.remote]\nurl = \"https://evil.example/mcp\"\n", []string{refusal(2, "remote", "url")}},
		{"headers", "[servers.remote]\nheaders = { Authorization = \"Bearer s3cr3t\" }\n", []string{refusal(2, "remote", "headers")}},
		{"transport", "[servers.remote]\ntransport = \"sse\"\n", []string{refusal(2, "remote", "transport")}},
		{"url over a command", "[servers.local]\nurl = \"http://h\"\n", []string{refusal(2, "local", "url")}},
		{"switch to url", "[servers.local]\ncommand = \"\"\nurl = \"http://h/mcp\"\n",
			[]string{refusal(2, "local", "command"), refusal(3, "local", "url")}},
		{"a change among tuning", "name = \"x\"\n\n[servers.local]\nmax_sessions = 2\ncommand = \"local\"\nargs = [\"--unsafe\"]\n",
			[]string{refusal(6, "local", "args")}},
		{"refusals only, with other problems", "[servers.local]\nagrs = []\ncommand = \"x\"\n\n[servers.remote]\nurl = \"http://h\"\nmax_sessions = 0\n",
			[]string{refusal(3, "local", "command"), refusal(6, "remote", "url")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := base.MergeTOML("wf.toml", []byte(tt.wf))
			if err == nil {
				t.Fatalf("MergeTOML accepted it: %+v", p.Servers)
			}
			if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("MergeTOML error\n got %q\nwant %q", got, tt.want)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.File != "wf.toml" || ce.Line == 0 {
				t.Errorf("error %v is not a *ConfigError with the file and a line", err)
			}
			if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "evil") {
				t.Errorf("error %q shows a value", err)
			}
		})
	}

	mcp, err := ParseMCPJSON(".mcp.json", []byte(`{"mcpServers": {"j": {"command": "j"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `wf.toml:2: servers.j.command: a workflow may not change the command of server "j" configured in .mcp.json; give the server another name to add a new one`
	if _, err := mcp.MergeTOML("wf.toml", []byte("[servers.j]\ncommand = \"k\"\n")); err == nil || err.Error() != want {
		t.Errorf("over a .mcp.json server: %v\nwant %s", err, want)
	}
}

func TestMergeTOMLNilAndHandBuilt(t *testing.T) {
	var nilProject *Project
	p, err := nilProject.MergeTOML("wf.toml", []byte("[servers.a]\ncommand = \"a\"\n"))
	if err != nil || p.Names()[0] != "a" || !reflect.DeepEqual(p.Defaults, DefaultPolicy()) {
		t.Errorf("nil.MergeTOML = %+v, %v", p, err)
	}
	built := &Project{Defaults: DefaultPolicy(), Servers: []ServerSpec{{
		Name: "a", Transport: TransportStdio, Command: "a", Enabled: true, Policy: DefaultPolicy(),
	}}}
	p, err = built.MergeTOML("wf.toml", []byte("[servers.a]\nmax_sessions = 2\n"))
	if err != nil || must(p.Server("a")).Command != "a" || must(p.Server("a")).MaxSessions != 2 {
		t.Errorf("MergeTOML over a built project = %+v, %v", p, err)
	}
	want := `wf.toml:2: servers.a.args: a workflow may not change the args of server "a" configured in the project; give the server another name to add a new one`
	if _, err := built.MergeTOML("wf.toml", []byte("[servers.a]\nargs = [\"x\"]\n")); err == nil || err.Error() != want {
		t.Errorf("MergeTOML of args over a built project: %v\nwant %s", err, want)
	}
}
