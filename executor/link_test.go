package executor_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/demoserver"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// methodCounter counts the MCP requests an HTTP server receives, by their Mcp-Method header
// (set on every 2026-07-28 request).
type methodCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (m *methodCounter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if method := r.Header.Get("Mcp-Method"); method != "" {
			m.mu.Lock()
			m.counts[method]++
			m.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

func (m *methodCounter) count(method string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counts[method]
}

// statelessDemo serves a stateless demo server on a loopback port through wrap.
func statelessDemo(t *testing.T, opts demoserver.Options, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	s := demoserver.New(opts)
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, &mcp.StreamableHTTPOptions{Stateless: true})
	srv := httptest.NewServer(wrap(h))
	t.Cleanup(srv.Close)
	return srv.URL + "/mcp"
}

// TestModernHTTPSessionsShareOneLink: four sessions of a pool against a 2026-07-28 HTTP server
// cost one server/discover and one subscriptions/listen between them — there is no session on
// the server to keep warm — and calls run on all four.
func TestModernHTTPSessionsShareOneLink(t *testing.T) {
	spinetest.NoLeaks(t)
	counter := &methodCounter{counts: map[string]int{}}
	url := statelessDemo(t, demoserver.Options{}, counter.wrap)
	spec := httpDemo(t, "demo", url)
	spec.Protocol, spec.MaxSessions, spec.MaxInflight = "2026-07-28", 4, 1
	ex := newExecutor(t, spec)

	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
			defer cancel()
			if _, err := ex.CallTool(ctx, "demo", "sleep", map[string]any{"ms": 300}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	st := ex.Stats().Servers["demo"]
	if st.Sessions.Ready < 2 {
		t.Fatalf("%d sessions ready, want the pool to have grown (max_inflight 1, 4 calls at once)", st.Sessions.Ready)
	}
	if d, l, c := counter.count("server/discover"), counter.count("subscriptions/listen"), counter.count("tools/call"); d != 1 || l != 1 || c != 4 {
		t.Errorf("%d sessions: %d discover, %d listen, %d calls; want 1, 1, 4", st.Sessions.Ready, d, l, c)
	}
	// What was opened upstream is the one link they share.
	if st.SessionsCreated != 1 || st.SessionsClosed != 0 {
		t.Errorf("sessions created %d, closed %d; want the one link, open", st.SessionsCreated, st.SessionsClosed)
	}
}
