package gateway_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/gateway"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestGatewayInProcess runs a Gateway inside the test process, so that the goroutine check
// covers the gateway's own goroutines: after Close, none is left, and no server process.
func TestGatewayInProcess(t *testing.T) {
	spinetest.NoLeaks(t)
	aff := spinetest.Demo(t, "aff")
	aff.Isolation = capability.IsolationAffinity
	p := spinetest.Project(spinetest.Demo(t, "demo"), aff)
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	gw, err := gateway.New(ctx, p, gateway.Options{Describe: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler(gateway.HTTPOptions{}))
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %s", path, resp.Status)
		}
	}

	// One session over HTTP, one in memory as stdio would be.
	cs := connect(t, srv.URL+"/mcp", legacy, nil)
	if got, _ := call(t, cs, "aff__counter", nil); got != "1" {
		t.Errorf("counter: %q", got)
	}
	st, ct := mcp.NewInMemoryTransports()
	served := make(chan error, 1)
	go func() { served <- gw.ServeStdio(ctx, st) }()
	c := mcp.NewClient(&mcp.Implementation{Name: "mem", Version: "1"}, nil)
	mem, err := c.Connect(ctx, ct, legacy)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := call(t, mem, "aff__counter", nil); got != "1" {
		t.Errorf("counter in the second session: %q", got)
	}
	if m := gw.Names(); len(m.Tools) == 0 || len(m.Collisions) != 1 {
		t.Errorf("mapping: %d tools, collisions %+v (want demo://readme's)", len(m.Tools), m.Collisions)
	}
	_ = mem.Close()
	if err := <-served; err != nil {
		t.Errorf("ServeStdio: %v", err)
	}
	_ = cs.Close()
	srv.Close()
	if err := gw.Close(context.Background()); err != nil {
		t.Errorf("close: %v", err)
	}
}
