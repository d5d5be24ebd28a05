package gateway_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestBehindReverseProxy: legacy host sessions open and call through Go's
// httputil.ReverseProxy set up as README's spine serve section says (full duplex), in both
// answer modes, with the proxy in its worst interleaving (see reverseProxy). Every initialize
// and call gets its whole answer; both answers are bigger than the proxy's read buffer (the
// initialize answer carries the instructions), which is when a proxy that tears down its
// upstream connection mid-answer cuts them.
func TestBehindReverseProxy(t *testing.T) {
	for _, tc := range []struct{ name, toml string }{
		{"json", demoProject},
		{"sse", "[serve]\nstream_responses = true\n" + demoProject},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spinetest.NoLeaks(t)
			s := serve(t, project(t, tc.toml), nil)
			proxyErrs := &spinetest.Buffer{}
			px := reverseProxy(t, s.URL, proxyErrs)
			const clients, atOnce = 48, 4
			want := strings.Repeat("x", 6<<10)
			errs := make(chan error, clients)
			sem := make(chan struct{}, atOnce)
			var wg sync.WaitGroup
			for i := range clients {
				sem <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					if err := initializeAndEcho(px, want); err != nil {
						errs <- fmt.Errorf("client %d: %w", i, err)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if t.Failed() {
				t.Logf("proxy log:\n%s", proxyErrs)
			}
		})
	}
}

// reverseProxy serves Go's httputil.ReverseProxy in front of mcpURL's host on loopback and
// returns its /mcp URL; the proxy logs to errs and closes with the test. Its handler enables
// full duplex first, as README's spine serve section advises for Go proxies.
//
// The proxy is made to take, every time, the interleaving a loaded proxy takes now and then:
// its transport reads past the end of a request body (to check the body's length) only once
// the proxy has sent its answer's header, and the proxy reads the upstream's answer body only
// after that read. Without full duplex the proxy's HTTP/1 server closes the request body when
// it sends the header; the read fails, and the transport closes the upstream connection in
// the middle of the answer (golang/go#40747): the client gets "unexpected EOF".
func reverseProxy(t *testing.T, mcpURL string, errs *spinetest.Buffer) string {
	t.Helper()
	u, err := url.Parse(mcpURL)
	if err != nil {
		t.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &closeConn{Conn: c, closed: make(chan struct{})}, nil
	}
	t.Cleanup(tr.CloseIdleConnections)
	rp := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(&url.URL{Scheme: u.Scheme, Host: u.Host}) },
		Transport: tr,
		ErrorLog:  log.New(errs, "", 0),
	}
	px := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).EnableFullDuplex(); err != nil {
			t.Errorf("enable full duplex: %v", err)
		}
		x := &exchange{ResponseWriter: w, started: make(chan struct{}), checked: make(chan error, 1)}
		defer x.start()
		if r.ContentLength > 0 {
			x.body = &lateEnd{ReadCloser: r.Body, x: x}
			r.Body = x.body
		}
		trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { x.conn, _ = i.Conn.(*closeConn) }}
		rp.ServeHTTP(x, r.WithContext(httptrace.WithClientTrace(r.Context(), trace)))
	}))
	t.Cleanup(px.Close)
	return px.URL + "/mcp"
}

// exchange is the proxy's answer to one request. Its header is sent at once, before any of
// the upstream's answer body is read; then the transport checks the request body's end, and
// the proxy goes on once that check is done and, if it failed, once the transport has closed
// the upstream connection.
type exchange struct {
	http.ResponseWriter
	once    sync.Once
	started chan struct{} // closed once the answer has begun, or the proxy returned without one
	checked chan error    // the transport's read past the request body's end
	body    *lateEnd      // nil without a request body
	conn    *closeConn    // the upstream connection
}

func (x *exchange) WriteHeader(code int) {
	x.ResponseWriter.WriteHeader(code)
	_ = http.NewResponseController(x.ResponseWriter).Flush()
	x.start()
	if x.body == nil || !x.body.ended.Load() {
		return
	}
	select {
	case err := <-x.checked:
		if err != io.EOF && x.conn != nil {
			<-x.conn.closed
		}
	case <-time.After(spinetest.Patience): // the transport gave up before the check
	}
}

func (x *exchange) start() { x.once.Do(func() { close(x.started) }) }

// Unwrap lets the proxy's http.ResponseController flush through the wrapper.
func (x *exchange) Unwrap() http.ResponseWriter { return x.ResponseWriter }

// lateEnd is a request body whose read past its end waits for the answer to begin.
type lateEnd struct {
	io.ReadCloser
	x     *exchange
	ended atomic.Bool // read to its end
}

func (b *lateEnd) Read(p []byte) (int, error) {
	if !b.ended.Load() {
		n, err := b.ReadCloser.Read(p)
		b.ended.Store(err == io.EOF)
		return n, err
	}
	<-b.x.started
	n, err := b.ReadCloser.Read(p)
	select {
	case b.x.checked <- err:
	default:
	}
	return n, err
}

// closeConn is a connection that tells when it is closed.
type closeConn struct {
	net.Conn
	once   sync.Once
	closed chan struct{}
}

func (c *closeConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// initializeAndEcho opens a legacy session at url, has demo__echo return want, and closes
// the session.
func initializeAndEcho(url, want string) error {
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url}, legacy)
	if err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "demo__echo", Arguments: map[string]any{"text": want}})
	if err != nil {
		return fmt.Errorf("call: %w", err)
	}
	if got := text(res); got != want {
		return fmt.Errorf("echo: %d bytes back, want %d", len(got), len(want))
	}
	return nil
}
