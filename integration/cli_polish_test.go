package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/workflows"
)

// The CLI's usage, errors and output details, each run through the built binary.

func TestCLIHelp(t *testing.T) {
	root := repoRoot(t)
	for _, flag := range []string{"--help", "-h", "-help"} {
		r := spine(t, root, flag)
		if r.code != 0 || !strings.Contains(r.stdout, "Commands:") || r.stderr != "" {
			t.Errorf("spine %s: exit %d (want 0), stdout %.60q, stderr %q; want the usage on stdout", flag, r.code, r.stdout, r.stderr)
		}
	}
	if r := spine(t, root, "help"); r.code != 0 || !strings.Contains(r.stdout, "Commands:") {
		t.Errorf("spine help: exit %d, stdout %.60q", r.code, r.stdout)
	}
	r := spine(t, root, "help", "call")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "usage: spine call SERVER TOOL") || !strings.Contains(r.stdout, "-timeout") {
		t.Errorf("spine help call: exit %d, stdout %q; want call's usage and flags", r.code, r.stdout)
	}
	if r2 := spine(t, root, "call", "--help"); r2.code != 0 || r2.stdout != r.stdout {
		t.Errorf("spine call --help: exit %d; want what spine help call prints\n%s", r2.code, r2.stdout)
	}
	r = spine(t, root, "help", "nosuch")
	if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, `unknown command "nosuch"`) {
		t.Errorf("spine help nosuch: exit %d (want 2), stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = spine(t, root, "help", "bnech")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown command "bnech" (did you mean "bench"?)`) {
		t.Errorf("spine help bnech: exit %d, stderr %q", r.code, r.stderr)
	}
	// Without a command: the usage, on stderr, and exit 2 (nothing was asked for).
	if r := spine(t, root); r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "Commands:") {
		t.Errorf("spine: exit %d, stdout %q, stderr %.60q", r.code, r.stdout, r.stderr)
	}
}

func TestCLILogLevel(t *testing.T) {
	root := repoRoot(t)
	for _, args := range [][]string{
		{"--log-level", "verbose", "version"},
		{"version", "--log-level", "verbose"},
		{"--log-level=trace", "call", "demo", "echo", "text=hi"},
	} {
		r := spine(t, root, args...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "want one of debug, info, warn, error") {
			t.Errorf("spine %s: exit %d (want 2), stdout %q, stderr %q", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
	for _, level := range []string{"debug", "info", "warn", "error", "WARN"} {
		if r := spine(t, root, "--log-level", level, "version"); r.code != 0 {
			t.Errorf("--log-level %s: exit %d, stderr %q", level, r.code, r.stderr)
		}
	}
}

// An unknown server or tool is bad usage everywhere: exit 2, nothing called, the closest name
// suggested.
func TestCLIUnknownServerOrTool(t *testing.T) {
	noServersLeft(t)
	root := repoRoot(t)
	dir := wfFiles(t, map[string]string{
		"bad-server.toml": "[[steps]]\nid = \"a\"\nserver = \"dmeo\"\ntool = \"echo\"\nargs = { text = \"x\" }\n",
		"bad-tool.toml": "[[steps]]\nid = \"first\"\nserver = \"demo\"\ntool = \"counter\"\n\n" +
			"[[steps]]\nid = \"a\"\nserver = \"demo\"\ntool = \"ech\"\nargs = { text = \"x\" }\n",
	})
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"call", "dmeo", "echo", "text=hi"}, `unknown server "dmeo" (did you mean "demo"?)`},
		{[]string{"call", "nope", "echo"}, `unknown server "nope" (configured and enabled: demo)`},
		{[]string{"call", "demo", "ech", "text=hi"}, `unknown tool "ech" (did you mean "echo"?)`},
		{[]string{"call", "demo", "frobnicate"}, `unknown tool "frobnicate" (server "demo" has 11 tools; spine tools demo lists them)`},
		{[]string{"tools", "dmeo"}, `unknown server "dmeo" (did you mean "demo"?)`},
		{[]string{"resources", "dmeo"}, `unknown server "dmeo" (did you mean "demo"?)`},
		{[]string{"prompts", "dmeo", "--output", "json"}, `unknown server "dmeo" (did you mean "demo"?)`},
		{[]string{"describe", "dmeo"}, `unknown server "dmeo" (did you mean "demo"?)`},
		{[]string{"describe", "--server", "nope"}, `unknown server "nope"`},
		{[]string{"bench", "dmeo", "echo"}, `unknown server "dmeo" (did you mean "demo"?)`},
		{[]string{"bench", "demo", "ech", "--calls", "1", "--cold-calls", "0", "--sweep-time", "0"}, `unknown tool "ech" (did you mean "echo"?)`},
		{[]string{"run", filepath.Join(dir, "bad-server.toml")}, `unknown server "dmeo" (did you mean "demo"?)`},
		{[]string{"run", filepath.Join(dir, "bad-tool.toml")}, `bad-tool.toml:6: step "a": tool: unknown tool "ech" of server "demo" (did you mean "echo"?)`},
	}
	for _, c := range cases {
		r := spine(t, root, c.args...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, c.want) {
			t.Errorf("spine %s: exit %d (want 2), stdout %q, stderr %q; want %q", strings.Join(c.args, " "), r.code, r.stdout, r.stderr, c.want)
		}
		if strings.Contains(r.stderr, "spine bench: ") && strings.Contains(r.stderr, "round") {
			t.Errorf("spine %s measured something before refusing: %q", strings.Join(c.args, " "), r.stderr)
		}
	}
	// Commands too.
	if r := spine(t, root, "cal", "demo", "echo"); r.code != 2 || !strings.Contains(r.stderr, `unknown command "cal" (did you mean "call"?)`) {
		t.Errorf("spine cal: exit %d, stderr %q", r.code, r.stderr)
	}
}

