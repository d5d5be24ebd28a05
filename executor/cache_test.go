package executor_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync/atomic"
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

// TestReadsFollowTheServersCacheHints: SPINE keeps a 2026-07-28 server's resources/read
// results as long as its ttlMs says, for the asking identity only when cacheScope is "private",
// and a 2025-11-25 server's not at all (it says nothing of how long a resource stays as read).
// Each case reads as two identities, and the first one again; the server counts the reads it
// answered.
func TestReadsFollowTheServersCacheHints(t *testing.T) {
	spinetest.NoLeaks(t)
	for _, c := range []struct {
		name     string
		opts     demoserver.Options
		protocol string
		reads    int // answered by the server
	}{
		{"ttl an hour, public: one read for all", demoserver.Options{ListTTL: time.Hour}, "2026-07-28", 1},
		{"ttl 0: never kept", demoserver.Options{}, "2026-07-28", 3},
		{"private: kept per identity", demoserver.Options{ListTTL: time.Hour, PrivateLists: true}, "2026-07-28", 2},
		{"2025-11-25: not kept", demoserver.Options{ListTTL: time.Hour}, "2025-11-25", 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			reads := &readCounter{}
			spec := httpDemo(t, "demo", statelessDemo(t, c.opts, reads.wrap))
			spec.Protocol = c.protocol
			ex := newExecutor(t, spec)
			for _, who := range []string{"alice", "bob", "alice"} {
				ctx, cancel := context.WithTimeout(executor.WithIdentity(context.Background(), who), spinetest.Patience)
				rr, err := ex.ReadResource(ctx, "demo", demoserver.ReadmeURI)
				cancel()
				if err != nil || len(rr.Contents) != 1 {
					t.Fatalf("ReadResource as %s = %+v, %v", who, rr, err)
				}
			}
			if got := reads.n.Load(); got != int64(c.reads) {
				t.Errorf("the server answered %d reads, want %d", got, c.reads)
			}
		})
	}
}

// readCounter counts the resources/read requests an HTTP server receives, in either era.
type readCounter struct{ n atomic.Int64 }

func (c *readCounter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte(`"resources/read"`)) {
			c.n.Add(1)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}
