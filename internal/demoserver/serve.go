package demoserver

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ErrNotLoopback is returned by [ServeHTTP] for an address whose host is not
// a loopback address: the demo server has no authentication, so it must not
// be reachable from other machines.
var ErrNotLoopback = errors.New("not a loopback address")

// shutdownGrace bounds how long ServeHTTP waits for HTTP connections to finish
// once its context ends, before closing them.
const shutdownGrace = 2 * time.Second

// ServeStdio serves one MCP session on stdin/stdout until stdin closes or ctx
// ends. Only protocol frames are written to stdout; diagnostics go to
// opts.Stderr.
//
// When ctx ends, calls in flight (sleep, hang) are cancelled and the session
// is closed. ServeStdio returns nil when stdin closes or ctx ends, and an
// error if the session fails.
func ServeStdio(ctx context.Context, opts Options) error {
	return serveSession(ctx, New(opts), &mcp.StdioTransport{})
}

// serveSession serves one session of s on t until the peer disconnects or ctx
// ends.
func serveSession(ctx context.Context, s *mcp.Server, t mcp.Transport) error {
	s.AddReceivingMiddleware(endCallsWith(ctx))
	ss, err := s.Connect(ctx, t, nil)
	if err != nil {
		return fmt.Errorf("demo server: connect: %w", err)
	}
	ended := make(chan error, 1)
	go func() { ended <- ss.Wait() }()
	select {
	case err := <-ended:
		if err != nil {
			return fmt.Errorf("demo server: session: %w", err)
		}
		return nil
	case <-ctx.Done():
		// Close waits for calls in flight; endCallsWith has cancelled them.
		_ = ss.Close()
		<-ended
		return nil
	}
}

// endCallsWith cancels every tool call in flight when life ends. Closing an
// MCP session waits for the calls in flight, and hang never returns on its
// own: without this, shutting down with a hang call in flight would block.
func endCallsWith(life context.Context) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method != "tools/call" {
				return next(ctx, method, req)
			}
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			stop := context.AfterFunc(life, cancel)
			defer stop()
			return next(ctx, method, req)
		}
	}
}

// endListensAfter ends every subscriptions/listen stream d after it was opened: its handler's
// context ends, and the server answers the request, which ends the stream.
func endListensAfter(d time.Duration) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method != "subscriptions/listen" {
				return next(ctx, method, req)
			}
			ctx, cancel := context.WithTimeout(ctx, d)
			defer cancel()
			return next(ctx, method, req)
		}
	}
}

// ServeHTTP serves the demo server over streamable HTTP at path /mcp on addr
// (HOST:PORT) until ctx ends. HOST must be a loopback IP address or
// "localhost" (which means 127.0.0.1); anything else fails with
// [ErrNotLoopback]. PORT may be 0 to pick a free port.
//
// Each MCP session has its own counter; all sessions share one server, so a
// tool added by grow is offered to, and announced to, every session.
//
// Once listening, ServeHTTP calls ready (if non-nil) with the endpoint URL,
// e.g. "http://127.0.0.1:PORT/mcp"; ready must not block. When ctx ends,
// ServeHTTP cancels calls in flight, closes every session, shuts the HTTP
// server down (waiting at most a couple of seconds) and returns nil.
func ServeHTTP(ctx context.Context, addr string, opts Options, ready func(url string)) error {
	return serveHTTP(ctx, addr, New(opts), opts.withDefaults(), ready)
}

// serveHTTP is ServeHTTP for a given server s, which all sessions share.
func serveHTTP(ctx context.Context, addr string, s *mcp.Server, opts Options, ready func(url string)) error {
	listenAddr, err := loopbackAddress(addr)
	if err != nil {
		return err
	}
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", listenAddr)
	if err != nil {
		return fmt.Errorf("demo server: listen on %s: %w", listenAddr, err)
	}
	url := "http://" + ln.Addr().String() + "/mcp"

	s.AddReceivingMiddleware(endCallsWith(ctx))
	mux := http.NewServeMux()
	mux.Handle("/mcp", mcp.NewStreamableHTTPHandler(
		func(*http.Request) *mcp.Server { return s },
		&mcp.StreamableHTTPOptions{Logger: opts.logger(), Stateless: opts.Stateless},
	))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(opts.Stderr, "spine demo server: ", 0),
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(opts.Stderr, "spine demo server: serving MCP at %s\n", url)
	if ready != nil {
		ready(url)
	}

	select {
	case err := <-served:
		closeSessions(s)
		return fmt.Errorf("demo server: serve %s: %w", url, err)
	case <-ctx.Done():
	}
	// Closing the sessions first ends their standalone SSE streams, which
	// would otherwise keep Shutdown waiting until its bound.
	closeSessions(s)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
	}
	<-served
	// Sessions that started while shutting down.
	closeSessions(s)
	return nil
}

func closeSessions(s *mcp.Server) {
	for ss := range s.Sessions() {
		_ = ss.Close()
	}
}

// loopbackAddress checks that addr (HOST:PORT) names a loopback host and
// returns the address to listen on.
func loopbackAddress(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("demo server: address %q: %w (want HOST:PORT, e.g. 127.0.0.1:8080)", addr, err)
	}
	if host == "localhost" {
		// "localhost" may resolve to ::1 first; the URL handed to ready
		// promises 127.0.0.1.
		return net.JoinHostPort("127.0.0.1", port), nil
	}
	if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
		return "", fmt.Errorf("demo server: address %q: %w: the demo server has no authentication, "+
			"so it listens only on 127.0.0.1, ::1 or localhost (e.g. 127.0.0.1:8080)", addr, ErrNotLoopback)
	}
	return addr, nil
}