// A project without servers is refused alike by every command that needs a server.
func TestCLINoServersConfigured(t *testing.T) {
	empty := t.TempDir()
	for _, args := range [][]string{
		{"servers"}, {"servers", "--output", "json"}, {"tools"}, {"tools", "demo"}, {"resources"}, {"prompts"},
		{"call", "demo", "echo"}, {"describe"}, {"describe", "demo"}, {"bench", "demo", "echo"},
	} {
		r := spine(t, empty, append([]string{"--project", empty}, args...)...)
		want := "no servers configured in " + empty
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, want) {
			t.Errorf("spine %s in an empty project: exit %d (want 2), stdout %q, stderr %q", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
}

// When stderr is not a terminal (here: a pipe), a failed command prints its error once, in
// words, and no JSON log line that says it again. The events are still there at debug level.
func TestCLIFailurePrintedOnce(t *testing.T) {
	noServersLeft(t)
	root := repoRoot(t)
	r := spine(t, root, "call", "demo", "crash")
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if r.code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], `spine call: server "demo": tool "crash": session lost`) {
		t.Errorf("call crash: exit %d (want 1), stderr %q; want one line, the readable error", r.code, r.stderr)
	}
	r = spine(t, root, "--log-level", "debug", "call", "demo", "crash")
	if r.code != 1 || !strings.Contains(r.stderr, `"event":"session_lost"`) {
		t.Errorf("call crash at debug level: exit %d, stderr %q; want the session_lost event logged", r.code, r.stderr)
	}
}

// A server that can't be reached says so, without talking of a handshake that never began.
func TestCLIUnreachableServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/mcp"
	l.Close() // nothing listens there now: the dial is refused
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "spine.toml"), fmt.Sprintf("[servers.gone]\nurl = %q\n", url))
	want := "connect: cannot reach " + url + ": connection refused"
	r := spine(t, dir, "call", "gone", "echo", "text=hi")
	if r.code != 1 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "handshake") {
		t.Errorf("call on a refused port: exit %d (want 1), stderr %q; want one line with %q", r.code, r.stderr, want)
	}
	r = spine(t, dir, "servers")
	if r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("servers: exit %d, stderr %q; want %q", r.code, r.stderr, want)
	}
}

// A null value is text like any other for a string parameter, and a value of the wrong type
// for a typed one is refused by the CLI in words.
func TestCLINullArgument(t *testing.T) {
	noServersLeft(t)
	root := repoRoot(t)
	if r := spine(t, root, "call", "demo", "echo", "text=null"); r.code != 0 || r.stdout != "null\n" {
		t.Errorf("call echo text=null: exit %d, stdout %q, stderr %q; want null", r.code, r.stdout, r.stderr)
	}
	r := spine(t, root, "call", "demo", "add", "a=null", "b=1")
	if r.code != 2 || !strings.Contains(r.stderr, `argument a=null: want a number for parameter "a" of tool "add"`) || strings.Contains(r.stderr, "invalid reflect") {
		t.Errorf("call add a=null: exit %d (want 2), stderr %q", r.code, r.stderr)
	}
}

