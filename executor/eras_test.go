package executor_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/demoserver"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// demoHTTP serves a demo server over streamable HTTP on a loopback port until the test ends,
// with a session per client or, stateless, none; it returns the endpoint's URL.
func demoHTTP(t *testing.T, stateless bool) string {
	t.Helper()
	return demoHTTPWith(t, demoserver.Options{Stateless: stateless})
}

// demoHTTPWith is demoHTTP with the demo server's options.
func demoHTTPWith(t *testing.T, opts demoserver.Options) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urls, served := make(chan string, 1), make(chan error, 1)
	go func() {
		served <- demoserver.ServeHTTP(ctx, "127.0.0.1:0", opts, func(u string) { urls <- u })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("demo server: %v", err)
		}
	})
	select {
	case u := <-urls:
		return u
	case err := <-served:
		t.Fatalf("demo server: %v", err)
	case <-time.After(spinetest.Patience):
		t.Fatal("demo server: no URL")
	}
	return ""
}

// httpDemo is a spec of the demo server at url.
func httpDemo(t testing.TB, name, url string) capability.ServerSpec {
	spec := spinetest.Demo(t, name)
	spec.Transport, spec.Command, spec.Args, spec.URL = capability.TransportHTTP, "", nil, url
	return spec
}

// demoSSE serves a demo server over the SSE transport (the session era's) on a loopback port.
func demoSSE(t *testing.T) string {
	t.Helper()
	s := demoserver.New(demoserver.Options{})
	srv := httptest.NewServer(mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return s }, nil))
	t.Cleanup(func() {
		for ss := range s.Sessions() { // their event streams would keep Close waiting
			_ = ss.Close()
		}
		srv.Close()
	})
	return srv.URL
}

// listChanges collects the list_changed events of an executor's servers.
type listChanges struct {
	mu   sync.Mutex
	seen map[string]int // server -> tools list changes
}

func (l *listChanges) hook(ev executor.Event) {
	if ev.Kind == executor.EventListChanged && ev.Reason == "tools" {
		l.mu.Lock()
		l.seen[ev.Server]++
		l.mu.Unlock()
	}
}

func (l *listChanges) count(server string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[server]
}

