package capability

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func abs(t *testing.T, path string) string {
	t.Helper()
	a, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// fullDefaults is the [defaults] table of testdata/full/spine.toml.
func fullDefaults() Policy {
	return Policy{
		MinSessions: 1, MaxSessions: 6, MaxInflight: 8,
		ConnectTimeout: 20 * time.Second, CallTimeout: 45 * time.Second, AcquireTimeout: 10 * time.Second,
		IdleTimeout: 2 * time.Minute, MaxLifetime: 30 * time.Minute, HealthInterval: 15 * time.Second,
		HealthMethods: []string{"list_tools", "skip"}, ToolsCacheTTL: time.Minute,
		Retries: 2, CircuitThreshold: 3, CircuitReset: 20 * time.Second,
		Isolation: IsolationIdentity, Protocol: "2025-06-18", MaxListPages: DefaultMaxListPages, MaxTotalSessions: DefaultMaxTotalSessions,
	}
}

// policy returns fullDefaults changed by edit.
func policy(edit func(p *Policy)) Policy {
	p := fullDefaults()
	edit(&p)
	return p
}

func TestLoadFull(t *testing.T) {
	t.Setenv("SPINE_TEST_BIN", "") // empty: the default applies
	t.Setenv("SPINE_TEST_GREETING", "hi")
	t.Setenv("SPINE_TEST_TOKEN", "s3cr3t")
	dir := abs(t, "testdata/full")
	tomlFile, jsonFile := filepath.Join("testdata", "full", "spine.toml"), filepath.Join("testdata", "full", ".mcp.json")

	p, err := Load("testdata/full")
	if err != nil {
		t.Fatal(err)
	}
	want := &Project{
		Dir:      dir,
		Files:    []string{tomlFile, jsonFile},
		Log:      LogConfig{Level: "debug", Format: "json"},
		Defaults: fullDefaults(),
		Describe: DescribeConfig{BuilderServer: "builder", BuilderTool: "build"},
		Servers: []ServerSpec{{
			Name: "demo", Transport: TransportStdio, Command: "spine",
			Args: []string{"demo-server", "--greeting=hi"},
			Env:  map[string]string{"DEMO_GREETING": "hello", "TOKEN": "s3cr3t"},
			Cwd:  filepath.Join(dir, "work"), Enabled: true,
			EnabledTools: []string{"echo", "add"}, DisabledTools: []string{"crash"},
			ToolTimeouts: map[string]time.Duration{"add": 2 * time.Second},
			Policy: policy(func(p *Policy) {
				p.MaxInflight, p.Isolation, p.Protocol = 1, IsolationAffinity, ProtocolAuto
			}),
			Source: tomlFile + ":28",
		}, {
			Name: "remote", Transport: TransportSSE, URL: "http://127.0.0.1:9000/mcp",
			Headers: map[string]string{"Authorization": "Bearer s3cr3t"}, Enabled: true,
			Policy: policy(func(p *Policy) {
				p.MaxSessions, p.MinSessions = 8, 0
				p.ConnectTimeout, p.CallTimeout = 90*time.Second, 1500*time.Millisecond
			}),
			Source: tomlFile + ":40",
		}, {
			Name: "off", Transport: TransportStdio, Command: "x", Cwd: "/opt/off", Enabled: false,
			Policy: policy(func(p *Policy) { p.HealthMethods = []string{} }),
			Source: tomlFile + ":49",
		}, {
			Name: "clash", Transport: TransportHTTP, URL: "https://example.com/mcp", Enabled: true,
			Policy: fullDefaults(), Source: tomlFile + ":55",
		}, {
			Name: "zeta", Transport: TransportStdio, Command: "npx", Args: []string{"-y", "@example/zeta"},
			Env: map[string]string{"ZETA_KEY": "s3cr3t"}, Cwd: dir, Enabled: true,
			Policy: fullDefaults(), Source: jsonFile + ":4",
		}, {
			Name: "alpha", Transport: TransportHTTP, URL: "https://alpha.example/mcp",
			Headers: map[string]string{"X-Api-Key": "s3cr3t"}, Enabled: true,
			Policy: fullDefaults(), Source: jsonFile + ":12",
		}, {
			Name: "beta", Transport: TransportSSE, URL: "http://127.0.0.1:7000/sse", Enabled: true,
			Policy: fullDefaults(), Source: jsonFile + ":17",
		}, {
			Name: "gamma", Transport: TransportHTTP, URL: "http://127.0.0.1:7001/mcp",
			Cwd: filepath.Join(dir, "sub"), Enabled: true,
			Policy: fullDefaults(), Source: jsonFile + ":21",
		}},
	}
	if !reflect.DeepEqual(p, want) {
		for i := range max(len(p.Servers), len(want.Servers)) {
			if i >= len(p.Servers) || i >= len(want.Servers) || !reflect.DeepEqual(p.Servers[i], want.Servers[i]) {
				t.Errorf("server %d:\n got %+v\nwant %+v", i, at(p.Servers, i), at(want.Servers, i))
			}
		}
		p.Servers, want.Servers = nil, nil
		t.Errorf("project:\n got %+v\nwant %+v", p, want)
	}
	if got := p.Names(); !reflect.DeepEqual(got, []string{"demo", "remote", "off", "clash", "zeta", "alpha", "beta", "gamma"}) {
		t.Errorf("Names() = %q", got)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}

func at(s []ServerSpec, i int) any {
	if i < len(s) {
		return s[i]
	}
	return nil
}

func TestLoadNoFiles(t *testing.T) {
	dir := t.TempDir()
	p, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := newProject(dir)
	if !reflect.DeepEqual(p, want) {
		t.Errorf("Load(empty dir) = %+v, want %+v", p, want)
	}
	if p.Log.Level != "info" || p.Describe.BuilderServer != "spine-describe" {
		t.Errorf("defaults not filled in: %+v", p)
	}
}

func TestLoadMissingDir(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope"))
	var ce *ConfigError
	if !errors.As(err, &ce) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load(missing dir) = %v, want a *ConfigError wrapping fs.ErrNotExist", err)
	}
}

func TestLoadMCPJSONOnly(t *testing.T) {
	dir := t.TempDir()
	jsonFile := writeFile(t, dir, ".mcp.json", `{"mcpServers": {
  "b": {"command": "b-server"},
  "a": {"type": "http", "url": "http://127.0.0.1:1/mcp"}
}}`)
	p, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Names(), []string{"b", "a"}) || !reflect.DeepEqual(p.Files, []string{jsonFile}) {
		t.Fatalf("names %q, files %q", p.Names(), p.Files)
	}
	b, _ := p.Server("b")
	if b.Transport != TransportStdio || b.Cwd != dir || !reflect.DeepEqual(b.Policy, DefaultPolicy()) || b.Source != jsonFile+":2" {
		t.Errorf("b = %+v", b)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "other.toml", "[defaults]\nmax_sessions = 2\n\n[servers.a]\ncommand = \"a\"\n")
	writeFile(t, dir, ".mcp.json", `{"mcpServers": {"a": {"command": "loses"}, "b": {"command": "b"}}}`)
	p, err := LoadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := p.Server("a")
	b, _ := p.Server("b")
	if p.Dir != dir || a.Command != "a" || b == nil || b.MaxSessions != 2 || len(p.Files) != 2 {
		t.Errorf("LoadFile = %+v", p)
	}

	_, err = LoadFile(filepath.Join(dir, "missing.toml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadFile(missing) = %v, want fs.ErrNotExist", err)
	}

	p, err = LoadFile(filepath.Join(dir, ".mcp.json"))
	if err != nil || !reflect.DeepEqual(p.Names(), []string{"a", "b"}) {
		t.Errorf("LoadFile(.mcp.json) = %+v, %v", p, err)
	}
}