// k=v values are typed by the tool's input schema.
func TestCLITypedArguments(t *testing.T) {
	noServersLeft(t)
	root := repoRoot(t)
	if r := spine(t, root, "call", "demo", "echo", "text=123"); r.code != 0 || r.stdout != "123\n" {
		t.Errorf("call echo text=123: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := spine(t, root, "call", "demo", "add", "a=2", "b=0.5"); r.code != 0 || r.stdout != "2.5\n" {
		t.Errorf("call add a=2 b=0.5: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := spine(t, root, "call", "demo", "sleep", "ms=1.5"); r.code != 2 || !strings.Contains(r.stderr, `want an integer for parameter "ms"`) {
		t.Errorf("call sleep ms=1.5: exit %d, stderr %q", r.code, r.stderr)
	}

	// The arguments as the server received them.
	dir := metaProject(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"message=123"}, `{"message":"123"}`},
		{[]string{"message=true"}, `{"message":"true"}`},
		{[]string{"message=hello world"}, `{"message":"hello world"}`},
		{[]string{"n=123"}, `{"n":123}`},
		{[]string{"n=12345678901234567890"}, `{"n":12345678901234567890}`},
		{[]string{"flags=[1,2]", "opts={\"a\":1}", "on=false"}, `{"flags":[1,2],"on":false,"opts":{"a":1}}`},
		{[]string{"maybe=null"}, `{"maybe":null}`},
		{[]string{"maybe=abc"}, `{"maybe":"abc"}`},
		{[]string{"loose=123"}, `{"loose":123}`},   // not typed by the schema: JSON if it parses
		{[]string{"loose=abc"}, `{"loose":"abc"}`}, // else a string
		{[]string{"--args", `{"message":"x"}`, "n=1"}, `{"message":"x","n":1}`},
	} {
		r := spine(t, dir, append([]string{"call", "meta", "tagged"}, c.args...)...)
		if first, _, _ := strings.Cut(r.stdout, "\n"); r.code != 0 || first != c.want {
			t.Errorf("call tagged %s: exit %d, stdout %q, stderr %q; want %s", strings.Join(c.args, " "), r.code, r.stdout, r.stderr, c.want)
		}
	}
	for _, args := range [][]string{{"n=abc"}, {"on=yes"}, {"flags={}"}, {"opts=[1]"}} {
		if r := spine(t, dir, append([]string{"call", "meta", "tagged"}, args...)...); r.code != 2 || !strings.Contains(r.stderr, "want ") {
			t.Errorf("call tagged %s: exit %d (want 2), stderr %q", strings.Join(args, " "), r.code, r.stderr)
		}
	}
}

// _meta is protocol metadata: not in text output, not in JSON output unless --meta.
func TestCLIMetaLeftOut(t *testing.T) {
	dir := metaProject(t)
	r := spine(t, dir, "call", "meta", "tagged", "message=hi", "--output", "json")
	if r.code != 0 || strings.Contains(r.stdout, "_meta") || !strings.Contains(r.stdout, `"text"`) {
		t.Errorf("call --output json: exit %d, stdout %s, stderr %q; want the result without _meta", r.code, r.stdout, r.stderr)
	}
	r = spine(t, dir, "call", "meta", "tagged", "message=hi", "--output", "json", "--meta")
	if r.code != 0 || strings.Count(r.stdout, `"_meta"`) != 3 { // the result's, the text's, the link's
		t.Errorf("call --output json --meta: exit %d, stdout %s; want the result's and its contents' _meta", r.code, r.stdout)
	}
	r = spine(t, dir, "call", "meta", "tagged", "message=hi")
	if r.code != 0 || strings.Contains(r.stdout, "_meta") || !strings.Contains(r.stdout, "meta://linked") {
		t.Errorf("call (text): exit %d, stdout %q; want the content without _meta", r.code, r.stdout)
	}
	for _, kind := range []string{"tools", "resources", "prompts"} {
		r := spine(t, dir, kind, "meta", "--output", "json")
		if r.code != 0 || strings.Contains(r.stdout, "_meta") || !strings.Contains(r.stdout, `"name"`) {
			t.Errorf("%s --output json: exit %d, stdout %s, stderr %q; want items without _meta", kind, r.code, r.stdout, r.stderr)
		}
		r = spine(t, dir, kind, "meta", "--output", "json", "--meta")
		if r.code != 0 || !strings.Contains(r.stdout, `"_meta"`) {
			t.Errorf("%s --output json --meta: exit %d, stdout %s; want the items' _meta", kind, r.code, r.stdout)
		}
	}
	writeFile(t, filepath.Join(dir, "wf.toml"), "[[steps]]\nid = \"a\"\nserver = \"meta\"\ntool = \"tagged\"\nargs = { message = \"hi\" }\n")
	if r := spine(t, dir, "run", "wf.toml", "--output", "json"); r.code != 0 || strings.Contains(r.stdout, "_meta") {
		t.Errorf("run --output json: exit %d, stdout %s, stderr %q; want step results without _meta", r.code, r.stdout, r.stderr)
	}
	if r := spine(t, dir, "run", "wf.toml", "--output", "json", "--meta"); r.code != 0 || !strings.Contains(r.stdout, `"_meta"`) {
		t.Errorf("run --output json --meta: exit %d, stdout %s; want the step result's _meta", r.code, r.stdout)
	}
	if r := spine(t, dir, "call", "--help"); !strings.Contains(r.stdout, "-meta") || !strings.Contains(r.stdout, "_meta") {
		t.Errorf("call --help does not document --meta:\n%s", r.stdout)
	}
}

