package actors

import (
	"context"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
)

// This file exports to the tests of package actors_test what they need and the package
// does not export.

// Session is one MCP client session opened exactly as a session actor opens its own (the
// same transport: own process group and pipes for stdio, the header round tripper for HTTP;
// the same protocol pinning and connect timeout), but owned by the caller, outside any pool
// and any supervision: for tests of the dial itself (handshake errors, transport hints).
type Session struct{ c *conn }

// Dial opens a Session to spec. client may be nil: a client named "spine" is used. The
// connect is bounded by ctx and by spec.ConnectTimeout (30s when unset). On failure nothing
// is left running.
func Dial(ctx context.Context, spec capability.ServerSpec, client *mcp.Client) (*Session, error) {
	if client == nil {
		client = mcp.NewClient(&mcp.Implementation{Name: "spine", Version: Version}, nil)
	}
	if spec.ConnectTimeout <= 0 {
		spec.ConnectTimeout = 30 * time.Second
	}
	c, err := dial(ctx, &spec, client, dialOptions{})
	if err != nil {
		return nil, serverError(spec.Name, nil, err)
	}
	return &Session{c: c}, nil
}

// ClientSession returns the go-sdk session, for calls.
func (s *Session) ClientSession() *mcp.ClientSession { return s.c.session }

// Handshake returns how long spawning or dialling plus the MCP handshake took.
func (s *Session) Handshake() time.Duration { return s.c.handshake }

// Pid returns the process id of a stdio server (also its process group id), 0 for HTTP.
func (s *Session) Pid() int {
	if s.c.proc == nil {
		return 0
	}
	return s.c.proc.pid()
}

// Close ends the session the way a session actor does: calls still in flight must be done
// (ClientSession.Close waits for them); a stdio server's process group is terminated (stdin
// closed, a short grace, then SIGTERM, then SIGKILL).
func (s *Session) Close() { s.c.close() }

// ReportNow returns the run's report if it has arrived, without waiting.
func (r *WorkflowRun) ReportNow() (*RunReport, bool) {
	select {
	case m := <-r.report:
		rep, err := r.reportOf(m)
		return rep, err == nil
	default:
		return nil, false
	}
}

// Stopped reports whether the scan actor has stopped for good.
func (s *Scan) Stopped() bool {
	select {
	case <-s.stopped:
		return true
	default:
		return false
	}
}

// LaneCalls returns how many calls to server ran on its lanes, and whether one is open now.
func LaneCalls(rt *Runtime, server string) (int64, bool) {
	h := rt.servers[server]
	if h == nil || h.lanes == nil {
		return 0, false
	}
	return h.lanes.served.Load(), h.lanes.open.Load() != nil
}
