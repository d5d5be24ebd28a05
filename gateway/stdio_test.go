package gateway_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// greetWorkflow is a workflow with typed inputs and an output, served as workflow__greet.
const greetWorkflow = `
name        = "greet"
description = "greets someone a number of times"

[inputs]
who   = { type = "string", description = "whom to greet", required = true }
count = { type = "integer", default = 2 }

[[steps]]
id     = "times"
server = "demo"
tool   = "add"
args   = { a = "{{ .inputs.count }}", b = 0 }

[[steps]]
id     = "say"
server = "demo"
tool   = "echo"
args   = { text = "hello {{ .inputs.who }} x{{ .steps.times.json.sum }}" }

[outputs]
said = "{{ .steps.say.text }}"
`

// TestServeStdio drives spine serve --stdio as a host would (a command it launches): list,
// call, an affinity server, a workflow tool with a progress notification per step. Closing
// stdin ends the process and every upstream with it.
func TestServeStdio(t *testing.T) {
	spinetest.NoLeaks(t)
	dir := project(t, demoProject)
	if err := os.MkdirAll(filepath.Join(dir, "workflows"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "workflows", "greet.toml"), []byte(greetWorkflow), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(spinetest.Binary(t), "serve", "--stdio")
	cmd.Dir = dir
	stderr := &spinetest.Buffer{}
	cmd.Stderr = stderr
	var mu sync.Mutex
	var steps []string
	c := mcp.NewClient(&mcp.Implementation{Name: "host", Version: "1"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			defer mu.Unlock()
			steps = append(steps, req.Params.Message)
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	cs, err := c.Connect(ctx, &mcp.CommandTransport{Command: cmd}, legacy)
	if err != nil {
		t.Fatalf("connect: %v\nstderr:\n%s", err, stderr)
	}
	t.Cleanup(func() { _ = cs.Close() })
	if got, _ := call(t, cs, "demo__echo", map[string]any{"text": "over stdio"}); got != "over stdio" {
		t.Errorf("echo: %q", got)
	}
	for _, want := range []string{"1", "2"} {
		if got, _ := call(t, cs, "aff__counter", nil); got != want {
			t.Errorf("counter: %q, want %s", got, want)
		}
	}

	var schema map[string]any
	for tool, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if tool.Name == "workflow__greet" {
			b, _ := json.Marshal(tool.InputSchema)
			_ = json.Unmarshal(b, &schema)
		}
	}
	if req, _ := schema["required"].([]any); len(req) != 1 || req[0] != "who" {
		t.Errorf("workflow__greet input schema: %v", schema)
	}
	params := &mcp.CallToolParams{Name: "workflow__greet", Arguments: map[string]any{"who": "ada", "count": 3}}
	params.SetProgressToken("wf")
	res, err := cs.CallTool(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(res.StructuredContent); res.IsError || string(b) != `{"said":"hello ada x3"}` {
		t.Errorf("workflow__greet: isError %v, structured %s, text %q", res.IsError, b, text(res))
	}
	// The client runs notification handlers on their own: the last may run after the result.
	spinetest.Eventually(t, spinetest.Patience, "a progress notification per step", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(steps) >= 2
	})
	mu.Lock()
	if len(steps) != 2 || steps[0] != "step times: ok" || steps[1] != "step say: ok" {
		t.Errorf("progress of the workflow: %q, want one per finished step", steps)
	}
	mu.Unlock()
	if _, res := call(t, cs, "workflow__greet", map[string]any{"count": 1}); !res.IsError {
		t.Error("workflow__greet without its required input: no error")
	}

	if err := cs.Close(); err != nil { // closes stdin: spine serve ends, and its servers
		t.Logf("close: %v", err)
	}
	spinetest.Eventually(t, spinetest.Patience, "spine serve and its servers to exit", func() bool {
		return len(spinetest.Processes(spinetest.Binary(t))) == 0
	})
}
