package gateway_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestStreamResponses: with [serve] stream_responses, a client that opens no GET stream
// still gets its calls' progress notifications and the servers' questions, on the stream
// of each call's own POST.
func TestStreamResponses(t *testing.T) {
	spinetest.NoLeaks(t)
	s := serve(t, project(t, "[serve]\nstream_responses = true\n"+asksProject), nil)
	a := &asker{who: "ada"}
	var mu sync.Mutex
	var progress []string
	opts := a.options()
	opts.ProgressNotificationHandler = func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
		mu.Lock()
		defer mu.Unlock()
		progress = append(progress, req.Params.Message)
	}
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, opts)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: s.URL, DisableStandaloneSSE: true}, legacy)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	roundTrips(t, cs, a, "demo", "modern")
	params := &mcp.CallToolParams{Name: "demo__sleep", Arguments: map[string]any{"ms": 200}}
	params.SetProgressToken("p")
	if _, err := cs.CallTool(ctx, params); err != nil {
		t.Fatal(err)
	}
	spinetest.Eventually(t, spinetest.Patience, "the sleep's progress", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(progress, "falling asleep")
	})
}
