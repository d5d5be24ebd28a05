package actors_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// shServer is a stdio server spec that runs script with sh; "$0" in it is the spine binary,
// so that `exec "$0" demo-server` becomes the demo server.
func shServer(t *testing.T, script string) capability.ServerSpec {
	spec := spinetest.Demo(t, "demo")
	spec.Command, spec.Args = "sh", []string{"-c", script, spec.Command}
	spec.Cwd = t.TempDir()
	return spec
}

// TestBannerOnStdoutIsSkipped: a server that prints a banner on stdout before its first
// message works; the line is counted, and logged at debug level with its secrets redacted.
func TestBannerOnStdoutIsSkipped(t *testing.T) {
	spinetest.NoLeaks(t)
	const token = "tok-5f1e2d3c4b"
	spec := shServer(t, `echo "Demo MCP server running on stdio (token $DEMO_TOKEN)"; exec "$0" demo-server`)
	spec.Env = map[string]string{"DEMO_TOKEN": token}
	var logs spinetest.Buffer
	rt, err := actors.Start(spinetest.Project(spec), actors.RuntimeOptions{Log: zerolog.New(&logs).Level(zerolog.DebugLevel)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = rt.Close(ctx)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, text := range []string{"one", "two"} {
		resp, err := rt.Do(ctx, "demo", &actors.Request{Op: actors.OpCallTool, Name: "echo", Args: json.RawMessage(`{"text":"` + text + `"}`)})
		if err != nil {
			t.Fatal(err)
		}
		res := resp.Result.(*mcp.CallToolResult)
		if len(res.Content) != 1 || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, text) {
			t.Fatalf("echo %s = %+v", text, res.Content)
		}
	}
	if st := rt.Stats()["demo"]; st.SkippedLines != 1 || st.SessionsCreated != 1 {
		t.Errorf("skipped lines %d, sessions %d; want 1 and 1", st.SkippedLines, st.SessionsCreated)
	}
	out := logs.String()
	if !strings.Contains(out, "Demo MCP server running on stdio (token [redacted])") || strings.Contains(out, token) {
		t.Errorf("debug log of the skipped line (redacted) missing, or the token shows:\n%s", out)
	}
}

// TestEndlessStdoutGarbageFailsTheHandshake: a server that writes garbage and never a message
// fails at the bound — not at connect_timeout — with an error that quotes the line, redacted.
func TestEndlessStdoutGarbageFailsTheHandshake(t *testing.T) {
	spinetest.NoLeaks(t)
	const token = "tok-9a8b7c6d5e"
	spec := shServer(t, `while :; do echo "listening with key $GARBAGE_KEY"; done`)
	spec.Env = map[string]string{"GARBAGE_KEY": token}
	spec.ConnectTimeout = time.Minute // a hang would end here, with another error
	_, err := actors.Dial(context.Background(), spec, nil)
	if err == nil {
		t.Fatal("Dial succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"non-MCP output to stdout", "more than 1000 lines", `"listening with key [redacted]"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, token) || strings.Contains(msg, "connect_timeout") {
		t.Errorf("error %q shows the key or blames the timeout", msg)
	}
}

// TestStdoutLineOfAServerThatExits: a server that prints its fatal error on stdout and exits
// fails the handshake with that line in the error.
func TestStdoutLineOfAServerThatExits(t *testing.T) {
	spinetest.NoLeaks(t)
	// It answers the client's first request with its error on stdout, as such servers do:
	// the client reads that line (and skips it) before it sees the end of the output.
	spec := shServer(t, `read line; echo "Error: API key missing"; echo "some detail" >&2; exit 1`)
	_, err := actors.Dial(context.Background(), spec, nil)
	if err == nil || !strings.Contains(err.Error(), `last non-MCP line on stdout: "Error: API key missing"`) ||
		!strings.Contains(err.Error(), "stderr: some detail") {
		t.Fatalf("err = %v", err)
	}
}
