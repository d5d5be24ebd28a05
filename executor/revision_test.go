package executor_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/demoserver"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestRevisionChangeReprobes: a server probed as 2026-07-28 is redeployed behind a handler with
// sessions (2025-11-25 only). The call that meets the change fails with the server's error and
// is not run again; the next call runs on a new session that probed again and speaks 2025-11-25.
func TestRevisionChangeReprobes(t *testing.T) {
	spinetest.NoLeaks(t)
	s := demoserver.New(demoserver.Options{})
	stateless := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, &mcp.StreamableHTTPOptions{Stateless: true})
	stateful := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	var redeployed atomic.Bool
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Mcp-Name") == "echo" || r.Header.Get("Mcp-Method") == "tools/call" {
			calls.Add(1)
		}
		if redeployed.Load() {
			stateful.ServeHTTP(w, r)
			return
		}
		stateless.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	spec := httpDemo(t, "demo", srv.URL+"/mcp")
	spec.Protocol = "auto"
	ex := newExecutor(t, spec)
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()

	call(t, ex, "demo", "echo", map[string]any{"text": "before"})
	if info, err := ex.ServerInfo(ctx, "demo"); err != nil || info.ProtocolVersion != "2026-07-28" {
		t.Fatalf("before: %+v, %v", info, err)
	}
	redeployed.Store(true)
	before := calls.Load()
	_, err := ex.CallTool(ctx, "demo", "echo", map[string]any{"text": "during"})
	var wire *jsonrpc.Error
	if !errors.As(err, &wire) || wire.Code != mcp.CodeUnsupportedProtocolVersion {
		t.Fatalf("the call that met the redeploy: %v, want the server's unsupported-protocol-version error", err)
	}
	if n := calls.Load() - before; n != 1 {
		t.Errorf("the server saw the call %d times, want once (never re-run)", n)
	}
	if got := text(t, call(t, ex, "demo", "echo", map[string]any{"text": "after"})); got != "after" {
		t.Errorf("after = %q", got)
	}
	if info, err := ex.ServerInfo(ctx, "demo"); err != nil || info.ProtocolVersion != "2025-11-25" {
		t.Errorf("after: %+v, %v; want a new session on 2025-11-25", info, err)
	}
}
