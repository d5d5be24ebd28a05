package executor_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// newExecutor starts an executor over servers and closes it when the test ends.
func newExecutor(t *testing.T, servers ...capability.ServerSpec) *executor.Executor {
	t.Helper()
	ex, err := executor.New(spinetest.Project(servers...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ex.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return ex
}

func text(t *testing.T, res *mcp.CallToolResult) string {
	t.Helper()
	if len(res.Content) == 0 {
		t.Fatalf("result has no content: %+v", res)
	}
	tc, ok := res.Content[0].(*mcp.TextContent)
	if !ok {
		t.Fatalf("content is %T, not text", res.Content[0])
	}
	return tc.Text
}

func call(t *testing.T, ex *executor.Executor, server, tool string, args any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	res, err := ex.CallTool(ctx, server, tool, args)
	if err != nil {
		t.Fatalf("%s/%s: %v", server, tool, err)
	}
	return res
}

func TestManyCallsShareOneSession(t *testing.T) {
	spinetest.NoLeaks(t)
	ex := newExecutor(t, spinetest.Demo(t, "demo"))
	for i := range 200 {
		if got := text(t, call(t, ex, "demo", "counter", nil)); got != strconv.Itoa(i+1) {
			t.Fatalf("call %d: counter = %q: calls did not stay on one session", i+1, got)
		}
	}
	st := ex.Stats().Servers["demo"]
	if st.SessionsCreated != 1 || st.Calls != 200 || st.Hits != 199 || st.Misses != 1 {
		t.Fatalf("stats = %+v, want 1 session, 200 calls, 199 hits, 1 miss", st)
	}
}

func TestCrashRestartsSession(t *testing.T) {
	spinetest.NoLeaks(t)
	ex := newExecutor(t, spinetest.Demo(t, "demo"))
	call(t, ex, "demo", "counter", nil)
	_, err := ex.CallTool(context.Background(), "demo", "crash", nil)
	if !errors.Is(err, executor.ErrSessionLost) {
		t.Fatalf("crash: err = %v, want ErrSessionLost", err)
	}
	if got := text(t, call(t, ex, "demo", "counter", nil)); got != "1" {
		t.Fatalf("counter after crash = %q, want 1 (a fresh session)", got)
	}
	st := ex.Stats().Servers["demo"]
	if st.SessionsCreated != 2 || st.Restarts < 1 {
		t.Fatalf("stats = %+v, want 2 sessions created and a restart", st)
	}
}

func TestCloseWithHangingCall(t *testing.T) {
	spinetest.NoLeaks(t)
	ex, err := executor.New(spinetest.Project(spinetest.Demo(t, "demo")))
	if err != nil {
		t.Fatal(err)
	}
	call(t, ex, "demo", "echo", map[string]any{"text": "warm"})
	done := make(chan error, 1)
	go func() {
		_, err := ex.CallTool(context.Background(), "demo", "hang", nil)
		done <- err
	}()
	spinetest.Eventually(t, spinetest.Patience, "the hang call in flight", func() bool {
		return ex.Stats().Servers["demo"].Sessions.Busy == 1
	})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := ex.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Close took %s with a hang call in flight", d)
	}
	if err := <-done; !errors.Is(err, executor.ErrClosed) {
		t.Fatalf("hang call: err = %v, want ErrClosed", err)
	}
	if _, err := ex.CallTool(context.Background(), "demo", "echo", nil); !errors.Is(err, executor.ErrClosed) {
		t.Fatalf("call after Close: err = %v, want ErrClosed", err)
	}
	if err := ex.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestToolErrorIsAResult(t *testing.T) {
	spinetest.NoLeaks(t)
	ex := newExecutor(t, spinetest.Demo(t, "demo"))
	res := call(t, ex, "demo", "fail", map[string]any{"message": "boom"})
	if !res.IsError || text(t, res) != "boom" {
		t.Fatalf("fail = %+v, want an isError result saying boom", res)
	}
	if _, err := ex.CallTool(context.Background(), "nope", "echo", nil); !errors.Is(err, executor.ErrUnknownServer) {
		t.Fatalf("unknown server: err = %v", err)
	}
	if _, err := ex.CallTool(context.Background(), "demo", "no_such_tool", nil); err == nil {
		t.Fatal("unknown tool: no error")
	}
	if got := text(t, call(t, ex, "demo", "echo", map[string]any{"text": "still fine"})); got != "still fine" {
		t.Fatalf("echo after errors = %q", got)
	}
}

func TestResourcePromptAndLists(t *testing.T) {
	spinetest.NoLeaks(t)
	ex := newExecutor(t, spinetest.Demo(t, "demo"))
	ctx := context.Background()
	rr, err := ex.ReadResource(ctx, "demo", "demo://readme")
	if err != nil || len(rr.Contents) == 0 || rr.Contents[0].Text == "" {
		t.Fatalf("ReadResource = %+v, %v", rr, err)
	}
	pr, err := ex.GetPrompt(ctx, "demo", "summarize", map[string]string{"topic": "pools"})
	if err != nil || len(pr.Messages) == 0 {
		t.Fatalf("GetPrompt = %+v, %v", pr, err)
	}
	tools, err := ex.ListTools(ctx, "demo")
	if err != nil || len(tools) != 11 {
		t.Fatalf("ListTools = %d tools, %v; want 11", len(tools), err)
	}
	res, err := ex.ListResources(ctx, "demo")
	if err != nil || len(res) != 1 {
		t.Fatalf("ListResources = %v, %v", res, err)
	}
	prompts, err := ex.ListPrompts(ctx, "demo")
	if err != nil || len(prompts) != 1 {
		t.Fatalf("ListPrompts = %v, %v", prompts, err)
	}
}
