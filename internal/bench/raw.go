package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
)

// terminateGrace is how long a raw stdio session's Close waits for the server to exit after
// closing its stdin, and again after SIGTERM: the grace SPINE's own sessions give.
const terminateGrace = 250 * time.Millisecond

// RawSession is a client session opened with go-sdk alone, as a program using go-sdk
// directly opens one: an mcp.CommandTransport over the server's command for stdio, an
// mcp.StreamableClientTransport or mcp.SSEClientTransport for HTTP and SSE. Nothing of
// SPINE's runtime is involved (no actors, no pool, none of SPINE's own transport code): it is
// what the raw and cold modes measure SPINE against.
type RawSession struct {
	session *mcp.ClientSession
	cmd     *exec.Cmd       // stdio
	http    *http.Transport // HTTP and SSE: the session's own connections
	cancel  context.CancelFunc
}

// Connect opens a RawSession to spec. client may be nil: a client named "spine-bench" is
// used. The protocol version is spec.Protocol, unless that is "auto" (go-sdk's choice). The
// connect is bounded by ctx and by spec.ConnectTimeout (30s when unset).
//
// A stdio server runs spec's command with its args, environment (spec.Environ) and working
// directory, in a process group of its own; its stderr is discarded. An HTTP or SSE session
// has connections of its own (closed with it) and sends spec's headers to the server's
// origin.
//
// One setting differs from go-sdk's defaults: CommandTransport.TerminateDuration, how long
// Close waits for a stdio server to exit after its stdin closes (and then after SIGTERM), is
// terminateGrace instead of 5s. Some servers (the Node reference servers among them) never
// exit when their stdin closes, and the cold mode's figures include the close: with 5s they
// would measure go-sdk's patience rather than the server.
func Connect(ctx context.Context, spec capability.ServerSpec, client *mcp.Client) (*RawSession, error) {
	if client == nil {
		client = mcp.NewClient(&mcp.Implementation{Name: "spine-bench", Version: executor.Version()}, nil)
	}
	timeout := spec.ConnectTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	var opts *mcp.ClientSessionOptions
	if spec.Protocol != capability.ProtocolAuto {
		opts = &mcp.ClientSessionOptions{ProtocolVersion: spec.Protocol}
	}

	// The session's context must outlive the handshake (the SSE transport binds its stream
	// to it): the connect timeout and ctx cancel it during the connect only.
	life, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stopOnCancel := context.AfterFunc(ctx, cancel)
	timer := time.AfterFunc(timeout, cancel)
	s := &RawSession{cancel: cancel}
	var err error
	s.session, err = client.Connect(life, s.transport(&spec), opts)
	timedOut := !timer.Stop()
	cancelled := !stopOnCancel()
	if err == nil && (timedOut || cancelled) { // connected, but the session's context is gone
		s.session.Close()
		err = context.Cause(life)
	}
	if err != nil {
		s.session = nil
		s.Close() // go-sdk has closed the connection; what is left: the process group, idle connections
		switch {
		case timedOut:
			err = fmt.Errorf("no handshake within connect_timeout %s: %w", timeout, context.DeadlineExceeded)
		case cancelled:
			err = ctx.Err()
		}
		return nil, fmt.Errorf("server %q: raw go-sdk session: %w", spec.Name, err)
	}
	return s, nil
}

func (s *RawSession) transport(spec *capability.ServerSpec) mcp.Transport {
	if spec.Transport == capability.TransportStdio {
		s.cmd = exec.Command(spec.Command, spec.Args...)
		s.cmd.Env = spec.Environ(os.Environ())
		s.cmd.Dir = spec.Cwd
		s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		return &mcp.CommandTransport{Command: s.cmd, TerminateDuration: terminateGrace}
	}
	s.http = http.DefaultTransport.(*http.Transport).Clone()
	hc := &http.Client{Transport: s.http}
	if len(spec.Headers) > 0 {
		hc.Transport = &headerRoundTripper{base: s.http, origin: originOf(spec.URL), headers: spec.Headers}
	}
	if spec.Transport == capability.TransportSSE {
		return &mcp.SSEClientTransport{Endpoint: spec.URL, HTTPClient: hc}
	}
	return &mcp.StreamableClientTransport{Endpoint: spec.URL, HTTPClient: hc}
}

// ClientSession returns the go-sdk session, for calls.
func (s *RawSession) ClientSession() *mcp.ClientSession { return s.session }

// Pid returns the process id of a stdio server (also its process group id), 0 for HTTP.
func (s *RawSession) Pid() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Close ends the session. For stdio the server's process group (the server and whatever it
// forked) is killed first, while go-sdk has not reaped the server yet — after that its pid,
// the group's id, may belong to another process — and then go-sdk's Close reaps it (calls
// still in flight must be done first: it waits for them). An HTTP session's idle connections
// are closed.
func (s *RawSession) Close() {
	if pid := s.Pid(); pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL) // ESRCH: the group is gone already
	}
	if s.session != nil {
		_ = s.session.Close()
	}
	s.cancel()
	if s.http != nil {
		s.http.CloseIdleConnections()
	}
}

// headerRoundTripper adds a server's configured headers to the requests going to the origin
// of its URL (go-sdk's transports have no header field); requests to another origin go
// without them.
type headerRoundTripper struct {
	base    http.RoundTripper
	origin  string
	headers map[string]string
}

func (t *headerRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.origin == "" || originOf(req.URL.String()) != t.origin {
		return t.base.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	for k, v := range t.headers {
		req.Header.Set(k, v)
	}
	return t.base.RoundTrip(req)
}

// originOf returns scheme://host of rawURL ("" when it does not parse).
func originOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
