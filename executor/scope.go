package executor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/capability"
)

type (
	affinityKey struct{}
	identityKey struct{}
	headersKey  struct{}
)

// WithAffinity returns a context whose calls to servers with isolation = "affinity" all use
// one dedicated session for key (e.g. a conversation id), never shared with another key.
func WithAffinity(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, affinityKey{}, key)
}

// WithIdentity returns a context whose calls to servers with isolation = "identity" use only
// sessions of that identity.
func WithIdentity(ctx context.Context, identity string) context.Context {
	return context.WithValue(ctx, identityKey{}, identity)
}

// WithHeaders returns a context whose calls to HTTP servers carry h, without opening a new
// session. For servers with isolation = "identity", identity headers among h choose the pool
// (see WithIdentityExtractor) unless WithIdentity says otherwise.
func WithHeaders(ctx context.Context, h http.Header) context.Context {
	return context.WithValue(ctx, headersKey{}, h)
}

// identityHeaders are the headers that tell callers of an HTTP server apart.
var identityHeaders = []string{"Authorization", "Cookie", "X-Api-Key", "X-Tenant-Id", "X-User-Id"}

// scope fills a request's isolation keys and headers from the caller's context.
func (e *Executor) scope(ctx context.Context, server string, req *actors.Request) {
	req.Affinity, _ = ctx.Value(affinityKey{}).(string)
	req.Identity, _ = ctx.Value(identityKey{}).(string)
	h, _ := ctx.Value(headersKey{}).(http.Header)
	if len(h) == 0 {
		return
	}
	spec, _ := e.rt.Spec(server)
	if spec.Transport == capability.TransportStdio {
		return
	}
	req.Headers = h
	if req.Identity == "" && spec.Isolation == capability.IsolationIdentity {
		req.Identity = e.identityOf(h)
	}
}

func (e *Executor) identityOf(h http.Header) string {
	if e.opts.identity != nil {
		return e.opts.identity(h)
	}
	sum := sha256.New()
	found := false
	for _, name := range identityHeaders {
		for _, v := range h.Values(name) {
			found = true
			sum.Write([]byte(name + ":" + v + "\n"))
		}
	}
	if !found {
		return ""
	}
	return "h:" + hex.EncodeToString(sum.Sum(nil)[:12])
}

// Progress is a progress notification a server sent about a tool call in flight.
type Progress = actors.Progress

// WithCallProgress returns a context whose tool calls ask the server for progress
// notifications and hand each to f, on the calling goroutine, before the call returns.
// Notifications that come faster than f takes them are dropped; a later one supersedes them.
func WithCallProgress(ctx context.Context, f func(Progress)) context.Context {
	return actors.WithProgressFunc(ctx, f)
}
