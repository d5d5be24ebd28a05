package demoserver

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// httpServer runs serveHTTP for s on 127.0.0.1:0 and returns its URL and a
// function that ends it and waits for it to return.
func httpServer(t *testing.T, s *mcp.Server) (url string, stop func()) {
	t.Helper()
	return httpServerWith(t, s, Options{})
}

// httpServerWith is httpServer with opts (Stateless).
func httpServerWith(t *testing.T, s *mcp.Server, opts Options) (url string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	urls := make(chan string, 1)
	served := make(chan error, 1)
	go func() {
		served <- serveHTTP(ctx, "127.0.0.1:0", s, opts.withDefaults(), func(u string) { urls <- u })
	}()
	select {
	case url = <-urls:
	case err := <-served:
		cancel()
		t.Fatalf("ServeHTTP: %v", err)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := receive(t, served, "ServeHTTP to return"); err != nil {
			t.Errorf("ServeHTTP returned %v, want nil", err)
		}
	}
	t.Cleanup(stop)
	return url, stop
}

// httpClient connects a client session to url over streamable HTTP, with its
// own connection pool so that the test can close it.
func httpClient(t *testing.T, url string, copts *mcp.ClientOptions, sopts *mcp.ClientSessionOptions) *mcp.ClientSession {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "demoserver-test", Version: "0"}, copts).Connect(testContext(t),
		&mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: tr}}, sopts)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// signalCalls makes s report the name of every tool call it starts on the
// returned channel.
func signalCalls(s *mcp.Server) <-chan string {
	started := make(chan string, 16)
	s.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if p, ok := req.GetParams().(*mcp.CallToolParamsRaw); ok {
				started <- p.Name
			}
			return next(ctx, method, req)
		}
	})
	return started
}

func TestServeHTTP(t *testing.T) {
	checkNoLeaks(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	urls := make(chan string, 1)
	served := make(chan error, 1)
	go func() {
		served <- ServeHTTP(ctx, "127.0.0.1:0", Options{Greeting: "ahoy"}, func(u string) { urls <- u })
	}()
	url := receive(t, urls, "ready")
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/mcp") {
		t.Fatalf("url = %q, want http://127.0.0.1:PORT/mcp", url)
	}

	changed := make(chan struct{}, 10)
	a := httpClient(t, url, nil, legacy)
	b := httpClient(t, url, &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { changed <- struct{}{} },
	}, nil)
	mustContain(t, "instructions", b.InitializeResult().Instructions, `"ahoy"`)

	for _, cs := range []*mcp.ClientSession{a, b} {
		if got := callText(t, cs, "echo", map[string]any{"text": "over http"}); got != "over http" {
			t.Errorf("echo = %q", got)
		}
	}
	for _, step := range []struct {
		cs   *mcp.ClientSession
		want string
	}{{a, "1"}, {a, "2"}, {b, "1"}, {a, "3"}, {b, "2"}} {
		if got := callText(t, step.cs, "counter", nil); got != step.want {
			t.Fatalf("counter = %q, want %q", got, step.want)
		}
	}

	// All sessions share one server: a tool grown by a is announced to b.
	if got := callText(t, a, "grow", nil); got != "grown_1" {
		t.Fatalf("grow = %q", got)
	}
	receive(t, changed, "tools/list_changed over HTTP")
	if got := callText(t, b, "grown_1", nil); got != "grown_1" {
		t.Errorf("grown_1 = %q", got)
	}

	_ = a.Close()
	_ = b.Close()
	cancel()
	if err := receive(t, served, "ServeHTTP to return"); err != nil {
		t.Errorf("ServeHTTP returned %v, want nil", err)
	}
}

func TestServeHTTPEndsCallsInFlight(t *testing.T) {
	checkNoLeaks(t)
	s := New(Options{})
	started := signalCalls(s)
	url, stop := httpServer(t, s)
	cs := httpClient(t, url, nil, legacy)

	type outcome struct {
		res *mcp.CallToolResult
		err error
	}
	hung := make(chan outcome, 1)
	go func() {
		res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "hang"})
		hung <- outcome{res, err}
	}()
	if name := receive(t, started, "hang to start"); name != "hang" {
		t.Fatalf("started %q, want hang", name)
	}
	stop()
	// The call ends one way or another: a tool error saying it was cancelled,
	// or the session's end.
	if o := receive(t, hung, "hang to return after shutdown"); o.err == nil && !o.res.IsError {
		t.Errorf("hang returned %+v, want an error", o.res)
	}
}

