package thirdparty

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestEverythingEras runs server-everything (TypeScript SDK v1: 2025-11-25 only) over each of
// its transports — stdio, streamable HTTP, SSE — with protocol = "auto": SPINE settles on the
// session era, and remembers it, so that the next session of the same server asks for
// 2025-11-25 at once (a proxy over HTTP, a wrapper reading stdin over stdio counts the
// server/discover probes: one for two sessions). Calls,
// lists, a resource, a prompt, progress, and a resource list change seen through
// list_changed (gzip-file-as-resource adds a resource to the session) are checked in each.
func TestEverythingEras(t *testing.T) {
	requireServers(t)
	for _, c := range []struct {
		name      string
		transport capability.Transport
		serve     string // server-everything's transport argument; "" for stdio
	}{
		{"stdio", capability.TransportStdio, ""},
		{"http", capability.TransportHTTP, "streamableHttp"},
		{"sse", capability.TransportSSE, "sse"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spinetest.NoLeaks(t)
			spec := serverSpec(t, direct, "everything", everything)
			var probes interface{ count() int64 }
			if c.serve != "" {
				counter := newDiscoverCounter(t, everythingHTTP(t, c.serve))
				spec.Transport, spec.Command, spec.Args, spec.URL = c.transport, "", nil, counter.url
				probes = counter
			} else {
				counter := newStdinDiscoverCounter(t)
				spec.Args = append([]string{counter.script, counter.file}, spec.Args...)
				probes = counter
			}
			spec.Protocol = capability.ProtocolAuto
			spec.MaxSessions, spec.MaxInflight = 2, 1 // two calls at once open a second session
			changes := newEvents()
			ex := startProject(t, spinetest.Project(spec), executor.WithEvents(changes.hook))
			ctx := testContext(t)

			if got := text(call(ctx, t, ex, "everything", "echo", map[string]any{"message": c.name})); got != "Echo: "+c.name {
				t.Errorf("echo = %q", got)
			}
			info, err := ex.ServerInfo(ctx, "everything")
			if err != nil || info.ProtocolVersion != "2025-11-25" {
				t.Fatalf("ServerInfo = %+v, %v; want protocol 2025-11-25", info, err)
			}
			checkResources(t, ctx, ex)
			checkPrompts(t, ctx, ex)
			checkProgress(t, ctx, ex)
			checkResourceAdded(t, ctx, ex, changes)

			// Two calls at once: the second runs on a new session, which asks for what the first
			// one learned.
			var wg sync.WaitGroup
			for range 2 {
				wg.Go(func() {
					call(ctx, t, ex, "everything", "trigger-long-running-operation", map[string]any{"duration": 1, "steps": 1})
				})
			}
			wg.Wait()
			// The second session was opened for the call that waited; under load the first
			// may have served both before it was ready, and it counts once its handshake is done.
			var st executor.ServerStats
			spinetest.Eventually(t, spinetest.Patience, "a second session (two calls at once, one call in flight per session)", func() bool {
				st = ex.Stats().Servers["everything"]
				return st.SessionsCreated >= 2
			})
			if st.SessionsCreated != 2 {
				t.Errorf("sessions created = %d, want 2 (two calls at once, one call in flight per session)", st.SessionsCreated)
			}
			if n := probes.count(); n != 1 {
				t.Errorf("%d server/discover probes for %d sessions, want one: the first session probes, the era is remembered", n, st.SessionsCreated)
			}
		})
	}
}

// checkProgress calls server-everything's long-running tool with a progress callback: it
// reports every step.
func checkProgress(t *testing.T, ctx context.Context, ex *executor.Executor) {
	t.Helper()
	var mu sync.Mutex
	var heard []float64
	pctx := executor.WithCallProgress(ctx, func(p executor.Progress) {
		mu.Lock()
		heard = append(heard, p.Progress)
		mu.Unlock()
	})
	res := call(pctx, t, ex, "everything", "trigger-long-running-operation", map[string]any{"duration": 1, "steps": 4})
	if got := text(res); !strings.Contains(got, "Steps: 4") {
		t.Errorf("trigger-long-running-operation = %q", got)
	}
	mu.Lock()
	defer mu.Unlock()
	// The last report races the answer; the first three are certain.
	if len(heard) < 3 || heard[0] != 1 || heard[2] != 3 {
		t.Errorf("progress heard = %v, want 1, 2, 3 (and maybe 4)", heard)
	}
}

// checkResourceAdded lists the resources (now cached), has the server add one to the session,
// and waits for the resources list_changed; the next list has the new resource.
func checkResourceAdded(t *testing.T, ctx context.Context, ex *executor.Executor, changes *events) {
	t.Helper()
	if _, err := ex.ListResources(ctx, "everything"); err != nil {
		t.Fatal(err)
	}
	data := "data:text/plain;base64," + base64.StdEncoding.EncodeToString([]byte("both eras"))
	res := call(ctx, t, ex, "everything", "gzip-file-as-resource", map[string]any{"name": "eras.txt.gz", "data": data, "outputType": "resourceLink"})
	var uri string
	for _, c := range res.Content {
		if l, ok := c.(*mcp.ResourceLink); ok {
			uri = l.URI
		}
	}
	if uri == "" {
		t.Fatalf("gzip-file-as-resource returned no resource link: %+v", res.Content)
	}
	changes.waitChanged(t, "everything", "resources")
	resources, err := ex.ListResources(ctx, "everything")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(resources, func(r *mcp.Resource) bool { return r.URI == uri }) {
		// The resource belongs to the session that made it. With one call in flight per
		// session, a listing that waited behind the refresh list_changed started may have
		// opened the pool's second session and been served there, without it.
		if n := ex.Stats().Servers["everything"].SessionsCreated; n > 1 {
			t.Logf("after list_changed, the resources lack %s: listed on another of %d sessions", uri, n)
			return
		}
		t.Errorf("after list_changed, the resources lack %s", uri)
	}
}