// TestEras runs everything a caller does against the demo server in each protocol era over
// each transport that has it: calls, lists, a resource, a prompt, progress, and a tools list
// change seen through list_changed (grow adds a tool). The version the handshake settled on
// is checked too, so that a case cannot pass in the other era.
func TestEras(t *testing.T) {
	spinetest.NoLeaks(t)
	stateful, stateless, sse := demoHTTP(t, false), demoHTTP(t, true), demoSSE(t)
	cases := []struct {
		name, protocol, want string
		spec                 func(name string) capability.ServerSpec
	}{
		{"stdio legacy", "2025-11-25", "2025-11-25", func(n string) capability.ServerSpec { return spinetest.Demo(t, n) }},
		{"stdio modern", "2026-07-28", "2026-07-28", func(n string) capability.ServerSpec { return spinetest.Demo(t, n) }},
		{"stdio auto", "auto", "2026-07-28", func(n string) capability.ServerSpec { return spinetest.Demo(t, n) }},
		{"http legacy", "2025-11-25", "2025-11-25", func(n string) capability.ServerSpec { return httpDemo(t, n, stateful) }},
		{"http auto, stateful server", "auto", "2025-11-25", func(n string) capability.ServerSpec { return httpDemo(t, n, stateful) }},
		{"http modern", "2026-07-28", "2026-07-28", func(n string) capability.ServerSpec { return httpDemo(t, n, stateless) }},
		{"http auto, stateless server", "auto", "2026-07-28", func(n string) capability.ServerSpec { return httpDemo(t, n, stateless) }},
		{"sse legacy", "2025-11-25", "2025-11-25", func(n string) capability.ServerSpec {
			spec := httpDemo(t, n, sse)
			spec.Transport = capability.TransportSSE
			return spec
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := c.spec("demo")
			spec.Protocol = c.protocol
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
			ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
			defer cancel()

			if got := text(t, call(t, ex, "demo", "echo", map[string]any{"text": "hi"})); got != "hi" {
				t.Errorf("echo = %q", got)
			}
			info, err := ex.ServerInfo(ctx, "demo")
			if err != nil || info.ProtocolVersion != c.want {
				t.Fatalf("ServerInfo = %+v, %v; want protocol %s", info, err, c.want)
			}
			tools, err := ex.ListTools(ctx, "demo")
			if err != nil || !slices.ContainsFunc(tools, func(tool *mcp.Tool) bool { return tool.Name == "grow" }) {
				t.Fatalf("ListTools = %d tools, %v", len(tools), err)
			}
			if res, err := ex.ListResources(ctx, "demo"); err != nil || len(res) != 1 {
				t.Errorf("ListResources = %v, %v", res, err)
			}
			if pr, err := ex.ListPrompts(ctx, "demo"); err != nil || len(pr) != 1 {
				t.Errorf("ListPrompts = %v, %v", pr, err)
			}
			if rr, err := ex.ReadResource(ctx, "demo", demoserver.ReadmeURI); err != nil || len(rr.Contents) != 1 {
				t.Errorf("ReadResource = %+v, %v", rr, err)
			}
			if pr, err := ex.GetPrompt(ctx, "demo", "summarize", map[string]string{"topic": "eras"}); err != nil || len(pr.Messages) != 1 {
				t.Errorf("GetPrompt = %+v, %v", pr, err)
			}

			var mu sync.Mutex
			var heard []string
			pctx := executor.WithCallProgress(ctx, func(p executor.Progress) {
				mu.Lock()
				heard = append(heard, p.Message)
				mu.Unlock()
			})
			// The report sent as the sleep starts arrives well before the answer; the one sent
			// just before the answer may arrive after it, and a late report is dropped.
			if _, err := ex.CallTool(pctx, "demo", "sleep", map[string]any{"ms": 300}); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			if len(heard) == 0 || heard[0] != "falling asleep" {
				t.Errorf("progress heard = %q, want \"falling asleep\" first", heard)
			}
			mu.Unlock()

			if got := text(t, call(t, ex, "demo", "grow", nil)); got == "" {
				t.Fatal("grow answered nothing")
			}
			spinetest.Eventually(t, spinetest.Patience, "tools list_changed", func() bool { return changes.count("demo") > 0 })
			tools, err = ex.ListTools(ctx, "demo")
			if err != nil || !slices.ContainsFunc(tools, func(tool *mcp.Tool) bool { return tool.Name == "grown_1" }) {
				t.Errorf("after list_changed, ListTools = %d tools (no grown_1), %v", len(tools), err)
			}
		})
	}
}

// TestEraConfigErrors: what the config asks for and what the server speaks disagree, and the
// caller is told why, naming the server and the key: isolation = "affinity" against a
// 2026-07-28 HTTP server found by the probe, and a pinned 2026-07-28 the server does not speak.
func TestEraConfigErrors(t *testing.T) {
	spinetest.NoLeaks(t)
	stateful, stateless := demoHTTP(t, false), demoHTTP(t, true)
	affinity := httpDemo(t, "sticky", stateless)
	affinity.Protocol, affinity.Isolation = "auto", capability.IsolationAffinity
	pinned := httpDemo(t, "pinned", stateful)
	pinned.Protocol = "2026-07-28"
	for _, c := range []struct {
		spec capability.ServerSpec
		want []string
	}{
		{affinity, []string{`server "sticky"`, `isolation = "affinity"`, "2026-07-28", `"shared"`}},
		{pinned, []string{`server "pinned"`, `protocol = "2026-07-28"`, "speaks 2025-11-25"}},
	} {
		t.Run(c.spec.Name, func(t *testing.T) {
			ex := newExecutor(t, c.spec)
			ctx, cancel := context.WithTimeout(executor.WithAffinity(context.Background(), "conversation-1"), spinetest.Patience)
			defer cancel()
			_, err := ex.CallTool(ctx, c.spec.Name, "echo", map[string]any{"text": "hi"})
			if err == nil {
				t.Fatal("the call succeeded")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}
