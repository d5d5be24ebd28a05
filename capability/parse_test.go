package capability

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPolicyInheritance(t *testing.T) {
	def := DefaultPolicy()
	tests := []struct {
		name string
		toml string
		want Policy
	}{
		{"no [defaults]: DefaultPolicy", `[servers.a]
command = "a"`, def},
		{"[defaults] overrides DefaultPolicy", `[defaults]
max_sessions = 9
call_timeout = "2m"
health_methods = ["ping"]

[servers.a]
command = "a"`, func() Policy {
			p := DefaultPolicy()
			p.MaxSessions, p.CallTimeout, p.HealthMethods = 9, 2*time.Minute, []string{"ping"}
			return p
		}()},
		{"server overrides [defaults], keeps the rest", `[defaults]
max_sessions = 9
retries = 3

[servers.a]
command = "a"
max_sessions = 2
isolation = "identity"
protocol = 2025-03-26`, func() Policy {
			p := DefaultPolicy()
			p.MaxSessions, p.Retries, p.Isolation, p.Protocol = 2, 3, IsolationIdentity, "2025-03-26"
			return p
		}()},
		{"Codex aliases", `[servers.a]
command = "a"
startup_timeout_sec = 120
tool_timeout_sec = 0.25`, func() Policy {
			p := DefaultPolicy()
			p.ConnectTimeout, p.CallTimeout = 2*time.Minute, 250*time.Millisecond
			return p
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("spine.toml", []byte(tt.toml))
			if err != nil {
				t.Fatal(err)
			}
			s, _ := p.Server("a")
			if !reflect.DeepEqual(s.Policy, tt.want) {
				t.Errorf("policy\n got %+v\nwant %+v", s.Policy, tt.want)
			}
		})
	}
}