func TestServeHTTPRefusesNonLoopback(t *testing.T) {
	tests := []struct {
		addr         string
		notLoopback  bool
		wantInReason string
	}{
		{"0.0.0.0:8080", true, "loopback"},
		{"[::]:0", true, "loopback"},
		{":0", true, "loopback"},
		{"192.0.2.1:0", true, "loopback"},
		{"10.1.2.3:8080", true, "loopback"},
		{"example.com:80", true, "loopback"},
		{"127.0.0.1", false, "HOST:PORT"},
		{"127.0.0.1:notaport", false, "listen"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			checkNoLeaks(t)
			err := ServeHTTP(t.Context(), tt.addr, Options{}, func(url string) {
				t.Errorf("ready called with %q", url)
			})
			if err == nil {
				t.Fatal("want an error")
			}
			if errors.Is(err, ErrNotLoopback) != tt.notLoopback {
				t.Errorf("errors.Is(%v, ErrNotLoopback) = %v, want %v", err, !tt.notLoopback, tt.notLoopback)
			}
			mustContain(t, "error", err.Error(), tt.wantInReason)
		})
	}
}

func TestServeHTTPAcceptsLoopback(t *testing.T) {
	tests := []struct{ addr, wantPrefix string }{
		{"localhost:0", "http://127.0.0.1:"},
		{"127.0.0.1:0", "http://127.0.0.1:"},
		{"[::1]:0", "http://[::1]:"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			checkNoLeaks(t)
			ctx, cancel := context.WithCancel(t.Context())
			urls := make(chan string, 1)
			served := make(chan error, 1)
			go func() { served <- ServeHTTP(ctx, tt.addr, Options{}, func(u string) { urls <- u }) }()
			var url string
			select {
			case url = <-urls:
			case err := <-served:
				cancel()
				if tt.addr == "[::1]:0" {
					t.Skipf("no IPv6 loopback here: %v", err)
				}
				t.Fatalf("ServeHTTP(%s): %v", tt.addr, err)
			}
			if !strings.HasPrefix(url, tt.wantPrefix) {
				t.Errorf("url = %q, want prefix %q", url, tt.wantPrefix)
			}
			cs := httpClient(t, url, nil, legacy)
			if got := callText(t, cs, "echo", map[string]any{"text": "x"}); got != "x" {
				t.Errorf("echo = %q", got)
			}
			_ = cs.Close()
			cancel()
			if err := receive(t, served, "ServeHTTP to return"); err != nil {
				t.Errorf("ServeHTTP returned %v", err)
			}
		})
	}
}

func TestServeSessionEndsCallsInFlight(t *testing.T) {
	checkNoLeaks(t)
	s := New(Options{})
	started := signalCalls(s)
	ctx, cancel := context.WithCancel(t.Context())
	st, ct := mcp.NewInMemoryTransports()
	served := make(chan error, 1)
	go func() { served <- serveSession(ctx, s, st) }()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "demoserver-test", Version: "0"}, nil).Connect(testContext(t), ct, legacy)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	// Close waits for calls in flight: should the server fail to end hang,
	// cancel it first so that the test fails instead of blocking.
	callCtx, cancelCall := context.WithCancel(t.Context())
	defer cancelCall()

	hung := make(chan error, 1)
	go func() {
		_, err := cs.CallTool(callCtx, &mcp.CallToolParams{Name: "hang"})
		hung <- err
	}()
	receive(t, started, "hang to start")
	cancel()
	if err := receive(t, served, "serveSession to return"); err != nil {
		t.Errorf("serveSession returned %v, want nil", err)
	}
	receive(t, hung, "hang to return")
}

func TestServeSessionReturnsWhenPeerLeaves(t *testing.T) {
	checkNoLeaks(t)
	st, ct := mcp.NewInMemoryTransports()
	served := make(chan error, 1)
	go func() { served <- serveSession(t.Context(), New(Options{}), st) }()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "demoserver-test", Version: "0"}, nil).Connect(testContext(t), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := callText(t, cs, "counter", nil); got != "1" {
		t.Errorf("counter = %q", got)
	}
	_ = cs.Close()
	if err := receive(t, served, "serveSession to return"); err != nil {
		t.Errorf("serveSession returned %v, want nil", err)
	}
}
