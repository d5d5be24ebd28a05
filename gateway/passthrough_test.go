package gateway_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestProgressAndCancellation: an upstream's progress notifications reach the downstream
// client under its own token; a downstream cancellation stops the upstream call.
func TestProgressAndCancellation(t *testing.T) {
	spinetest.NoLeaks(t)
	acks := make(chan struct{}, 8)
	up := newUpstreamAt(t, "", acks)
	dir := project(t, demoProject+`
[servers.ticker]
url = "`+up.url+`"
`)
	s := serve(t, dir, nil)
	var mu sync.Mutex
	var got []string
	cs := connect(t, s.URL, legacy, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			defer mu.Unlock()
			if req.Params.ProgressToken == "tok-1" {
				got = append(got, req.Params.Message)
				acks <- struct{}{} // the upstream sends the next one
			}
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	params := &mcp.CallToolParams{Name: "ticker__tick", Arguments: map[string]any{"n": 3}}
	params.SetProgressToken("tok-1")
	res, err := cs.CallTool(ctx, params)
	if err != nil || text(res) != "ticked 3" {
		t.Fatalf("tick: %v %v", err, res)
	}
	// The upstream sent each tick once the one before had arrived here, and answered once the
	// last had: every tick came through, in order, under the client's own token.
	mu.Lock()
	if strings.Join(got, ",") != "tick 1,tick 2,tick 3" {
		t.Errorf("progress received: %q, want tick 1..3", got)
	}
	mu.Unlock()

	// A resource template of the upstream: a URI it matches is read from the upstream.
	rr, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "tick://7"})
	if err != nil || len(rr.Contents) != 1 || rr.Contents[0].Text != "read tick://7" {
		t.Errorf("read tick://7: %v %+v", err, rr)
	}

	// Cancellation: a call to sleep for a minute ends when the client gives up, and the
	// upstream session is free again at once (the shared pool has one session by default).
	cctx, ccancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := cs.CallTool(cctx, &mcp.CallToolParams{Name: "demo__sleep", Arguments: map[string]any{"ms": 60000}})
		done <- err
	}()
	spinetest.Eventually(t, spinetest.Patience, "the sleep call to be in flight", func() bool {
		return busy(t, s.URL, "demo") == 1
	})
	ccancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled call: %v", err)
		}
	case <-time.After(spinetest.Patience):
		t.Fatal("the cancelled call did not return")
	}
	spinetest.Eventually(t, spinetest.Patience, "the upstream call to end", func() bool {
		return busy(t, s.URL, "demo") == 0
	})
}
