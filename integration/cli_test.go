package integration

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spine-mcp/spine/internal/spinetest"
)

var demoTools = []string{"add", "ask", "counter", "crash", "echo", "fail", "grow", "hang", "roots", "sample", "sleep"}

func TestCLIWithTheExampleConfig(t *testing.T) {
	noServersLeft(t)
	root := repoRoot(t)

	if r := spine(t, root, "call", "demo", "echo", "text=hi"); r.code != 0 || r.stdout != "hi\n" {
		t.Fatalf("call echo: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := spine(t, root, "call", "demo", "fail", "message=boom"); r.code != 1 || !strings.Contains(r.stdout, "boom") {
		t.Fatalf("call fail: code %d (want 1), stdout %q", r.code, r.stdout)
	}
	r := spine(t, root, "tools", "demo", "--output", "json")
	if r.code != 0 {
		t.Fatalf("tools: code %d, stderr %s", r.code, r.stderr)
	}
	assertTools(t, r.stdout, "demo")
	r = spine(t, root, "servers")
	if r.code != 0 || !strings.Contains(r.stdout, "demo") || !strings.Contains(r.stdout, "ok") {
		t.Fatalf("servers: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = spine(t, root, "call", "demo", "add", "a=2", "b=3", "--output", "json")
	var res struct {
		StructuredContent struct{ Sum float64 } `json:"structuredContent"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || res.StructuredContent.Sum != 5 {
		t.Fatalf("add --output json: %q (%v)", r.stdout, err)
	}
}

func assertTools(t *testing.T, stdout, server string) {
	t.Helper()
	var doc struct {
		Servers map[string]struct {
			Tools []struct{ Name string }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("tools --output json is not JSON: %v\n%s", err, stdout)
	}
	var names []string
	for _, tool := range doc.Servers[server].Tools {
		names = append(names, tool.Name)
	}
	if strings.Join(names, ",") != strings.Join(demoTools, ",") {
		t.Fatalf("tools = %v, want %v", names, demoTools)
	}
}

func TestCLIWithOnlyMCPJSON(t *testing.T) {
	noServersLeft(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ".mcp.json"), fmt.Sprintf(
		`{"mcpServers": {"demo": {"command": %q, "args": ["demo-server"], "env": {"DEMO_GREETING": "${GREETING:-from mcp.json}"}}}}`,
		spinetest.Binary(t)))
	if r := spine(t, dir, "call", "demo", "echo", "text=hi"); r.code != 0 || r.stdout != "hi\n" {
		t.Fatalf("call echo: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := spine(t, dir, "call", "demo", "fail", "message=boom"); r.code != 1 {
		t.Fatalf("call fail: code %d, want 1", r.code)
	}
	assertTools(t, spine(t, dir, "tools", "demo", "--output", "json").stdout, "demo")
	if r := spine(t, dir, "servers"); r.code != 0 {
		t.Fatalf("servers: code %d, %s", r.code, r.stderr)
	}
}

func TestCLIAgainstHTTPServer(t *testing.T) {
	noServersLeft(t)
	cmd := exec.Command(spinetest.Binary(t), "demo-server", "--http", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urlCh := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		urlCh <- strings.TrimSpace(line)
	}()
	var url string
	select {
	case url = <-urlCh:
	case <-time.After(spinetest.Patience):
		t.Fatal("demo server printed no URL")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "spine.toml"), fmt.Sprintf("[servers.web]\nurl = %q\n", url))
	if r := spine(t, dir, "call", "web", "echo", "text=hi"); r.code != 0 || r.stdout != "hi\n" {
		t.Fatalf("call echo over HTTP: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := spine(t, dir, "call", "web", "fail", "message=boom"); r.code != 1 {
		t.Fatalf("call fail over HTTP: code %d", r.code)
	}
	assertTools(t, spine(t, dir, "tools", "web", "--output", "json").stdout, "web")
	if r := spine(t, dir, "servers", "--output", "json"); r.code != 0 || !strings.Contains(r.stdout, `"ok": true`) {
		t.Fatalf("servers over HTTP: code %d, %s %s", r.code, r.stdout, r.stderr)
	}
}

func TestCLIBadConfigExits2(t *testing.T) {
	cases := []struct {
		name, config string
		want         []string
	}{
		{"unknown key", "[servers.demo]\ncommand = \"x\"\ncomand = \"y\"\n",
			[]string{"spine.toml:3", "servers.demo.comand", `did you mean "command"`}},
		{"malformed", "[servers.demo]\ncommand = \"x\n", []string{"spine.toml:2"}},
		{"bad duration", "[servers.demo]\ncommand = \"x\"\ncall_timeout = \"soon\"\n",
			[]string{"spine.toml:3", "servers.demo.call_timeout"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "spine.toml"), c.config)
			r := spine(t, dir, "call", "demo", "echo", "text=hi")
			if r.code != 2 || r.stdout != "" {
				t.Fatalf("code %d, stdout %q; want 2 and nothing on stdout", r.code, r.stdout)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q does not contain %q", r.stderr, w)
				}
			}
		})
	}
}

func TestCLIUsage(t *testing.T) {
	root := repoRoot(t)
	if r := spine(t, root, "frobnicate"); r.code != 2 || !strings.Contains(r.stderr, "unknown command") {
		t.Fatalf("unknown command: code %d, stderr %q", r.code, r.stderr)
	}
	if r := spine(t, root, "call", "demo"); r.code != 2 {
		t.Fatalf("call without TOOL: code %d", r.code)
	}
	if r := spine(t, root, "help"); r.code != 0 || !strings.Contains(r.stdout, "Commands:") {
		t.Fatalf("help: code %d", r.code)
	}
	if r := spine(t, root, "call", "nope", "echo"); r.code != 2 || !strings.Contains(r.stderr, `unknown server`) {
		t.Fatalf("unknown server: code %d, stderr %q", r.code, r.stderr)
	}
	if r := spine(t, root, "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "spine ") {
		t.Fatalf("version: %q", r.stdout)
	}
}

// spine call --timeout bounds a call that never answers: exit 1, class timeout in the
// message, no server left.
func TestCLICallTimeout(t *testing.T) {
	noServersLeft(t)
	r := spine(t, repoRoot(t), "call", "demo", "hang", "--timeout", "300ms")
	if r.code != 1 || !strings.Contains(r.stderr, "deadline") {
		t.Fatalf("call hang --timeout 300ms: code %d (want 1), stderr %q", r.code, r.stderr)
	}
	if r := spine(t, repoRoot(t), "call", "demo", "echo", "--timeout", "-1s"); r.code != 2 {
		t.Fatalf("--timeout -1s: code %d, want 2 (bad usage)", r.code)
	}
}
