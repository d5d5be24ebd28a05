package gateway

import (
	"context"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// inflight counts the downstream requests being handled, so that a drain can wait for them.
type inflight struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n drops to 0
}

func (f *inflight) add() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		f.idle = make(chan struct{})
	}
	f.n++
}

func (f *inflight) done() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n--; f.n == 0 {
		close(f.idle)
	}
}

// wait returns when no request is in flight, or when ctx ends.
func (f *inflight) wait(ctx context.Context) {
	f.mu.Lock()
	if f.n == 0 {
		f.mu.Unlock()
		return
	}
	idle := f.idle
	f.mu.Unlock()
	select {
	case <-idle:
	case <-ctx.Done():
	}
}

// endCallsWith counts every downstream request in flight and ties it to life: when life
// ends (Drain, Close) its handler is cancelled, and with it the upstream call. go-sdk waits
// for handlers in flight before a session closes; without this a call to a tool that never
// answers would hold up shutdown.
func endCallsWith(life context.Context, count *inflight) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			count.add()
			defer count.done()
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			stop := context.AfterFunc(life, cancel)
			defer stop()
			return next(ctx, method, req)
		}
	}
}

// Drain lets the downstream requests in flight finish until ctx ends, then cancels the rest
// (and their upstream calls) and ends every downstream session, which ends their streams and
// closes their affinity sessions. Call it when the listeners stop accepting.
func (g *Gateway) Drain(ctx context.Context) {
	g.requests.wait(ctx)
	g.stopCalls()
	for ss := range g.server.Sessions() {
		_ = ss.Close()
	}
}
