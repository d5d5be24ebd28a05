package actors

import (
	"context"
	"fmt"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
)

// ScanServer asks server, through its pool, what it offers: the handshake's server info,
// instructions and capabilities, then its tools, resources, resource templates and prompts.
// Lists go through the pool's list cache, which list_changed notifications invalidate.
//
// A list the server does not offer counts as empty, not as a failure: the capability is
// absent from the handshake, or the server answers "method not found". A tools list that
// fails is a failure, and so is any other failing list, so that a snapshot never claims a
// server has nothing because one request went wrong. The snapshot's Hash is set.
//
// scope, when not nil, fills each request's isolation keys and headers (the caller's identity
// or affinity key), so that the scan uses the caller's sessions, not the shared pool's.
func ScanServer(ctx context.Context, rt *Runtime, server string, scope func(*Request)) (*capability.Snapshot, error) {
	ask := func(op Op) (*Response, error) {
		req := &Request{Op: op}
		if scope != nil {
			scope(req)
		}
		return rt.Do(ctx, server, req)
	}
	resp, err := ask(OpServerInfo)
	if err != nil {
		return nil, err
	}
	init, ok := resp.Result.(*mcp.InitializeResult)
	if !ok || init == nil {
		return nil, fmt.Errorf("server %q: %s: no handshake result (%T)", server, OpServerInfo, resp.Result)
	}
	snap := &capability.Snapshot{
		Server:       server,
		Info:         init.ServerInfo,
		Instructions: init.Instructions,
		Capabilities: init.Capabilities,
		ScannedAt:    time.Now(),
	}
	caps := init.Capabilities
	announced := func(has func(*mcp.ServerCapabilities) bool) bool { return caps == nil || has(caps) }
	hasResources := announced(func(c *mcp.ServerCapabilities) bool { return c.Resources != nil })

	if snap.Tools, err = scanList[*mcp.Tool](ask, server, OpListTools,
		announced(func(c *mcp.ServerCapabilities) bool { return c.Tools != nil }), false); err != nil {
		return nil, err
	}
	if snap.Resources, err = scanList[*mcp.Resource](ask, server, OpListResources, hasResources, true); err != nil {
		return nil, err
	}
	if snap.ResourceTemplates, err = scanList[*mcp.ResourceTemplate](ask, server, OpListResourceTemplates, hasResources, true); err != nil {
		return nil, err
	}
	if snap.Prompts, err = scanList[*mcp.Prompt](ask, server, OpListPrompts,
		announced(func(c *mcp.ServerCapabilities) bool { return c.Prompts != nil }), true); err != nil {
		return nil, err
	}
	snap.Hash = snap.ComputeHash()
	return snap, nil
}

// scanList reads one list. It is empty without asking when the server did not announce the
// capability, and empty when optional and the server does not implement the method.
func scanList[T any](ask func(Op) (*Response, error), server string, op Op, announced, optional bool) ([]T, error) {
	if !announced {
		return []T{}, nil
	}
	resp, err := ask(op)
	if err != nil {
		if optional && isMethodNotFound(err) {
			return []T{}, nil
		}
		return nil, err
	}
	items, ok := resp.Result.([]T)
	if !ok {
		return nil, fmt.Errorf("server %q: %s: unexpected result type %T", server, op, resp.Result)
	}
	if items == nil {
		items = []T{}
	}
	return items, nil
}
