package actors

import (
	"strings"
	"time"

	"github.com/spine-mcp/spine/capability"
)

// listCache keeps a server's tools/resources/prompts lists for tools_cache_ttl. One refresh
// runs at a time per key; callers arriving meanwhile wait for its answer. A failed refresh
// caches nothing, so a server is never taken to have zero tools because one list failed.
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

// cacheKey scopes lists per pool key where isolation is per identity (an upstream may show
// each identity different tools), and per server otherwise.
func (s *serverActor) cacheKey(op Op, poolKey string) string {
	if s.spec.Isolation == capability.IsolationIdentity {
		return op.String() + "|" + poolKey
	}
	return op.String()
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
	if !failed && value != nil {
		c.entries[key] = cacheEntry{value: value, expires: expires}
	}
	return waiters
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
