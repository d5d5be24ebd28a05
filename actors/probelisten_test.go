package actors

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/internal/demoserver"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// listenCuts is server middleware that reports every subscriptions/listen stream the server
// opens and can end them all, as a server that bounds its streams does.
type listenCuts struct {
	mu     sync.Mutex
	cuts   []context.CancelFunc
	opened chan struct{}
}

func (l *listenCuts) middleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if method != methodListen {
			return next(ctx, method, req)
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		l.mu.Lock()
		l.cuts = append(l.cuts, cancel)
		l.mu.Unlock()
		l.opened <- struct{}{}
		return next(ctx, method, req)
	}
}

func (l *listenCuts) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.cuts {
		c()
	}
	l.cuts = nil
}

func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(spinetest.Patience):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// TestStdioListenReopened: when a 2026-07-28 stdio server ends its change stream (it answers
// the listen request), the session's keeper opens another through the probe connection, and
// the next list change comes through it — the lists' TTL is an hour, so only the stream can
// tell. The answer to SPINE's own listen never reaches go-sdk.
func TestStdioListenReopened(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	cuts := &listenCuts{opened: make(chan struct{}, 8)}
	server := demoserver.New(demoserver.Options{ListTTL: time.Hour})
	server.AddReceivingMiddleware(cuts.middleware)
	st, ct := mcp.NewInMemoryTransports()
	ss, err := server.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	changed := make(chan struct{}, 8)
	client := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "0"}, &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { changed <- struct{}{} },
	})
	spec := &capability.ServerSpec{Name: "demo", Transport: capability.TransportStdio, Policy: capability.DefaultPolicy()}
	spec.ToolsCacheTTL = time.Hour
	life, end := context.WithCancel(context.Background())
	c := &conn{life: life, cancel: end, keeper: newListenKeeper(life, spec)}
	c.probe = &probeTransport{inner: ct, ended: c.keeper.streamEnded}
	if c.session, err = client.Connect(ctx, c.probe, &mcp.ClientSessionOptions{ProtocolVersion: "2026-07-28"}); err != nil {
		t.Fatal(err)
	}
	c.keepStdio(nil)
	defer func() {
		c.closeSession()
		_ = ss.Wait()
	}()
	wait(t, cuts.opened, "go-sdk's listen stream")

	cuts.cut()
	wait(t, cuts.opened, "the re-opened listen stream")
	if _, err := c.session.CallTool(ctx, &mcp.CallToolParams{Name: "grow"}); err != nil {
		t.Fatal(err)
	}
	wait(t, changed, "tools list_changed on the re-opened stream")

	// The re-opened stream ends too: it is re-opened again.
	cuts.cut()
	wait(t, cuts.opened, "the stream re-opened a second time")
}
