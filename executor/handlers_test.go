package executor_test

import (
	"context"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// eraServers are the demo server in each era over each transport, as specs named demo.
func eraServers(t *testing.T) []struct {
	name string
	spec capability.ServerSpec
} {
	stateful, stateless := demoHTTP(t, false), demoHTTP(t, true)
	pin := func(spec capability.ServerSpec, protocol string) capability.ServerSpec {
		spec.Protocol = protocol
		return spec
	}
	return []struct {
		name string
		spec capability.ServerSpec
	}{
		{"stdio legacy", pin(spinetest.Demo(t, "demo"), "2025-11-25")},
		{"stdio modern", pin(spinetest.Demo(t, "demo"), "2026-07-28")},
		{"http legacy", pin(httpDemo(t, "demo", stateful), "2025-11-25")},
		{"http modern", pin(httpDemo(t, "demo", stateless), "2026-07-28")},
	}
}

// TestClientHandlers: elicitation, sampling and roots round trips through the Go API against
// the demo server in both eras (server→client requests on 2025-11-25, multi-round-trip input
// requests on 2026-07-28); and a client that declared none: the server's question fails the
// call with an error that says what the client does not offer, and the session lives on.
func TestClientHandlers(t *testing.T) {
	spinetest.NoLeaks(t)
	for _, c := range eraServers(t) {
		t.Run(c.name, func(t *testing.T) {
			var asked string
			ex, err := executor.New(spinetest.Project(c.spec),
				executor.WithElicitationHandler(func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
					asked = req.Params.Message
					return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"answer": "blue"}}, nil
				}),
				executor.WithSamplingHandler(func(_ context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
					said := req.Params.Messages[0].Content.(*mcp.TextContent).Text
					return &mcp.CreateMessageResult{Model: "test-model", Role: "assistant", Content: &mcp.TextContent{Text: "echo " + said}}, nil
				}),
				executor.WithRoots(&mcp.Root{URI: "file:///work/project", Name: "project"}))
			if err != nil {
				t.Fatal(err)
			}
			closeAtEnd(t, ex)
			if got := text(t, call(t, ex, "demo", "ask", map[string]any{"question": "favourite colour?"})); got != "answer: blue" || asked != "favourite colour?" {
				t.Errorf("ask = %q (asked %q)", got, asked)
			}
			if got := text(t, call(t, ex, "demo", "sample", map[string]any{"prompt": "hello"})); got != "model test-model: echo hello" {
				t.Errorf("sample = %q", got)
			}
			if got := text(t, call(t, ex, "demo", "roots", nil)); got != "file:///work/project" {
				t.Errorf("roots = %q", got)
			}

			bare := newExecutor(t, c.spec)
			for tool, args := range map[string]map[string]any{"ask": {"question": "q"}, "sample": {"prompt": "p"}, "roots": nil} {
				ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
				res, err := bare.CallTool(ctx, "demo", tool, args)
				cancel()
				msg := ""
				switch {
				case err != nil:
					msg = err.Error()
				case res.IsError:
					msg = text(t, res)
				default:
					t.Errorf("%s without a handler = %q, want an error", tool, text(t, res))
					continue
				}
				if !strings.Contains(msg, "support") && !strings.Contains(msg, "not declare") {
					t.Errorf("%s without a handler: %q does not say what the client does not offer", tool, msg)
				}
				t.Logf("%s without a handler: %s", tool, msg)
			}
			if got := text(t, call(t, bare, "demo", "echo", map[string]any{"text": "still here"})); got != "still here" {
				t.Errorf("echo after the refusals = %q", got)
			}
			if n := bare.Stats().Servers["demo"].SessionsCreated; n != 1 {
				t.Errorf("%d sessions created, want the first to have lived on", n)
			}
		})
	}
}

func closeAtEnd(t *testing.T, ex *executor.Executor) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
		defer cancel()
		if err := ex.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}
