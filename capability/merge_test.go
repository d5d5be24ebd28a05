package capability

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
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

	wantDemo := *must(base.Server("demo"))
	wantDemo.Args = []string{"demo-server", "--workflow"}
	wantDemo.Cwd = filepath.Join(abs(t, "testdata"), "wf")
	wantDemo.Source = wfFile + ":7"
	if demo := *must(got.Server("demo")); !reflect.DeepEqual(demo, wantDemo) {
		t.Errorf("demo\n got %+v\nwant %+v", demo, wantDemo)
	}

	wantExtra := newServer("extra", base.Defaults)
	wantExtra.Transport, wantExtra.Command, wantExtra.MaxSessions = TransportStdio, "extra-server", 2
	wantExtra.Cwd, wantExtra.Source = abs(t, "testdata"), wfFile+":11"
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
		{"env replaced as a whole", "[servers.local]\nenv = { B = \"2\" }\n", func(t *testing.T, p *Project) {
			s := must(p.Server("local"))
			if !reflect.DeepEqual(s.Env, map[string]string{"B": "2"}) || s.Command != "local" || s.MinSessions != 1 {
				t.Errorf("got %+v", s)
			}
		}},
		{"url keeps sse", "[servers.remote]\nurl = \"http://other/sse\"\n", func(t *testing.T, p *Project) {
			s := must(p.Server("remote"))
			if s.Transport != TransportSSE || s.URL != "http://other/sse" {
				t.Errorf("got %+v", s)
			}
		}},
		{"switch to url", "[servers.local]\ncommand = \"\"\nurl = \"http://h/mcp\"\n", func(t *testing.T, p *Project) {
			s := must(p.Server("local"))
			if s.Transport != TransportHTTP || s.URL != "http://h/mcp" {
				t.Errorf("got %+v", s)
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
		{"url over a command", "[servers.local]\nurl = \"http://h\"\n",
			`wf.toml:2: servers.local.url: set either command (stdio) or url (http, sse), not both`},
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

func TestMergeTOMLNilAndHandBuilt(t *testing.T) {
	var nilProject *Project
	p, err := nilProject.MergeTOML("wf.toml", []byte("[servers.a]\ncommand = \"a\"\n"))
	if err != nil || p.Names()[0] != "a" || !reflect.DeepEqual(p.Defaults, DefaultPolicy()) {
		t.Errorf("nil.MergeTOML = %+v, %v", p, err)
	}
	built := &Project{Defaults: DefaultPolicy(), Servers: []ServerSpec{{
		Name: "a", Transport: TransportStdio, Command: "a", Enabled: true, Policy: DefaultPolicy(),
	}}}
	p, err = built.MergeTOML("wf.toml", []byte("[servers.a]\nargs = [\"x\"]\n"))
	if err != nil || must(p.Server("a")).Command != "a" || must(p.Server("a")).Args[0] != "x" {
		t.Errorf("MergeTOML over a built project = %+v, %v", p, err)
	}
}
