package executor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"net/textproto"
	"slices"

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

// ReleaseAffinity ends the dedicated sessions of affinity key (see WithAffinity) on every
// affinity server, when the conversation or client that owned them is over: idle sessions
// close at once, busy ones once their calls are done, and calls of the key still waiting
// fail with ErrClosed. A later call with the same key starts a new session, which knows
// nothing of the old one's state. Sessions that go idle are closed by idle_timeout anyway;
// ReleaseAffinity frees them (and their slots of max_total_sessions) now. It returns how
// many sessions it ends; their processes stop in the background, and Close waits for them.
func (e *Executor) ReleaseAffinity(ctx context.Context, key string) (int, error) {
	if e.closed.Load() {
		return 0, ErrClosed
	}
	return e.rt.ReleaseAffinity(ctx, key)
}

// WithIdentity returns a context whose calls to servers with isolation = "identity" use only
// sessions of that identity.
func WithIdentity(ctx context.Context, identity string) context.Context {
	return context.WithValue(ctx, identityKey{}, identity)
}

// WithHeaders returns a context whose calls to HTTP servers carry h, without opening a new
// session. For servers with isolation = "identity", unless WithIdentity says otherwise, h
// also chooses the pool: callers share sessions only when all their headers are equal (only
// the headers the server's identity_headers lists, when it lists some), or when
// WithIdentityExtractor gives them one identity. The headers go only to the origin of the
// server's url: a redirect to another origin is refused.
func WithHeaders(ctx context.Context, h http.Header) context.Context {
	return context.WithValue(ctx, headersKey{}, h)
}

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
		req.Identity = identityOf(&spec, h, e.opts.identity)
	}
}

// identityOf is the one place that decides which identity the per-call headers h of a call
// to spec (isolation = "identity", no WithIdentity) belong to; "" is the pool of callers
// without one. It fails closed: callers whose headers differ in anything that may be a
// credential never share a session.
//
//   - The executor's extractor (WithIdentityExtractor), when set, decides alone.
//   - Otherwise the identity is a hash of the headers named by the server's identity_headers
//     or, when that is not set, of every header in h: names canonicalised, then sorted, with
//     their values sorted. A credential in a header SPINE does not know (X-Access-Token, say)
//     so separates callers as Authorization does.
func identityOf(spec *capability.ServerSpec, h http.Header, extract func(http.Header) string) string {
	if extract != nil {
		return extract(h)
	}
	values := map[string][]string{}
	for name, vs := range h {
		name = textproto.CanonicalMIMEHeaderKey(name)
		values[name] = append(values[name], vs...)
	}
	if len(spec.IdentityHeaders) > 0 {
		narrowed := map[string][]string{}
		for _, name := range spec.IdentityHeaders {
			name = textproto.CanonicalMIMEHeaderKey(name)
			if vs, ok := values[name]; ok {
				narrowed[name] = vs
			}
		}
		values = narrowed
	}
	if len(values) == 0 {
		return ""
	}
	sum := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(values)) {
		vs := slices.Sorted(slices.Values(values[name]))
		fmt.Fprintf(sum, "%d:%s%d\n", len(name), name, len(vs))
		for _, v := range vs {
			fmt.Fprintf(sum, "%d:%s", len(v), v)
		}
	}
	return "h:" + hex.EncodeToString(sum.Sum(nil)[:12])
}

// Progress is a progress notification a server sent about a tool call in flight.
type Progress struct {
	Progress float64
	Total    float64 // 0 when the server does not know
	Message  string
}

// WithCallProgress returns a context whose tool calls ask the server for progress
// notifications and hand each to f, on the calling goroutine, before the call returns.
// Notifications that come faster than f takes them are dropped; a later one supersedes them.
func WithCallProgress(ctx context.Context, f func(Progress)) context.Context {
	if f == nil {
		return actors.WithProgressFunc(ctx, nil)
	}
	return actors.WithProgressFunc(ctx, func(p actors.Progress) {
		f(Progress{Progress: p.Progress, Total: p.Total, Message: p.Message})
	})
}
