package actors

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/demoserver"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestRootsRefusedHTTP: a 2026-07-28 HTTP server's roots question is refused in both shapes of
// response — a JSON body and an event stream — and the session answers the next call.
func TestRootsRefusedHTTP(t *testing.T) {
	for _, jsonResponse := range []bool{true, false} {
		name := map[bool]string{true: "json", false: "event stream"}[jsonResponse]
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
			defer cancel()
			s := demoserver.New(demoserver.Options{})
			srv := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s },
				&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: jsonResponse}))
			defer srv.Close()
			client := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "0"}, nil)
			cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: srv.URL,
				HTTPClient: &http.Client{Transport: rootsRefuser{base: http.DefaultTransport}}},
				&mcp.ClientSessionOptions{ProtocolVersion: "2026-07-28"})
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "roots"})
			if err == nil || !strings.Contains(err.Error(), errNoRoots) {
				t.Errorf("roots = %+v, %v; want %q", res, err, errNoRoots)
			}
			res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "still here"}})
			if err != nil || res.IsError {
				t.Errorf("echo after the refusal = %+v, %v", res, err)
			}
		})
	}
}