// TestLoadReportsBothFiles checks that problems in spine.toml do not hide those in .mcp.json.
func TestLoadReportsBothFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "spine.toml", "[servers.a]\ncomand = \"a\"\n")
	writeFile(t, dir, ".mcp.json", "{\"mcpServers\": {\n\"b\": {\"cmd\": \"b\"}}}")
	_, err := Load(dir)
	want := filepath.Join(dir, "spine.toml") + ":2: servers.a.comand: unknown key (did you mean \"command\"?)\n" +
		filepath.Join(dir, ".mcp.json") + ":2: mcpServers.b.cmd: unknown key (did you mean \"command\"?)"
	if err == nil || err.Error() != want {
		t.Errorf("Load =\n%v\nwant\n%s", err, want)
	}
}

func TestMCPJSONKeysOfOtherHostsAreIgnored(t *testing.T) {
	p, err := ParseMCPJSON(".mcp.json", []byte(`{"mcpServers": {
  "a": {"command": "x", "autoApprove": ["echo"], "timeout": 60, "disabled": false},
  "b": {"command": "y", "disabled": true},
  "c": {"type": "http", "url": "http://127.0.0.1:1/mcp", "oauth": {"clientId": "z"}}
}}`))
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := p.Server("a"); !a.Enabled {
		t.Error(`"disabled": false disabled the server`)
	}
	if b, _ := p.Server("b"); b.Enabled {
		t.Error(`"disabled": true left the server enabled`)
	}
	if _, err := ParseMCPJSON(".mcp.json", []byte(`{"mcpServers": {"a": {"comand": "x"}}}`)); err == nil ||
		!strings.Contains(err.Error(), `did you mean "command"`) {
		t.Errorf("a misspelt key of SPINE's own: err = %v", err)
	}
}

// A policy built by hand gets the documented default wherever its zero value would mean
// nothing useful, and keeps the zeros that mean "off".
func TestPolicyWithDefaults(t *testing.T) {
	got := Policy{Retries: 0, IdleTimeout: 0, MaxSessions: 2}.WithDefaults()
	d := DefaultPolicy()
	if got.MaxSessions != 2 || got.MaxInflight != d.MaxInflight || got.CallTimeout != d.CallTimeout ||
		got.ConnectTimeout != d.ConnectTimeout || got.AcquireTimeout != d.AcquireTimeout ||
		got.Isolation != d.Isolation || got.Protocol != d.Protocol || len(got.HealthMethods) == 0 {
		t.Errorf("WithDefaults() = %+v", got)
	}
	if got.Retries != 0 || got.IdleTimeout != 0 || got.MinSessions != 0 {
		t.Errorf("zeros that mean off were changed: %+v", got)
	}
}
