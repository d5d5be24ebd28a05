package executor_test

import (
	"context"
	"testing"
	"time"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/demoserver"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestListsFollowTheServersCacheHints: a 2026-07-28 server says how long its lists may be kept
// (ttlMs) and by whom (cacheScope); a 2025-11-25 session says nothing and tools_cache_ttl
// decides. Each case lists as two identities, and the first one again, and counts what the
// list cache answered.
func TestListsFollowTheServersCacheHints(t *testing.T) {
	spinetest.NoLeaks(t)
	hour := demoHTTPWith(t, demoserver.Options{Stateless: true, ListTTL: time.Hour})
	stale := demoHTTPWith(t, demoserver.Options{Stateless: true})
	private := demoHTTPWith(t, demoserver.Options{Stateless: true, ListTTL: time.Hour, PrivateLists: true})
	for _, c := range []struct {
		name, url, protocol string
		hits, misses        int64
	}{
		{"ttl an hour, public: one list for all", hour, "2026-07-28", 2, 1},
		{"ttl 0: never kept", stale, "2026-07-28", 0, 3},
		{"private: kept per identity", private, "2026-07-28", 1, 2},
		{"2025-11-25: tools_cache_ttl, whatever the server says", private, "2025-11-25", 2, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := httpDemo(t, "demo", c.url)
			spec.Protocol = c.protocol
			ex := newExecutor(t, spec)
			for _, who := range []string{"alice", "bob", "alice"} {
				ctx, cancel := context.WithTimeout(executor.WithIdentity(context.Background(), who), spinetest.Patience)
				tools, err := ex.ListTools(ctx, "demo")
				cancel()
				if err != nil || len(tools) == 0 {
					t.Fatalf("ListTools as %s = %d tools, %v", who, len(tools), err)
				}
			}
			st := ex.Stats().Servers["demo"]
			if st.CacheHits != c.hits || st.CacheMisses != c.misses {
				t.Errorf("cache hits %d, misses %d; want %d, %d", st.CacheHits, st.CacheMisses, c.hits, c.misses)
			}
		})
	}
}
