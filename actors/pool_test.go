package actors_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// methodCounter counts the requests a test server receives per method, and fails the first
// `failFirst` requests of method `fail` (all of them when failFirst < 0).
type methodCounter struct {
	mu        sync.Mutex
	counts    map[string]int
	fail      string
	failFirst int
	failErr   error
}

func (c *methodCounter) middleware(s *mcp.Server) {
	s.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			c.mu.Lock()
			if c.counts == nil {
				c.counts = map[string]int{}
			}
			c.counts[method]++
			n := c.counts[method]
			c.mu.Unlock()
			if method == c.fail && (c.failFirst < 0 || n <= c.failFirst) {
				return nil, c.failErr
			}
			return next(ctx, method, req)
		}
	})
}

func (c *methodCounter) count(method string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[method]
}

func TestListRefreshRunsOnceForConcurrentCallers(t *testing.T) {
	spinetest.NoLeaks(t)
	counter := &methodCounter{}
	_, spec := testServer(t, counter.middleware)
	rt := startRuntime(t, spec)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := rt.Do(context.Background(), "t", &actors.Request{Op: actors.OpListTools})
			if err != nil || len(resp.Result.([]*mcp.Tool)) != 1 {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d of 20 concurrent list calls failed", failed.Load())
	}
	// One list right after the handshake (annotations for the retry policy), one refresh.
	if n := counter.count("tools/list"); n > 2 {
		t.Fatalf("server saw %d tools/list requests for 20 concurrent callers, want at most 2", n)
	}
}

func TestFailedListIsNotCachedAsEmpty(t *testing.T) {
	spinetest.NoLeaks(t)
	counter := &methodCounter{fail: "tools/list", failFirst: 2, failErr: errors.New("list not ready")}
	_, spec := testServer(t, counter.middleware)
	rt := startRuntime(t, spec)
	if _, err := rt.Do(context.Background(), "t", &actors.Request{Op: actors.OpListTools}); err == nil {
		t.Fatal("first list: no error, but the server failed it")
	}
	resp, err := rt.Do(context.Background(), "t", &actors.Request{Op: actors.OpListTools})
	if err != nil {
		t.Fatal(err)
	}
	if tools := resp.Result.([]*mcp.Tool); len(tools) != 1 {
		t.Fatalf("second list = %d tools, want 1: a failed list was cached", len(tools))
	}
}

func TestHealthChainMovesOnWhenMethodIsMissing(t *testing.T) {
	spinetest.NoLeaks(t)
	counter := &methodCounter{fail: "ping", failFirst: -1,
		failErr: &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound, Message: "method not found"}}
	_, spec := testServer(t, counter.middleware)
	spec.HealthInterval = 20 * time.Millisecond
	rt := startRuntime(t, spec)
	call := func() {
		t.Helper()
		if _, err := rt.Do(context.Background(), "t", &actors.Request{Op: actors.OpCallTool, Name: "look"}); err != nil {
			t.Fatal(err)
		}
	}
	call()
	// On a busy machine the first call may already find the session due (the capability
	// scan used it first): count from here.
	pings, lists := counter.count("ping"), counter.count("tools/list")
	time.Sleep(3 * spec.HealthInterval) // let the session become due for a probe
	call()
	if counter.count("ping") != pings+1 || counter.count("tools/list") != lists+1 {
		t.Fatalf("probe: ping %d (was %d), tools/list %d (was %d); want ping tried once, then list_tools",
			counter.count("ping"), pings, counter.count("tools/list"), lists)
	}
	if st := rt.Stats()["t"]; st.SessionsCreated != 1 {
		t.Fatalf("sessions created = %d: a missing ping method took the session down", st.SessionsCreated)
	}
}

