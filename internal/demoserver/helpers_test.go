package demoserver

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// helperEnv, when set to "stdio" in the environment of the test binary, makes
// it run ServeStdio instead of the tests, so that tests can spawn the demo
// server as a real process.
const helperEnv = "SPINE_DEMOSERVER_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "stdio" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := ServeStdio(ctx, Options{Stderr: os.Stderr})
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// legacy asks for the protocol version SPINE uses by default.
var legacy = &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"}

// protocols are the client session options every in-memory test runs with:
// the SDK's default (the draft protocol, via server/discover) and the one
// SPINE pins.
var protocols = []struct {
	name string
	opts *mcp.ClientSessionOptions
}{
	{"default", nil},
	{"2025-11-25", legacy},
}

// checkNoLeaks fails t if, once every other cleanup has run, more goroutines
// are running than when it was called. Register it first.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(spinetest.Patience)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("goroutines: %d before, %d after; still running:\n%s", before, runtime.NumGoroutine(), buf)
				return
			}
			<-tick.C
		}
	})
}

// testContext returns a context that ends with the test, bounded so that a
// stuck call fails the test instead of hanging it.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), spinetest.Patience)
	t.Cleanup(cancel)
	return ctx
}

// connect connects a new client to s over in-memory transports and closes
// both ends when the test ends.
func connect(t *testing.T, s *mcp.Server, copts *mcp.ClientOptions, sopts *mcp.ClientSessionOptions) *mcp.ClientSession {
	t.Helper()
	ctx := testContext(t)
	st, ct := mcp.NewInMemoryTransports()
	ss, err := s.Connect(ctx, st, nil)
	if err != nil {
		t.Fatalf("server connect: %v", err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "demoserver-test", Version: "0"}, copts).Connect(ctx, ct, sopts)
	if err != nil {
		_ = ss.Close()
		t.Fatalf("client connect: %v", err)
	}
	t.Cleanup(func() {
		_ = cs.Close()
		_ = ss.Wait()
	})
	return cs
}

// call calls tool with fresh params and fails the test on a protocol error.
func call(t *testing.T, cs *mcp.ClientSession, tool string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(testContext(t), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", tool, err)
	}
	return res
}

// textOf returns the text of a result's content, failing unless it is
// exactly one text block.
func textOf(t *testing.T, res *mcp.CallToolResult) string {
	t.Helper()
	if len(res.Content) != 1 {
		t.Fatalf("want one content block, got %d: %+v", len(res.Content), res.Content)
	}
	tc, ok := res.Content[0].(*mcp.TextContent)
	if !ok {
		t.Fatalf("want text content, got %T", res.Content[0])
	}
	return tc.Text
}

// callText calls tool and returns its text, failing on a tool error.
func callText(t *testing.T, cs *mcp.ClientSession, tool string, args map[string]any) string {
	t.Helper()
	res := call(t, cs, tool, args)
	if res.IsError {
		t.Fatalf("call %s: tool error: %s", tool, textOf(t, res))
	}
	return textOf(t, res)
}

// receive waits for a value on ch, failing the test after a bound.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(spinetest.Patience):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func mustContain(t *testing.T, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("%s = %q, want it to contain %q", what, got, want)
	}
}
