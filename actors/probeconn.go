package actors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// A 2026-07-28 server has no ping; its liveness is server/discover, which go-sdk sends only
// while connecting. Over stdio SPINE owns the pipes, so it sends its own: probeTransport wraps
// the stdio connection, writes a discover with an id of its own beside go-sdk's traffic, and
// takes the answer off the stream before go-sdk sees it. (Over HTTP a discover is a request of
// its own: conn.discover.)

// probeIDPrefix marks the ids of SPINE's own requests; go-sdk numbers its requests.
const probeIDPrefix = "spine-probe-"

// probeTransport is a transport whose connection can send SPINE's own discover and listen.
type probeTransport struct {
	inner   mcp.Transport
	ended   func() // a change stream ended (see probelisten.go); nil: nobody to tell
	noRoots bool   // the client offers no roots: a roots question is refused (roots.go)
	conn    atomic.Pointer[probeConn]
}

func (t *probeTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	c, err := t.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	pc := &probeConn{Connection: c, waiting: map[string]chan *jsonrpc.Response{}, listens: map[jsonrpc.ID]json.RawMessage{}, ended: t.ended, noRoots: t.noRoots}
	t.conn.Store(pc)
	return pc, nil
}

// probeConn passes everything through but the answers to its own requests, and watches the
// change streams (probelisten.go).
type probeConn struct {
	mcp.Connection
	next    atomic.Uint64
	ended   func()
	noRoots bool
	mu      sync.Mutex
	waiting map[string]chan *jsonrpc.Response
	listens map[jsonrpc.ID]json.RawMessage // the open change streams: their params
	reopen  json.RawMessage                // the params of the stream that ended last (nil: none has)
}

func (c *probeConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	for {
		msg, err := c.Connection.Read(ctx)
		if err != nil {
			return msg, err
		}
		r, ok := msg.(*jsonrpc.Response)
		if !ok {
			return msg, nil
		}
		c.listenAnswered(r.ID)
		id, ok := r.ID.Raw().(string)
		if !ok || !strings.HasPrefix(id, probeIDPrefix) {
			if c.noRoots {
				return refuseRoots(r), nil
			}
			return msg, nil
		}
		c.mu.Lock()
		ch := c.waiting[id]
		delete(c.waiting, id)
		c.mu.Unlock()
		if ch != nil {
			ch <- r // buffered: Read never waits for a probe
		}
	}
}

// errNoProbe: the session's transport cannot send a probe of its own.
var errNoProbe = errors.New("no probe connection")

// discover sends server/discover at version and waits for the answer (or ctx). A server that
// answers with an error is alive but refuses: the error is the server's (*jsonrpc.Error).
func (t *probeTransport) discover(ctx context.Context, version string) error {
	c := t.conn.Load()
	if c == nil {
		return errNoProbe
	}
	id := fmt.Sprintf("%s%d", probeIDPrefix, c.next.Add(1))
	jid, err := jsonrpc.MakeID(id)
	if err != nil {
		return err
	}
	params, err := json.Marshal(map[string]any{"_meta": map[string]any{
		mcp.MetaKeyProtocolVersion:    version,
		mcp.MetaKeyClientInfo:         &mcp.Implementation{Name: "spine", Version: Version},
		mcp.MetaKeyClientCapabilities: map[string]any{},
	}})
	if err != nil {
		return err
	}
	ch := make(chan *jsonrpc.Response, 1)
	c.mu.Lock()
	c.waiting[id] = ch
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.waiting, id)
		c.mu.Unlock()
	}
	if err := c.Connection.Write(ctx, &jsonrpc.Request{ID: jid, Method: "server/discover", Params: params}); err != nil {
		forget()
		return err
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			var wire *jsonrpc.Error
			if errors.As(r.Error, &wire) {
				return wire
			}
			return r.Error
		}
		var res mcp.DiscoverResult
		if err := json.Unmarshal(r.Result, &res); err != nil {
			return fmt.Errorf("server/discover: %w", err)
		}
		for _, v := range res.SupportedVersions {
			if v == version {
				return nil
			}
		}
		return &jsonrpc.Error{Code: mcp.CodeUnsupportedProtocolVersion,
			Message: fmt.Sprintf("the server no longer lists protocol %s (it lists %v)", version, res.SupportedVersions)}
	case <-ctx.Done():
		forget()
		return ctx.Err()
	}
}
