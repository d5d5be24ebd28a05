package actors_test

import (
	"context"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestListsNotOfferedAreEmpty: lists of what the server did not announce are empty without
// being asked for; resources, templates and prompts answered "method not found" are empty;
// other list errors stay errors.
func TestListsNotOfferedAreEmpty(t *testing.T) {
	ops := []actors.Op{actors.OpListResources, actors.OpListResourceTemplates, actors.OpListPrompts}
	methods := []string{"resources/list", "resources/templates/list", "prompts/list"}
	check := func(t *testing.T, rt *actors.Runtime) {
		t.Helper()
		for _, op := range ops {
			resp, err := rt.Do(context.Background(), "t", &actors.Request{Op: op})
			if err != nil {
				t.Fatalf("%s: %v", op, err)
			}
			if n, isEmpty := emptyList(resp.Result); !isEmpty {
				t.Errorf("%s = %v (%d items), want an empty list", op, resp.Result, n)
			}
		}
	}

	t.Run("not announced", func(t *testing.T) {
		spinetest.NoLeaks(t)
		counter := &methodCounter{}
		_, spec := testServer(t, counter.middleware) // a tool, no resources, no prompts
		rt := startRuntime(t, spec)
		check(t, rt)
		for _, m := range methods {
			if n := counter.count(m); n != 0 {
				t.Errorf("%s asked %d times", m, n)
			}
		}
	})

	t.Run("method not found", func(t *testing.T) {
		spinetest.NoLeaks(t)
		counter := &methodCounter{}
		_, spec := testServer(t, func(s *mcp.Server) {
			s.AddPrompt(&mcp.Prompt{Name: "p"}, func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
				return &mcp.GetPromptResult{}, nil
			})
			s.AddResource(&mcp.Resource{Name: "r", URI: "file:///r"}, func(context.Context, *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
				return &mcp.ReadResourceResult{}, nil
			})
			for _, m := range methods {
				failing(m, &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound, Message: "method not found"})(s)
			}
			counter.middleware(s) // the outermost: it sees every request
		})
		rt := startRuntime(t, spec)
		check(t, rt)
		for _, m := range methods {
			if n := counter.count(m); n != 1 {
				t.Errorf("%s asked %d times, want 1", m, n)
			}
		}
	})

	t.Run("other errors fail", func(t *testing.T) {
		spinetest.NoLeaks(t)
		_, spec := testServer(t, func(s *mcp.Server) {
			s.AddPrompt(&mcp.Prompt{Name: "p"}, func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
				return &mcp.GetPromptResult{}, nil
			})
			failing("prompts/list", &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "broken"})(s)
		})
		rt := startRuntime(t, spec)
		if _, err := rt.Do(context.Background(), "t", &actors.Request{Op: actors.OpListPrompts}); err == nil {
			t.Error("a failing prompts list succeeded")
		}
	})
}

func emptyList(v any) (int, bool) {
	switch l := v.(type) {
	case []*mcp.Resource:
		return len(l), l != nil && len(l) == 0
	case []*mcp.ResourceTemplate:
		return len(l), l != nil && len(l) == 0
	case []*mcp.Prompt:
		return len(l), l != nil && len(l) == 0
	}
	return -1, false
}