// TestServersDoNotShareMemory checks that changing one server's policy leaves the others alone.
func TestServersDoNotShareMemory(t *testing.T) {
	p, err := Parse("spine.toml", []byte("[servers.a]\ncommand = \"a\"\n[servers.b]\ncommand = \"b\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	p.Servers[0].HealthMethods[0] = "changed"
	if p.Servers[1].HealthMethods[0] != "ping" || p.Defaults.HealthMethods[0] != "ping" || DefaultPolicy().HealthMethods[0] != "ping" {
		t.Error("servers share HealthMethods")
	}
}

func TestServerOrder(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want []string
	}{
		{"headers", "[servers.zulu]\ncommand = \"z\"\n[servers.alpha]\ncommand = \"a\"\n[servers.mike]\ncommand = \"m\"\n",
			[]string{"zulu", "alpha", "mike"}},
		{"sub-table first", "[servers.zulu.env]\nA = \"1\"\n[servers.alpha]\ncommand = \"a\"\n[servers.zulu]\ncommand = \"z\"\n",
			[]string{"zulu", "alpha"}},
		{"dotted keys", "servers.b.command = \"b\"\nservers.a.command = \"a\"\n",
			[]string{"b", "a"}},
		{"inline tables", "servers = { y = { command = \"y\" }, x = { command = \"x\" } }\n",
			[]string{"y", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("spine.toml", []byte(tt.toml))
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Names(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Names() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTransportAndCwd(t *testing.T) {
	dir := abs(t, "conf")
	tests := []struct {
		name      string
		server    string
		transport Transport
		cwd       string
	}{
		{"command: stdio, cwd = config dir", `command = "x"`, TransportStdio, dir},
		{"relative cwd", "command = \"x\"\ncwd = \"a/../b\"", TransportStdio, dir + "/b"},
		{"absolute cwd", "command = \"x\"\ncwd = \"/srv\"", TransportStdio, "/srv"},
		{"empty cwd", "command = \"x\"\ncwd = \"\"", TransportStdio, dir},
		{"explicit stdio", "command = \"x\"\ntransport = \"stdio\"", TransportStdio, dir},
		{"url: http", `url = "https://h/mcp"`, TransportHTTP, ""},
		{"url with sse", "url = \"http://h/sse\"\ntransport = \"sse\"", TransportSSE, ""},
		{"url with explicit http", "url = \"http://h/mcp\"\ntransport = \"http\"", TransportHTTP, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("conf/spine.toml", []byte("[servers.s]\n"+tt.server+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			s := p.Servers[0]
			if s.Transport != tt.transport || s.Cwd != tt.cwd || !s.Enabled {
				t.Errorf("got transport %q cwd %q enabled %v, want %q %q true", s.Transport, s.Cwd, s.Enabled, tt.transport, tt.cwd)
			}
			if p.Dir != dir {
				t.Errorf("Dir = %q, want %q", p.Dir, dir)
			}
		})
	}
}

func TestExpandEnv(t *testing.T) {
	env := map[string]string{"HOME": "/home/u", "EMPTY": "", "TOKEN": "t0k"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"${HOME}/x", "/home/u/x"},
		{"a${TOKEN}b${TOKEN}", "at0kbt0k"},
		{"${UNSET}", ""},
		{"${UNSET:-fallback}", "fallback"},
		{"${EMPTY:-fallback}", "fallback"},
		{"${HOME:-fallback}", "/home/u"},
		{"${UNSET:-}", ""},
		{"${UNSET:-a:-b}", "a:-b"},
		{"$HOME", "$HOME"},
		{"$$", "$$"},
		{"$${HOME}", "$/home/u"},
		{"cost: 5$", "cost: 5$"},
		{"${", "${"},
		{"${HOME", "${HOME"},
		{"${}", "${}"},
		{"${1X}", "${1X}"},
		{"${A B}", "${A B}"},
		{"${bad name}${HOME}", "${bad name}/home/u"},
		{"${_x1}", ""},
	}
	for _, tt := range tests {
		if got := expandEnv(tt.in, lookup); got != tt.want {
			t.Errorf("expandEnv(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestExpandEverywhere checks expansion in every string the brief lists, in both files.
func TestExpandEverywhere(t *testing.T) {
	t.Setenv("SPINE_X", "x")
	p, err := Parse("spine.toml", []byte(`[servers.s]
command = "${SPINE_X}-cmd"
args = ["${SPINE_X}", "${SPINE_UNSET_FOR_TEST:-d}"]
env = { E = "${SPINE_X}" }
cwd = "/${SPINE_X}"
[servers.r]
url = "http://${SPINE_X}/mcp"
headers = { H = "${SPINE_X}" }
`))
	if err != nil {
		t.Fatal(err)
	}
	s, r := p.Servers[0], p.Servers[1]
	if s.Command != "x-cmd" || !reflect.DeepEqual(s.Args, []string{"x", "d"}) || s.Env["E"] != "x" || s.Cwd != "/x" ||
		r.URL != "http://x/mcp" || r.Headers["H"] != "x" {
		t.Errorf("not expanded: %+v %+v", s, r)
	}
	q, err := ParseMCPJSON(".mcp.json", []byte(`{"mcpServers": {
"s": {"command": "${SPINE_X}", "args": ["${SPINE_X}"], "env": {"E": "${SPINE_X}"}, "cwd": "/${SPINE_X}"},
"r": {"url": "http://${SPINE_X}/", "headers": {"H": "${SPINE_X:-no}"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	s, r = q.Servers[0], q.Servers[1]
	if s.Command != "x" || s.Args[0] != "x" || s.Env["E"] != "x" || s.Cwd != "/x" || r.URL != "http://x/" || r.Headers["H"] != "x" {
		t.Errorf("not expanded: %+v %+v", s, r)
	}
}

func TestValidate(t *testing.T) {
	good := &Project{Defaults: DefaultPolicy(), Servers: []ServerSpec{
		{Name: "a", Transport: TransportStdio, Command: "a", Policy: DefaultPolicy()},
	}}
	if err := good.Validate(); err != nil {
		t.Errorf("Validate(good) = %v", err)
	}
	bad := &Project{
		Log:      LogConfig{Level: "loud"},
		Defaults: DefaultPolicy(),
		Servers: []ServerSpec{
			{Name: "a", Transport: TransportStdio, Command: "a", Policy: Policy{MaxSessions: 1, MaxInflight: 1, Isolation: IsolationShared, Protocol: "auto"}, Source: "x.toml:4"},
			{Name: "a", Command: "a", Policy: DefaultPolicy(), Source: "x.toml:9"},
		},
	}
	err := bad.Validate()
	wantLines := []string{
		`log.level: unknown log level "loud" (want debug, info, warn, error)`,
		`x.toml:9: servers.a: server defined twice`,
		`x.toml:9: servers.a.transport: transport is not set`,
	}
	if err == nil || err.Error() != strings.Join(wantLines, "\n") {
		t.Errorf("Validate(bad) =\n%v\nwant\n%s", err, strings.Join(wantLines, "\n"))
	}
}

func TestValidateZeroDefaults(t *testing.T) {
	p := &Project{Servers: []ServerSpec{{Name: "a", Transport: TransportHTTP, URL: "http://h", Policy: DefaultPolicy()}}}
	if err := p.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}

func TestServeHeapFloor(t *testing.T) {
	const demo = "[servers.demo]\ncommand = \"x\"\n"
	for _, tc := range []struct {
		toml string
		want int64
	}{
		{"", DefaultHeapFloorMiB << 20},
		{"[serve]\nheap_floor_mib = 16\n", 16 << 20},
		{"[serve]\nheap_floor_mib = 0\n", 0}, // none: Go's own pacing
	} {
		p, err := Parse("spine.toml", []byte(demo+tc.toml))
		if err != nil {
			t.Fatalf("%q: %v", tc.toml, err)
		}
		if got := p.Serve.HeapFloor(); got != tc.want {
			t.Errorf("%q: HeapFloor() = %d, want %d", tc.toml, got, tc.want)
		}
	}
}
