package gateway_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/gateway"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestMaxSessions: an initialize beyond max_sessions is refused with 503 and says why; the
// sessions already open are served, and a closed one frees its place.
func TestMaxSessions(t *testing.T) {
	spinetest.NoLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	gw, err := gateway.New(ctx, spinetest.Project(spinetest.Demo(t, "demo")), gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler(gateway.HTTPOptions{MaxSessions: 2}))
	defer func() {
		srv.Close()
		if err := gw.Close(ctx); err != nil {
			t.Error(err)
		}
	}()
	a, b := connect(t, srv.URL+"/mcp", legacy, nil), connect(t, srv.URL+"/mcp", legacy, nil)

	resp, err := http.Post(srv.URL+"/mcp", "application/json", strings.NewReader(
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"third","version":"1"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "too many sessions") {
		t.Fatalf("third initialize: %s %s; want 503 saying too many sessions", resp.Status, body)
	}
	if got, res := call(t, a, "demo__echo", map[string]any{"text": "still served"}); res.IsError || got != "still served" {
		t.Fatalf("an open session after the refusal: %q", got)
	}
	_ = b.Close()
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	var cs *mcp.ClientSession
	spinetest.Eventually(t, spinetest.Patience, "a closed session's place to be free", func() bool {
		cs, err = c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: srv.URL + "/mcp"}, legacy)
		return err == nil
	})
	_ = cs.Close()
	_ = a.Close()
}
