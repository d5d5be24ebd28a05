package actors_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestCallCancelledWhileAsking: a caller that gives up while the server is asking it a
// question gets the context's failure at once (maybe_ran: the call was sent), the call ends
// on its session — the question, whose context is the call's, ends with it — and the session
// serves the next call. The demo's ask tool holds the call open in the caller's Asker until
// the call is cancelled.
func TestCallCancelledWhileAsking(t *testing.T) {
	spinetest.NoLeaks(t)
	rt := startAskingRuntime(t, spinetest.Demo(t, "demo"))
	base, stop := context.WithTimeout(context.Background(), spinetest.Patience)
	defer stop()

	ctx, cancel := context.WithCancel(base)
	done, ended := holdCall(t, rt, base, ctx)
	cancelAsked(t, base, cancel, done, ended)

	resp, err := rt.Do(base, "demo", &actors.Request{Op: actors.OpCallTool, Name: "echo", Args: json.RawMessage(`{"text":"next"}`)})
	if err != nil {
		t.Fatalf("the next call: %v", err)
	}
	if res := resp.Result.(*mcp.CallToolResult); len(res.Content) != 1 || res.Content[0].(*mcp.TextContent).Text != "next" {
		t.Fatalf("the next call answered %+v", res.Content)
	}
}

// startAskingRuntime starts a runtime for spec that declares elicitation (declining what no
// caller's Asker answers), closed when the test ends.
func startAskingRuntime(t *testing.T, spec capability.ServerSpec) *actors.Runtime {
	t.Helper()
	return startRuntimeWith(t, spec, actors.RuntimeOptions{
		Log: zerolog.Nop(),
		Handlers: actors.ClientHandlers{Elicit: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: "decline"}, nil
		}},
	})
}

// holdCall starts a call of the demo's ask tool under ctx, whose question its caller's Asker
// holds open until the call ends, and returns once the question has come: done gets the
// call's error, ended the question's context error once the call is over. base bounds the
// wait.
func holdCall(t *testing.T, rt *actors.Runtime, base, ctx context.Context) (done, ended <-chan error) {
	t.Helper()
	asked, over, result := make(chan struct{}), make(chan error, 1), make(chan error, 1)
	asker := &actors.Asker{Key: "holder", Elicit: func(ctx context.Context, _ *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
		close(asked)
		<-ctx.Done() // the question ends with the call
		over <- ctx.Err()
		return nil, ctx.Err()
	}}
	go func() {
		_, err := rt.Do(ctx, "demo", &actors.Request{Op: actors.OpCallTool, Name: "ask",
			Args: json.RawMessage(`{"question":"hold?"}`), Asker: asker})
		result <- err
	}()
	select {
	case <-asked:
	case err := <-result:
		t.Fatalf("the call ended before its question: %v", err)
	case <-base.Done():
		t.Fatal("the question never came")
	}
	return result, over
}

// cancelAsked cancels a call whose question is open, and checks that its caller gets a
// maybe_ran failure for context.Canceled at once (done: the call's error), and that the
// question ends with the call (ended, from holdingAsker). base bounds the waits.
func cancelAsked(t *testing.T, base context.Context, cancel context.CancelFunc, done, ended <-chan error) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		var ce *actors.CallError
		if !errors.Is(err, context.Canceled) || !errors.As(err, &ce) || ce.Class != actors.ClassMaybeRan {
			t.Fatalf("cancelled call: %v, want a maybe_ran CallError for context.Canceled", err)
		}
	case <-base.Done():
		t.Fatal("the caller that gave up is still waiting")
	}
	select {
	case <-ended:
	case <-base.Done():
		t.Fatal("the question outlived the call")
	}
}
