package gateway

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// stdioSessions numbers stdio sessions, which go-sdk leaves without an id.
var stdioSessions atomic.Uint64

// ServeStdio serves one downstream session on t (mcp.StdioTransport for stdin/stdout) until
// the peer closes it (EOF) or ctx ends; the session's affinity sessions close with it.
func (g *Gateway) ServeStdio(ctx context.Context, t mcp.Transport) error {
	id := fmt.Sprintf("stdio-%d", stdioSessions.Add(1))
	ss, err := g.server.Connect(ctx, &namedTransport{Transport: t, id: id}, nil)
	if err != nil {
		return fmt.Errorf("stdio: %w", err)
	}
	ended := make(chan error, 1)
	go func() { ended <- ss.Wait() }()
	select {
	case err = <-ended:
	case <-ctx.Done():
		_ = ss.Close()
		err = <-ended
	}
	g.sessions.end(id)
	return err
}

// namedTransport gives its connection a session id: a stdio session is one downstream
// session (affinity servers key their sessions by it), but go-sdk gives it none.
type namedTransport struct {
	mcp.Transport
	id string
}

func (t *namedTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	c, err := t.Transport.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &namedConnection{Connection: c, id: t.id}, nil
}

type namedConnection struct {
	mcp.Connection
	id string
}

func (c *namedConnection) SessionID() string { return c.id }