// The usage of bench names every flag it has, and examples/fanout.toml's comment counts its
// sleep steps right.
func TestCLIUsageListsEveryFlag(t *testing.T) {
	root := repoRoot(t)
	for _, cmd := range []string{"bench", "call", "run", "tools", "servers", "describe"} {
		r := spine(t, root, "help", cmd)
		synopsis, defaults, ok := strings.Cut(r.stdout, "\n\n")
		if r.code != 0 || !ok {
			t.Fatalf("help %s: exit %d, stdout %q", cmd, r.code, r.stdout)
		}
		for _, m := range regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatch(defaults, -1) {
			switch m[1] {
			case "project", "config", "log-level": // the global flags
				continue
			}
			if !strings.Contains(synopsis, "--"+m[1]) {
				t.Errorf("usage of %s does not list --%s:\n%s", cmd, m[1], synopsis)
			}
		}
		if cmd == "bench" && !strings.Contains(synopsis, "k=v") {
			t.Errorf("usage of bench does not list k=v:\n%s", synopsis)
		}
	}

	data, err := os.ReadFile(filepath.Join(root, "examples", "fanout.toml"))
	if err != nil {
		t.Fatal(err)
	}
	wf, err := workflows.Parse("fanout.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	sleeps := 0
	for _, s := range wf.Steps {
		if s.Target == "sleep" {
			sleeps++
		}
	}
	words := map[int]string{2: "two", 3: "three", 4: "four", 5: "five"}
	if want := fmt.Sprintf("the %s `sleep` steps", words[sleeps]); !strings.Contains(string(data), want) {
		t.Errorf("examples/fanout.toml has %d sleep steps; its comment does not say %q", sleeps, want)
	}
}

// metaProject serves, in this process over streamable HTTP, an MCP server whose tool, result,
// contents, resource and prompt all carry _meta, and returns a project directory naming it
// "meta". Its tool "tagged" answers with the arguments it received, as JSON text.
func metaProject(t *testing.T) string {
	t.Helper()
	meta := mcp.Meta{"example.com/tag": "from the server"}
	server := mcp.NewServer(&mcp.Implementation{Name: "meta", Version: "1"}, nil)
	server.AddTool(&mcp.Tool{
		Name: "tagged", Description: "answers with its arguments", Meta: meta,
		InputSchema: map[string]any{"type": "object", "properties": map[string]any{
			"message": map[string]any{"type": "string"},
			"n":       map[string]any{"type": "number"},
			"on":      map[string]any{"type": "boolean"},
			"flags":   map[string]any{"type": "array"},
			"opts":    map[string]any{"type": "object"},
			"maybe":   map[string]any{"type": []any{"null", "string"}},
			"loose":   map[string]any{"description": "any JSON"},
		}},
	}, func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var args map[string]any
		dec := json.NewDecoder(strings.NewReader(string(req.Params.Arguments)))
		dec.UseNumber()
		if err := dec.Decode(&args); err != nil {
			return nil, err
		}
		text, _ := json.Marshal(args)
		return &mcp.CallToolResult{Meta: meta, Content: []mcp.Content{
			&mcp.TextContent{Text: string(text), Meta: meta},
			&mcp.ResourceLink{URI: "meta://linked", Name: "linked", Meta: meta},
		}}, nil
	})
	server.AddResource(&mcp.Resource{URI: "meta://doc", Name: "doc", Meta: meta},
		func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, Text: "doc", Meta: meta}}}, nil
		})
	server.AddPrompt(&mcp.Prompt{Name: "greet", Meta: meta},
		func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "hello"}}}}, nil
		})
	srv := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "spine.toml"), fmt.Sprintf("[servers.meta]\nurl = %q\n", srv.URL))
	return dir
}
