package thirdparty

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestMCPJSON loads a .mcp.json written as the Claude Code docs show it (stdio entries with
// command, args and env; an http entry with url and headers; ${VAR} and ${VAR:-default} in
// them) unchanged, and uses every server it names.
func TestMCPJSON(t *testing.T) {
	dir := requireServers(t)
	spinetest.NoLeaks(t)
	demoURL := demoHTTP(t)
	proxyURL, seen := recordHeaders(t, demoURL)

	memoryDir := t.TempDir()
	token := "tok-" + filepath.Base(memoryDir)
	t.Setenv("SPINE_TEST_NODE_MODULES", filepath.Join(dir, "node_modules"))
	t.Setenv("SPINE_TEST_MEMORY_DIR", memoryDir)
	t.Setenv("SPINE_TEST_DEMO_URL", proxyURL)
	t.Setenv("SPINE_TEST_TOKEN", token)
	t.Setenv("SPINE_TEST_GREETING", "")    // empty: ${VAR:-default} takes the default
	t.Setenv("SPINE_TEST_API_VERSION", "") // likewise

	project, err := capability.Load("testdata/claude")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := project.Names(); !slices.Equal(got, []string{"everything", "memory", "demo-http"}) {
		t.Fatalf("servers = %v, want the file's order", got)
	}
	ev, _ := project.Server("everything")
	mem, _ := project.Server("memory")
	remote, _ := project.Server("demo-http")
	claudeDir, _ := filepath.Abs("testdata/claude")
	for _, c := range []struct{ what, got, want string }{
		{"everything transport", string(ev.Transport), "stdio"},
		{"everything command", ev.Command + " " + strings.Join(ev.Args, " "), "npx -y @modelcontextprotocol/server-everything"},
		{"everything cwd (the file's directory)", ev.Cwd, claudeDir},
		{"everything env ${VAR:-default}", ev.Env["SPINE_GREETING"], "hello from .mcp.json"},
		{"memory transport", string(mem.Transport), "stdio"},
		{"memory args ${VAR}", mem.Args[0], filepath.Join(dir, "node_modules/@modelcontextprotocol/server-memory/dist/index.js")},
		{"memory env ${VAR}", mem.Env["MEMORY_FILE_PATH"], filepath.Join(memoryDir, "memory.jsonl")},
		{"demo-http transport", string(remote.Transport), "http"},
		{"demo-http url ${VAR:-default}", remote.URL, proxyURL},
		{"demo-http headers ${VAR}", remote.Headers["Authorization"], "Bearer " + token},
		{"demo-http headers ${VAR:-default}", remote.Headers["X-Api-Version"], "2025-11-25"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if alone, err := capability.LoadFile("testdata/claude/.mcp.json"); err != nil || !slices.Equal(alone.Names(), project.Names()) {
		t.Errorf("LoadFile(.mcp.json) = %v, %v; want the same servers as Load", alone, err)
	}
	if t.Failed() {
		return
	}

	ex := startProject(t, project)
	ctx := testContext(t)

	var env map[string]string
	if err := json.Unmarshal([]byte(text(call(ctx, t, ex, "everything", "get-env", nil))), &env); err != nil {
		t.Fatalf("get-env: %v", err)
	}
	if env["SPINE_GREETING"] != "hello from .mcp.json" {
		t.Errorf("the server's SPINE_GREETING = %q, want the expanded default", env["SPINE_GREETING"])
	}
	// npx ran from testdata/claude and found the install of the package.json above it.
	if local := matching(serverTrees(), filepath.Join(dir, "node_modules", ".bin", "mcp-server-everything")); haveProcFS() && len(local) != 1 {
		t.Errorf("want npx to run the pinned install from %s; server processes: %v", dir, serverTrees())
	}

	call(ctx, t, ex, "memory", "create_entities", map[string]any{"entities": []map[string]any{
		{"name": "mcp.json", "entityType": "config", "observations": []string{"loaded unchanged"}},
	}})
	var found graph
	structured(t, call(ctx, t, ex, "memory", "search_nodes", map[string]any{"query": "unchanged"}), &found)
	if len(found.Entities) != 1 || found.Entities[0].Name != "mcp.json" {
		t.Errorf("search_nodes = %+v, want the entity just created", found.Entities)
	}
	if _, err := os.Stat(filepath.Join(memoryDir, "memory.jsonl")); err != nil {
		t.Errorf("memory file from the expanded env: %v", err)
	}

	if got := text(call(ctx, t, ex, "demo-http", "echo", map[string]any{"text": "over http"})); got != "over http" {
		t.Errorf("demo-http echo = %q", got)
	}
	auth, versions := seen()
	if len(auth) == 0 || slices.ContainsFunc(auth, func(a string) bool { return a != "Bearer "+token }) {
		t.Errorf("Authorization headers the server received = %q, want every request to carry the expanded token", auth)
	}
	if slices.ContainsFunc(versions, func(v string) bool { return v != "2025-11-25" }) {
		t.Errorf("X-Api-Version headers = %q, want the default", versions)
	}
}

// TestMCPJSONCLI calls a tool of a server the Claude Code style .mcp.json launches with npx,
// through the spine CLI, and checks that nothing the CLI started outlives it.
func TestMCPJSONCLI(t *testing.T) {
	requireServers(t)
	spinetest.NoLeaks(t)
	// Servers inherit only a minimal environment: the marker reaches them through the file's
	// env, SPINE_GREETING = "${SPINE_TEST_GREETING:-...}".
	greeting := "call-" + filepath.Base(t.TempDir())
	marker := "SPINE_GREETING=" + greeting
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, spinetest.Binary(t), "--project", "testdata/claude", "call", "everything", "echo", "message=from the CLI")
	cmd.Env = append(os.Environ(), "SPINE_TEST_GREETING="+greeting)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("spine call: %v\n%s", err, stderr.String())
	}
	if got := strings.TrimSpace(string(out)); got != "Echo: from the CLI" {
		t.Errorf("spine call everything echo = %q", got)
	}
	waitNoEnv(t, marker)
}

// TestCodexKeys checks that the keys of Codex's config.toml are accepted in a spine.toml server
// table and take effect: startup_timeout_sec bounds the start, tool_timeout_sec each call,
// disabled_tools and enabled_tools filter what the server exposes.
func TestCodexKeys(t *testing.T) {
	dir := requireServers(t)
	t.Setenv("SPINE_TEST_NODE_MODULES", filepath.Join(dir, "node_modules"))
	project, err := capability.Load("testdata/codex")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	ev, _ := project.Server("everything")
	only, _ := project.Server("echo-only")
	impatient, _ := project.Server("impatient")
	if ev.ConnectTimeout != 20*time.Second || ev.CallTimeout != 1500*time.Millisecond || impatient.ConnectTimeout != 10*time.Millisecond {
		t.Errorf("connect/call timeouts = %s/%s and impatient %s; want 20s/1.5s and 10ms from the _sec keys",
			ev.ConnectTimeout, ev.CallTimeout, impatient.ConnectTimeout)
	}
	if !slices.Equal(ev.DisabledTools, []string{"get-env", "gzip-file-as-resource"}) || !slices.Equal(only.EnabledTools, []string{"echo", "get-sum"}) {
		t.Errorf("disabled_tools = %v, enabled_tools = %v", ev.DisabledTools, only.EnabledTools)
	}
	spinetest.NoLeaks(t)
	ex := startProject(t, project)
	ctx := testContext(t)

	tools, err := ex.ListTools(ctx, "everything")
	if err != nil {
		t.Fatalf("ListTools: %v", err)
	}
	names := toolNames(tools)
	if slices.Contains(names, "get-env") || slices.Contains(names, "gzip-file-as-resource") || !slices.Contains(names, "echo") {
		t.Errorf("tools = %v, want echo and not the disabled get-env and gzip-file-as-resource", names)
	}
	if _, err := ex.CallTool(ctx, "everything", "get-env", nil); !errors.Is(err, executor.ErrToolDisabled) {
		t.Errorf("calling disabled get-env: err = %v, want ErrToolDisabled", err)
	}

	began := time.Now()
	_, err = ex.CallTool(ctx, "everything", "trigger-long-running-operation", map[string]any{"duration": 10, "steps": 5})
	if took := time.Since(began); !errors.Is(err, context.DeadlineExceeded) || took > 1500*time.Millisecond+spinetest.Slack {
		t.Errorf("a 10s call under tool_timeout_sec = 1.5: err = %v after %s, want a deadline error after about 1.5s", err, took)
	}
	if got := text(call(ctx, t, ex, "everything", "echo", map[string]any{"message": "still here"})); got != "Echo: still here" {
		t.Errorf("echo after a timed-out call = %q", got)
	}

	tools, err = ex.ListTools(ctx, "echo-only")
	if err != nil {
		t.Fatalf("ListTools echo-only: %v", err)
	}
	if names := toolNames(tools); !slices.Equal(slices.Sorted(slices.Values(names)), []string{"echo", "get-sum"}) {
		t.Errorf("echo-only tools = %v, want just enabled_tools", names)
	}
	if _, err := ex.CallTool(ctx, "echo-only", "get-tiny-image", nil); !errors.Is(err, executor.ErrToolDisabled) {
		t.Errorf("calling get-tiny-image outside enabled_tools: err = %v, want ErrToolDisabled", err)
	}
	call(ctx, t, ex, "echo-only", "get-sum", map[string]any{"a": 1, "b": 2})

	_, err = ex.CallTool(ctx, "impatient", "echo", map[string]any{"message": "x"})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "connect_timeout") {
		t.Errorf("a server that can't start within startup_timeout_sec = 0.01: err = %v, want a connect_timeout deadline error", err)
	}
}

