package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// SessionArg is the argument by which a sessionless (2026-07-28) client names the handle
// that <server>__open_session gave it: the tools of affinity servers take it besides their
// own arguments, and the call runs in that handle's upstream session.
const SessionArg = "spine_session"

// handlePrefix starts every spine_session handle, telling it from a session id.
const handlePrefix = "h-"

// ErrUnknownHandle: a spine_session handle that was never given, was closed, or expired.
var ErrUnknownHandle = errors.New("unknown or expired spine_session handle: open a new one with <server>__open_session (its state is gone)")

// handle is an affinity set reached by a handle instead of a downstream session.
type handle struct {
	set      *affinitySet
	lastUsed time.Time
}

// openHandle starts an affinity set for a new handle.
func (t *sessionTable) openHandle() (string, error) {
	id := handlePrefix + t.g.opts.NewSessionID()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return "", fmt.Errorf("gateway closing")
	}
	set, err := t.g.newAffinitySet(id)
	if err != nil {
		return "", err
	}
	t.handles[id] = &handle{set: set, lastUsed: time.Now()}
	return id, nil
}

// byHandle returns the affinity set of handle id.
func (t *sessionTable) byHandle(id string) (*affinitySet, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.handles[id]
	if h == nil {
		return nil, ErrUnknownHandle
	}
	h.lastUsed = time.Now()
	return h.set, nil
}

// randomID is Options.NewSessionID's default: 128 random bits in hex.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// closeHandle closes handle id; false when there is none.
func (t *sessionTable) closeHandle(ctx context.Context, id string) bool {
	t.mu.Lock()
	h := t.handles[id]
	delete(t.handles, id)
	t.mu.Unlock()
	if h == nil {
		return false
	}
	_ = h.set.close(ctx)
	return true
}

// expireHandles closes the handles unused for idle, and returns how many.
func (t *sessionTable) expireHandles(ctx context.Context, idle time.Duration) int {
	now := time.Now()
	t.mu.Lock()
	var old []*handle
	for id, h := range maps.All(t.handles) {
		if now.Sub(h.lastUsed) > idle {
			old = append(old, h)
			delete(t.handles, id)
		}
	}
	t.mu.Unlock()
	for _, h := range old {
		_ = h.set.close(ctx)
	}
	return len(old)
}

// reapHandles expires idle handles until ctx ends.
func (g *Gateway) reapHandles(ctx context.Context) {
	every := min(max(g.opts.HandleTimeout/4, time.Second), time.Minute)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			cctx, cancel := context.WithTimeout(context.Background(), g.opts.CloseTimeout)
			if n := g.sessions.expireHandles(cctx, g.opts.HandleTimeout); n > 0 {
				g.log.Info().Int("handles", n).Msg("closed idle spine_session handles")
			}
			cancel()
		}
	}
}

// addSessionTools advertises server's open_session and close_session tools.
func (c *catalogue) addSessionTools(server string) {
	open := c.tools.nameAs(Target{Server: server, Name: "spine:open_session"}, server+Separator+"open_session")
	closeName := c.tools.nameAs(Target{Server: server, Name: "spine:close_session"}, server+Separator+"close_session")
	g := c.g
	g.server.AddTool(&mcp.Tool{
		Name: open,
		Description: fmt.Sprintf("Opens a session of server %s, which keeps state between calls, and returns its handle. "+
			"Pass it as %q to the server's tools so that they run in that session; clients with an MCP session (Mcp-Session-Id) need not.", server, SessionArg),
		InputSchema:  map[string]any{"type": "object"},
		OutputSchema: map[string]any{"type": "object", "properties": map[string]any{SessionArg: map[string]any{"type": "string"}}},
	}, func(ctx context.Context, _ *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		id, err := g.sessions.openHandle()
		if err != nil {
			return toolError(ctx, err), nil
		}
		return &mcp.CallToolResult{
			Content:           []mcp.Content{&mcp.TextContent{Text: id}},
			StructuredContent: map[string]any{SessionArg: id},
		}, nil
	})
	g.server.AddTool(&mcp.Tool{
		Name:        closeName,
		Description: fmt.Sprintf("Closes a session of server %s opened by %s: its state is gone.", server, open),
		InputSchema: map[string]any{"type": "object", "required": []any{SessionArg},
			"properties": map[string]any{SessionArg: map[string]any{"type": "string"}}},
	}, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var in map[string]any
		_ = json.Unmarshal(req.Params.Arguments, &in)
		id, _ := in[SessionArg].(string)
		if !g.sessions.closeHandle(ctx, id) {
			return toolError(ctx, ErrUnknownHandle), nil
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "closed"}}}, nil
	})
}

// withSessionArg is an affinity tool's input schema with the optional spine_session argument.
func withSessionArg(schema any) any {
	m, ok := schema.(map[string]any)
	if !ok {
		return schema
	}
	m = maps.Clone(m)
	props, _ := m["properties"].(map[string]any)
	props = maps.Clone(props)
	if props == nil {
		props = map[string]any{}
	}
	props[SessionArg] = map[string]any{"type": "string",
		"description": "the handle from open_session, for clients without an MCP session"}
	m["properties"] = props
	return m
}

// takeSessionArg removes spine_session from raw arguments, returning it and the rest.
func takeSessionArg(args json.RawMessage) (string, json.RawMessage, error) {
	if len(args) == 0 {
		return "", args, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(args, &m); err != nil {
		return "", nil, err
	}
	raw, ok := m[SessionArg]
	if !ok {
		return "", args, nil
	}
	var id string
	if err := json.Unmarshal(raw, &id); err != nil {
		return "", nil, fmt.Errorf("%s: want a string", SessionArg)
	}
	delete(m, SessionArg)
	rest, _ := json.Marshal(m) // raw values always marshal
	return id, rest, nil
}
