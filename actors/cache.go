package actors

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
)

// listCache keeps a server's tools/resources/prompts lists. One refresh runs at a time per
// key; callers arriving meanwhile wait for its answer. A failed refresh caches nothing, so a
// server is never taken to have zero tools because one list failed.
//
// How long a list is kept is the server's to say where it can (docs/design.md, "Protocol
// eras"): a 2026-07-28 server's ttlMs (0: not kept at all), else tools_cache_ttl. Reads
// (resources/read) are kept here too, per URI, as long as a 2026-07-28 server's ttlMs says,
// and not at all otherwise. A result the server marks cacheScope "private" is kept for the
// identity that asked only.
type listCache struct {
	entries    map[string]cacheEntry
	refreshing map[string][]*pendingCall
}

type cacheEntry struct {
	value   any
	expires time.Time
}

func newListCache() listCache {
	return listCache{entries: map[string]cacheEntry{}, refreshing: map[string][]*pendingCall{}}
}

// cacheKey scopes lists and reads per pool key where isolation is per identity (an upstream
// may show each identity different tools), and per server otherwise; a read is kept per URI.
func (s *serverActor) cacheKey(req *Request, poolKey string) string {
	key := req.Op.String()
	if req.Op == OpReadResource {
		key += "|" + req.Name
	}
	if s.spec.Isolation == capability.IsolationIdentity {
		return key + "|" + poolKey
	}
	return key
}

// cacheable says whether an operation's results go through the cache: lists, and reads (kept
// only as long as a 2026-07-28 server's ttlMs says: a 2025-11-25 server says nothing of how
// long a resource stays as read).
func cacheable(op Op) bool { return op.isList() || op == OpReadResource }

// defaultTTL is how long a result is kept when its server gave no hint: tools_cache_ttl for a
// list, nothing for a read.
func (s *serverActor) defaultTTL(op Op) time.Duration {
	if op == OpReadResource {
		return 0
	}
	return s.spec.ToolsCacheTTL
}

// privateKey is where a list the server marked private is kept: under the identity that asked.
func privateKey(key, identity string) string { return key + "|private:" + identity }

// lookup returns the list cached for key: the asking identity's private one first.
func (c *listCache) lookup(key, identity string, now time.Time) (any, bool) {
	if v, ok := c.get(privateKey(key, identity), now); ok {
		return v, true
	}
	return c.get(key, now)
}

func (c *listCache) get(key string, now time.Time) (any, bool) {
	e, ok := c.entries[key]
	if !ok || now.After(e.expires) {
		return nil, false
	}
	return e.value, true
}

// join registers pc as waiting for a refresh of key already under way; false if none is, in
// which case the caller becomes the refresher.
func (c *listCache) join(key string, pc *pendingCall) bool {
	waiters, ok := c.refreshing[key]
	if ok {
		c.refreshing[key] = append(waiters, pc)
		return true
	}
	c.refreshing[key] = nil
	return false
}

// settle ends the refresh of key, caching value unless it failed, and returns the waiters.
func (c *listCache) settle(key string, value any, failed bool, expires time.Time) []*pendingCall {
	waiters := c.refreshing[key]
	delete(c.refreshing, key)
	if !failed && value != nil && expires.After(time.Now()) {
		c.entries[key] = cacheEntry{value: value, expires: expires}
	}
	return waiters
}

// settleList ends the refresh pc ran: the list is kept as long as its hint says, under the
// asker's identity when private. Waiters of another identity may not see a private list:
// they are handed back (the second result) to ask for their own.
func (c *listCache) settleList(pc *pendingCall, value any, failed bool, hint cacheHint, ttl time.Duration, now time.Time) (answer, again []*pendingCall) {
	expires := now.Add(ttl)
	if hint.known {
		expires = now.Add(hint.ttl)
	}
	key := pc.refresh
	if !hint.private {
		return c.settle(key, value, failed, expires), nil
	}
	waiters := c.settle(key, nil, true, expires) // nothing under the shared key
	if !failed && value != nil && expires.After(now) {
		c.entries[privateKey(key, pc.req.Identity)] = cacheEntry{value: value, expires: expires}
	}
	for _, w := range waiters {
		if w.req.Identity == pc.req.Identity {
			answer = append(answer, w)
		} else {
			again = append(again, w)
		}
	}
	return answer, again
}

// invalidate drops the cached lists of kind ("tools", "resources", "prompts").
func (c *listCache) invalidate(kind string) {
	prefix := map[string]string{"tools": "list_tools", "resources": "list_resource", "prompts": "list_prompts"}[kind]
	for k := range c.entries {
		if strings.HasPrefix(k, prefix) {
			delete(c.entries, k)
		}
	}
}

// cacheHint is what a 2026-07-28 server said of how long a result may be kept and by whom.
// A 2025-11-25 server says nothing (known is false).
type cacheHint struct {
	known   bool
	ttl     time.Duration // the least ttlMs of the pages read
	private bool          // some page was cacheScope "private"
}

// hintKey carries a *cacheHint on an operation's context, for cacheHints to fill in.
type hintKey struct{}

// withCacheHint returns ctx with a hint for cacheHints to fill in as pages come back.
func withCacheHint(ctx context.Context) (context.Context, *cacheHint) {
	h := &cacheHint{}
	return context.WithValue(ctx, hintKey{}, h), h
}

// cacheHints is the client middleware that reads ttlMs and cacheScope off every result of a
// 2026-07-28 session into the operation's cacheHint. It also keeps go-sdk's own per-session
// cache out: SPINE's cache is the one place lists and reads are kept — it knows identities,
// and a session cache shared by callers of several identities would hand one's private result
// to the next.
func cacheHints() mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			res, err := next(ctx, method, req)
			if err != nil {
				return res, err
			}
			var c *mcp.Cacheable
			switch r := res.(type) {
			case *mcp.ListToolsResult:
				c = &r.Cacheable
			case *mcp.ListPromptsResult:
				c = &r.Cacheable
			case *mcp.ListResourcesResult:
				c = &r.Cacheable
			case *mcp.ListResourceTemplatesResult:
				c = &r.Cacheable
			case *mcp.ReadResourceResult:
				c = &r.Cacheable
			default:
				return res, err
			}
			if !modernSession(req.GetSession()) {
				return res, err
			}
			private := c.CacheScope == "private"
			if h, ok := ctx.Value(hintKey{}).(*cacheHint); ok {
				ttl := time.Duration(max(c.TTLMs, 0)) * time.Millisecond
				if !h.known || ttl < h.ttl {
					h.ttl = ttl
				}
				h.known, h.private = true, h.private || private
			}
			c.TTLMs = 0 // go-sdk keeps a result only while its ttlMs runs
			return res, err
		}
	}
}

// modernSession says whether a request went out on a 2026-07-28 session.
func modernSession(s mcp.Session) bool {
	cs, ok := s.(*mcp.ClientSession)
	if !ok || cs.InitializeResult() == nil {
		return false
	}
	return capability.EraOf(cs.InitializeResult().ProtocolVersion) == capability.EraModern
}

// hintsOnce installs cacheHints on a server's client once.
type hintsOnce struct{ once sync.Once }

func (h *hintsOnce) install(c *mcp.Client) {
	h.once.Do(func() { c.AddSendingMiddleware(cacheHints()) })
}