// demoHTTP runs `spine demo-server --http 127.0.0.1:0` until the test ends and returns its URL.
func demoHTTP(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(spinetest.Binary(t), "demo-server", "--http", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		_, _ = cmd.Process.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Error("demo-server did not stop within 5s of SIGTERM")
		}
	})
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- strings.TrimSpace(line)
	}()
	select {
	case u := <-lines:
		if !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Fatalf("demo-server printed %q, want its URL", u)
		}
		return u
	case <-exited:
		t.Fatal("demo-server exited before printing its URL")
	case <-time.After(spinetest.Patience):
		t.Fatalf("demo-server printed no URL within %s", spinetest.Patience)
	}
	return ""
}

// recordHeaders puts a loopback reverse proxy in front of target that records the
// Authorization and X-Api-Version headers of every request. It returns the proxied URL and a
// function that returns what was seen.
func recordHeaders(t *testing.T, target string) (string, func() (auth, versions []string)) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var auth, versions []string
	transport := &http.Transport{}
	proxy := &httputil.ReverseProxy{
		Rewrite:       func(r *httputil.ProxyRequest) { r.SetURL(&url.URL{Scheme: u.Scheme, Host: u.Host}) },
		Transport:     transport,
		FlushInterval: -1, // server-sent events pass at once
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		versions = append(versions, r.Header.Get("X-Api-Version"))
		mu.Unlock()
		// Without full duplex, Go's HTTP/1 server closes the request body when the answer
		// starts, and the proxy's transport may then drop its upstream connection in the
		// middle of a large answer (golang/go#40747; README, "Behind a proxy").
		if err := http.NewResponseController(w).EnableFullDuplex(); err != nil {
			t.Errorf("enable full duplex: %v", err)
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		srv.Close()
		transport.CloseIdleConnections()
	})
	return srv.URL + u.Path, func() ([]string, []string) {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(auth), slices.Clone(versions)
	}
}

// TestMCPJSONKeysOfOtherHosts loads a .mcp.json with keys that the hosts sharing the file
// write: oauth (Claude Code, for http servers), disabled, autoApprove and timeout (Cline and
// Roo Code, which read the same mcpServers format). SPINE has no use for most of them, but a
// file another host owns must not stop SPINE from loading the project.
func TestMCPJSONKeysOfOtherHosts(t *testing.T) {
	project, err := capability.Load("testdata/otherhosts")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := project.Names(); !slices.Equal(got, []string{"everything", "retired", "remote"}) {
		t.Errorf("servers = %v", got)
	}
	if retired, ok := project.Server("retired"); !ok || retired.Enabled {
		t.Errorf(`"disabled": true: want the server kept but not enabled, got %+v`, retired)
	}
	if ev, ok := project.Server("everything"); !ok || !ev.Enabled {
		t.Errorf(`"disabled": false: want the server enabled, got %+v`, ev)
	}
}
