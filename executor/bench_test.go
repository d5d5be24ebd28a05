package executor_test

import (
	"context"
	"os/exec"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// BenchmarkPooledCall: one echo call through the executor on a warm stdio session.
func BenchmarkPooledCall(b *testing.B) {
	ex, err := executor.New(spinetest.Project(spinetest.Demo(b, "demo")))
	if err != nil {
		b.Fatal(err)
	}
	defer ex.Close(context.Background())
	ctx := context.Background()
	args := map[string]any{"text": "hi"}
	if _, err := ex.CallTool(ctx, "demo", "echo", args); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := ex.CallTool(ctx, "demo", "echo", args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawSessionCall: the same call on one persistent go-sdk session: the limit.
func BenchmarkRawSessionCall(b *testing.B) {
	ctx := context.Background()
	client := mcp.NewClient(&mcp.Implementation{Name: "bench"}, nil)
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: exec.Command(spinetest.Binary(b), "demo-server")},
		&mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		b.Fatal(err)
	}
	defer cs.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "hi"}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkColdCall: what a client that opens a session per call pays: spawn, handshake,
// call, close.
func BenchmarkColdCall(b *testing.B) {
	ctx := context.Background()
	client := mcp.NewClient(&mcp.Implementation{Name: "bench"}, nil)
	bin := spinetest.Binary(b)
	b.ResetTimer()
	for range b.N {
		cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: exec.Command(bin, "demo-server")},
			&mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "hi"}}); err != nil {
			b.Fatal(err)
		}
		cs.Close()
	}
}
