package executor_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/demoserver"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// listenCutter stands between a 2026-07-28 server and its clients and can cut their
// subscriptions/listen streams, as a proxy's idle timeout or a redeploy does, and refuse new
// ones.
type listenCutter struct {
	mu        sync.Mutex
	cuts      []context.CancelFunc
	refuse    bool
	listening chan struct{} // a stream was acknowledged: the server is listening on it
}

func newListenCutter() *listenCutter { return &listenCutter{listening: make(chan struct{}, 16)} }

func (c *listenCutter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Mcp-Method") != "subscriptions/listen" {
			next.ServeHTTP(w, r)
			return
		}
		c.mu.Lock()
		if c.refuse {
			c.mu.Unlock()
			http.Error(w, "no more streams", http.StatusServiceUnavailable)
			return
		}
		ctx, cut := context.WithCancel(r.Context())
		c.cuts = append(c.cuts, cut)
		c.mu.Unlock()
		next.ServeHTTP(&ackWatch{ResponseWriter: w, acked: c.listening}, r.WithContext(ctx))
	})
}

// cut ends every stream open now; refuse makes the server refuse every later one.
func (c *listenCutter) cut(refuse bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cut := range c.cuts {
		cut()
	}
	c.cuts, c.refuse = nil, refuse
}

// ackWatch reports the first write of a listen stream: the server writes the acknowledgement
// once it has registered the subscription.
type ackWatch struct {
	http.ResponseWriter
	once  sync.Once
	acked chan struct{}
}

func (w *ackWatch) Write(p []byte) (int, error) {
	w.once.Do(func() { w.acked <- struct{}{} })
	return w.ResponseWriter.Write(p)
}

func (w *ackWatch) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(spinetest.Patience):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// TestListenStreamCut: when a 2026-07-28 server's change stream is cut, SPINE opens another
// and the next change comes through it (the lists' TTL is an hour: only the stream can tell);
// and when the server refuses every new stream, the change is still seen by re-listing within
// the lists' TTL.
func TestListenStreamCut(t *testing.T) {
	for _, c := range []struct {
		name   string
		ttl    time.Duration
		refuse bool
	}{
		{"re-opened", time.Hour, false},
		{"refused, seen within the TTL", time.Second, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			spinetest.NoLeaks(t)
			cutter := newListenCutter()
			url := statelessDemo(t, demoserver.Options{ListTTL: c.ttl}, cutter.wrap)
			spec := httpDemo(t, "demo", url)
			spec.Protocol, spec.ToolsCacheTTL = "2026-07-28", time.Hour
			changes := &listChanges{seen: map[string]int{}}
			ex, err := executor.New(spinetest.Project(spec), executor.WithEvents(changes.hook))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := ex.Close(ctx); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			call(t, ex, "demo", "echo", map[string]any{"text": "hi"})
			waitFor(t, cutter.listening, "the first listen stream")

			cutter.cut(c.refuse)
			if !c.refuse {
				waitFor(t, cutter.listening, "a new listen stream")
			}
			grew := time.Now()
			call(t, ex, "demo", "grow", nil)
			spinetest.Eventually(t, spinetest.Patience, "tools list_changed", func() bool { return changes.count("demo") > 0 })
			if took := time.Since(grew); c.refuse && took > c.ttl+spinetest.Slack {
				t.Errorf("the change was seen %s after it happened; the lists' TTL is %s", took, c.ttl)
			}
		})
	}
}

// TestListenStreamEndsStdio: a 2026-07-28 stdio server (a real process) that ends every
// subscriptions/listen stream at once still has its list change seen within the lists' TTL:
// SPINE re-lists at the TTL the server gives its lists, whatever the stream does.
func TestListenStreamEndsStdio(t *testing.T) {
	spinetest.NoLeaks(t)
	const ttl = time.Second
	spec := spinetest.Demo(t, "demo")
	spec.Args = append(spec.Args, "--listen-for", "1ms", "--list-ttl", ttl.String())
	spec.Protocol, spec.ToolsCacheTTL = "2026-07-28", time.Hour
	changes := &listChanges{seen: map[string]int{}}
	ex, err := executor.New(spinetest.Project(spec), executor.WithEvents(changes.hook))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ex.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	call(t, ex, "demo", "echo", map[string]any{"text": "hi"})
	grew := time.Now()
	call(t, ex, "demo", "grow", nil)
	spinetest.Eventually(t, spinetest.Patience, "tools list_changed", func() bool { return changes.count("demo") > 0 })
	if took := time.Since(grew); took > ttl+spinetest.Slack {
		t.Errorf("the change was seen %s after it happened; the lists' TTL is %s", took, ttl)
	}
}