func TestProgressNotificationsReachTheCaller(t *testing.T) {
	spinetest.NoLeaks(t)
	// The tool waits for each notification to reach the caller before it sends the next and,
	// after the last, before it answers: notifications and answers travel separate paths.
	received := make(chan struct{}, 3)
	_, spec := testServer(t, func(s *mcp.Server) {
		s.AddTool(&mcp.Tool{Name: "steps", InputSchema: map[string]any{"type": "object"}},
			func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				token := req.Params.GetProgressToken()
				for i := 1; token != nil && i <= 3; i++ {
					if err := req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
						ProgressToken: token, Progress: float64(i), Total: 3, Message: "step",
					}); err != nil {
						return nil, err
					}
					select {
					case <-received:
					case <-time.After(spinetest.Patience):
						return nil, errors.New("progress notification not received")
					}
				}
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "done"}}}, nil
			})
	})
	rt := startRuntime(t, spec)
	var got []actors.Progress
	ctx := actors.WithProgressFunc(context.Background(), func(p actors.Progress) {
		got = append(got, p)
		received <- struct{}{}
	})
	if _, err := rt.Do(ctx, "t", &actors.Request{Op: actors.OpCallTool, Name: "steps"}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[2].Progress != 3 || got[2].Total != 3 || got[2].Message != "step" {
		t.Fatalf("progress = %+v, want 3 notifications, the last 3 of 3", got)
	}
	// Without a callback, no token is sent and the tool answers all the same.
	if _, err := rt.Do(context.Background(), "t", &actors.Request{Op: actors.OpCallTool, Name: "steps"}); err != nil {
		t.Fatal(err)
	}
}

func TestPoolNeverExceedsItsCaps(t *testing.T) {
	spinetest.NoLeaks(t)
	var mu sync.Mutex
	inflight, peak := map[string]int{}, map[string]int{}
	_, spec := testServer(t, func(s *mcp.Server) {
		s.AddTool(&mcp.Tool{Name: "work", InputSchema: map[string]any{"type": "object"}},
			func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				id := req.Session.ID()
				mu.Lock()
				inflight[id]++
				peak[id] = max(peak[id], inflight[id])
				mu.Unlock()
				select { // the work itself
				case <-time.After(10 * time.Millisecond):
				case <-ctx.Done():
				}
				mu.Lock()
				inflight[id]--
				mu.Unlock()
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "done"}}}, nil
			})
	})
	spec.MaxSessions, spec.MaxInflight = 10, 2
	rt := startRuntime(t, spec)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if _, err := rt.Do(context.Background(), "t", &actors.Request{Op: actors.OpCallTool, Name: "work"}); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if failed.Load() != 0 {
		t.Fatalf("%d calls failed", failed.Load())
	}
	if len(peak) > 10 {
		t.Fatalf("the server saw %d sessions, over max_sessions 10", len(peak))
	}
	for id, n := range peak {
		if n > 2 {
			t.Fatalf("session %s had %d calls in flight at once, over max_inflight 2", id, n)
		}
	}
	if len(peak) < 2 {
		t.Fatalf("64 callers ran on %d session(s): the pool did not grow", len(peak))
	}
}

func TestProgressKeepsASlowCallAlive(t *testing.T) {
	spinetest.NoLeaks(t)
	// steps of 100ms, twice call_timeout in all: longer than call_timeout, but never silent for
	// that long when the caller asked for progress. call_timeout leaves room for a busy machine
	// to delay a notification; a silent call outlasts it by as much.
	const (
		step        = 100 * time.Millisecond
		callTimeout = step + spinetest.Slack
		steps       = int(2 * callTimeout / step)
	)
	_, spec := testServer(t, func(s *mcp.Server) {
		s.AddTool(&mcp.Tool{Name: "slow", InputSchema: map[string]any{"type": "object"}},
			func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				token := req.Params.GetProgressToken()
				for i := 1; i <= steps; i++ {
					select {
					case <-time.After(step):
					case <-ctx.Done():
						return nil, ctx.Err()
					}
					if token != nil {
						if err := req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
							ProgressToken: token, Progress: float64(i), Total: float64(steps),
						}); err != nil {
							return nil, err
						}
					}
				}
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "done"}}}, nil
			})
	})
	spec.CallTimeout = callTimeout
	rt := startRuntime(t, spec)
	ctx := actors.WithProgressFunc(context.Background(), func(actors.Progress) {})
	if _, err := rt.Do(ctx, "t", &actors.Request{Op: actors.OpCallTool, Name: "slow"}); err != nil {
		t.Fatalf("a call reporting progress every %s failed its %s call_timeout: %v", step, callTimeout, err)
	}
	_, err := rt.Do(context.Background(), "t", &actors.Request{Op: actors.OpCallTool, Name: "slow"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a silent %s call under a %s call_timeout: err = %v, want DeadlineExceeded", time.Duration(steps)*step, callTimeout, err)
	}
	// The caller's own deadline is never extended.
	dctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
	defer cancel()
	if _, err := rt.Do(dctx, "t", &actors.Request{Op: actors.OpCallTool, Name: "slow"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("progress extended the caller's deadline: err = %v", err)
	}
}
