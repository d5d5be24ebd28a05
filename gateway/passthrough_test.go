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
	up := newUpstream(t)
	dir := project(t, demoProject+`
[servers.ticker]
url = "`+up.url+`"
`)
	s := serve(t, dir, nil)
	var mu sync.Mutex
	var got []string
	cs := connect(t, s.url, legacy, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			defer mu.Unlock()
			if req.Params.ProgressToken == "tok-1" {
				got = append(got, req.Params.Message)
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
	// The executor hands progress on as the caller takes it, and drops a notification that a
	// later one supersedes before it was taken (executor.WithCallProgress); the client runs its
	// handlers on their own, so the last may come after the result. What arrives is a
	// non-empty run of the upstream's ticks, in order.
	spinetest.Eventually(t, spinetest.Patience, "a progress notification", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	})
	mu.Lock()
	if !inOrder(got) {
		t.Errorf("progress received: %q, want the ticks in order", got)
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
		return busy(t, s.url, "demo") == 1
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
		return busy(t, s.url, "demo") == 0
	})
}

// inOrder reports whether ticks are "tick N" with N increasing.
func inOrder(ticks []string) bool {
	last := ""
	for _, tk := range ticks {
		if !strings.HasPrefix(tk, "tick ") || tk <= last {
			return false
		}
		last = tk
	}
	return true
}

// TestShutdownWithCallInFlight: SIGTERM with a call that never answers in flight drains for
// the close timeout, then cancels it and exits 130 with no process left (the cleanup checks).
func TestShutdownWithCallInFlight(t *testing.T) {
	spinetest.NoLeaks(t)
	s := serve(t, project(t, demoProject), nil)
	cs := connect(t, s.url, legacy, nil)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
		defer cancel()
		_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "demo__hang"})
		done <- err
	}()
	spinetest.Eventually(t, spinetest.Patience, "the hang call to be in flight", func() bool {
		return busy(t, s.url, "demo") == 1
	})
	s.stop(t)
	select {
	case err := <-done:
		if err == nil {
			t.Error("the hang call answered")
		}
	case <-time.After(spinetest.Patience):
		t.Error("the hang call did not end with the gateway")
	}
}
