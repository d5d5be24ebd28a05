package actors_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestLane: tool calls whose callers ask for a lane run on a slot the pool lends, on the
// callers' goroutines, against the stdio demo server; what fails there is decided by the pool
// as ever — a timeout named after its knob, a crash not replayed — a caller that gives up
// gets its failure at once, and the lane opens again for the next calls.
func TestLane(t *testing.T) {
	spinetest.NoLeaks(t)
	spec := spinetest.Demo(t, "demo")
	spec.ToolTimeouts = map[string]time.Duration{"sleep": 300 * time.Millisecond}
	spec.DisabledTools = []string{"fail"}
	rt := startAskingRuntime(t, spec)
	base, stop := context.WithTimeout(context.Background(), spinetest.Patience)
	defer stop()
	lane := actors.WithLane(base)

	call := func(ctx context.Context, tool, args string) (*actors.Response, error) {
		return rt.Do(ctx, "demo", &actors.Request{Op: actors.OpCallTool, Name: tool, Args: json.RawMessage(args)})
	}
	echo := func(ctx context.Context, text string) {
		t.Helper()
		resp, err := call(ctx, "echo", `{"text":"`+text+`"}`)
		if err != nil {
			t.Fatalf("echo %s: %v", text, err)
		}
		if res := resp.Result.(*mcp.CallToolResult); len(res.Content) != 1 || res.Content[0].(*mcp.TextContent).Text != text {
			t.Fatalf("echo %s answered %+v", text, res.Content)
		}
	}
	// onLane echoes until a call has run on an open lane (the first call of a caller that
	// asks for one opens it, behind itself), and returns how many ran there.
	onLane := func() int64 {
		t.Helper()
		for i := 0; ; i++ {
			before, _ := actors.LaneCalls(rt, "demo")
			echo(lane, "warm")
			if after, open := actors.LaneCalls(rt, "demo"); after > before && open {
				return after
			}
			if i == 100 {
				t.Fatal("no call ran on a lane in 100 calls")
			}
		}
	}

	served := onLane()
	for i := range 20 {
		echo(lane, strings.Repeat("x", i+1))
	}
	if n, _ := actors.LaneCalls(rt, "demo"); n != served+20 {
		t.Fatalf("%d of 20 calls ran on the open lane", n-served)
	}
	echo(base, "plain") // a caller that did not ask takes the usual path
	if n, _ := actors.LaneCalls(rt, "demo"); n != served+20 {
		t.Fatal("a call that did not ask for a lane ran on one")
	}

	t.Run("disabled tool", func(t *testing.T) {
		onLane()
		if _, err := call(lane, "fail", `{}`); !errors.Is(err, actors.ErrToolDisabled) {
			t.Fatalf("a disabled tool called by a caller that asks for a lane: %v, want ErrToolDisabled", err)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		before := onLane()
		_, err := call(lane, "sleep", `{"ms":60000}`)
		var ce *actors.CallError
		if !errors.As(err, &ce) || ce.Class != actors.ClassTimeout || !strings.Contains(err.Error(), "tool_timeouts.sleep") {
			t.Fatalf("a call past its tool timeout on a lane: %v, want a timeout naming tool_timeouts.sleep", err)
		}
		if n, _ := actors.LaneCalls(rt, "demo"); n != before+1 {
			t.Fatal("the sleep did not run on the lane")
		}
		echo(lane, "after the timeout")
	})

	t.Run("cancel", func(t *testing.T) {
		// The demo's ask tool holds the call open in its caller's Asker until it ends.
		before := onLane()
		ctx, cancel := context.WithCancel(lane)
		done, ended := holdCall(t, rt, base, ctx)
		if n, _ := actors.LaneCalls(rt, "demo"); n != before+1 {
			t.Fatal("the asking call did not run on the lane")
		}
		cancelAsked(t, base, cancel, done, ended)
		echo(lane, "after the cancel")
	})

	t.Run("crash", func(t *testing.T) {
		before := onLane()
		_, err := call(lane, "crash", `{}`)
		var ce *actors.CallError
		if !errors.As(err, &ce) || ce.Class != actors.ClassMaybeRan || !strings.Contains(err.Error(), "not retried") {
			t.Fatalf("a crash on a lane: %v, want maybe_ran, not retried", err)
		}
		if n, _ := actors.LaneCalls(rt, "demo"); n != before+1 {
			t.Fatal("the crash did not run on the lane")
		}
		onLane() // a new session, and a lane on it
	})
}

// TestLaneYieldsToWaitingCalls: a lane gives its slot up to a call that waits for a session.
// One session of two slots: the lane holds one, a call held open by its question the other;
// the next call gets the lane's slot rather than waiting for the question to end. (The
// server actor closes the lane on the call's arrival; the maintenance tick, within a second,
// would close it too: the pool's own tests pin the first.)
func TestLaneYieldsToWaitingCalls(t *testing.T) {
	spinetest.NoLeaks(t)
	spec := spinetest.Demo(t, "demo")
	spec.MaxSessions, spec.MaxInflight = 1, 2
	rt := startAskingRuntime(t, spec)
	base, stop := context.WithTimeout(context.Background(), spinetest.Patience)
	defer stop()
	lane := actors.WithLane(base)
	echo := func(ctx context.Context) error {
		_, err := rt.Do(ctx, "demo", &actors.Request{Op: actors.OpCallTool, Name: "echo", Args: json.RawMessage(`{"text":"x"}`)})
		return err
	}
	for i := 0; ; i++ {
		if err := echo(lane); err != nil {
			t.Fatal(err)
		}
		if _, open := actors.LaneCalls(rt, "demo"); open {
			break
		}
		if i == 100 {
			t.Fatal("no lane opened in 100 calls")
		}
	}

	hold, release := context.WithCancel(base)
	held, _ := holdCall(t, rt, base, hold)
	if err := echo(base); err != nil { // waits for a slot: the lane's, or none until the question ends
		t.Fatalf("the call that waited: %v", err)
	}
	if _, open := actors.LaneCalls(rt, "demo"); open {
		t.Fatal("the lane is still open after a call waited")
	}
	release()
	<-held
}
