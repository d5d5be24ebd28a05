package actors

import (
	"context"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/demoserver"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestProbeDiscover: SPINE's own server/discover on a live 2026-07-28 session is answered, its
// answer never reaches go-sdk, and calls running meanwhile are untouched; a version the server
// does not list is a revision change.
func TestProbeDiscover(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	st, ct := mcp.NewInMemoryTransports()
	ss, err := demoserver.New(demoserver.Options{}).Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	probe := &probeTransport{inner: ct}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "0"}, nil).Connect(ctx, probe, &mcp.ClientSessionOptions{ProtocolVersion: "2026-07-28"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cs.Close(); _ = ss.Wait() }()
	if v := cs.InitializeResult().ProtocolVersion; v != "2026-07-28" {
		t.Fatalf("negotiated %s", v)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := probe.discover(ctx, "2026-07-28"); err != nil {
				t.Errorf("discover %d: %v", i, err)
			}
		}()
		go func() {
			defer wg.Done()
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "x"}})
			if err != nil || res.IsError {
				t.Errorf("echo %d beside the probes: %+v, %v", i, res, err)
			}
		}()
	}
	wg.Wait()
	if err := probe.discover(ctx, "2027-01-01"); !revisionChanged(err) {
		t.Errorf("discover of a version the server does not list: %v, want a revision change", err)
	}
	var none probeTransport
	if err := none.discover(ctx, "2026-07-28"); err == nil {
		t.Error("a probe without a connection succeeded")
	}
}
