package thirdparty

import (
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// tsServer2Spec is tsserver2.mjs (the TypeScript SDK v2 server) over transport: a stdio server
// SPINE starts, or an HTTP one the test runs.
func tsServer2Spec(t *testing.T, transport capability.Transport, protocol string) capability.ServerSpec {
	t.Helper()
	dir := requireServers(t)
	script := filepath.Join(dir, "tsserver2.mjs")
	spec := capability.ServerSpec{Name: "ts2", Transport: transport, Cwd: dir, Enabled: true, Policy: capability.DefaultPolicy()}
	spec.CallTimeout, spec.Protocol = testTimeout, protocol
	if transport == capability.TransportStdio {
		spec.Command, spec.Args = "node", []string{script, "stdio"}
		return spec
	}
	spec.URL = nodeHTTP(t, nil, func(line string) (string, bool) {
		return strings.CutPrefix(line, "listening ")
	}, script, "http")
	spec.Cwd = ""
	return spec
}

// TestTSServerV2 runs SPINE against a server written with the TypeScript SDK v2
// (@modelcontextprotocol/server, which serves 2026-07-28 and, on the same stdio pipe or HTTP
// endpoint, 2025-11-25) in each era over stdio and streamable HTTP: the era the handshake
// settled on, a call with structured content, lists, a resource with a cache hint, a prompt,
// progress, and a tool list change seen through list_changed (grow adds a tool) where the era
// and transport carry one — the stateless 2025-11-25 HTTP fallback has no stream to carry it.
func TestTSServerV2(t *testing.T) {
	requireServers(t)
	for _, c := range []struct {
		name      string
		transport capability.Transport
		protocol  string
		want      string
		changes   bool
	}{
		{"stdio modern", capability.TransportStdio, "2026-07-28", "2026-07-28", true},
		{"stdio auto", capability.TransportStdio, "auto", "2026-07-28", true},
		{"stdio legacy", capability.TransportStdio, "2025-11-25", "2025-11-25", true},
		{"http modern", capability.TransportHTTP, "2026-07-28", "2026-07-28", true},
		{"http auto", capability.TransportHTTP, "auto", "2026-07-28", true},
		{"http legacy", capability.TransportHTTP, "2025-11-25", "2025-11-25", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			spinetest.NoLeaks(t)
			spec := tsServer2Spec(t, c.transport, c.protocol)
			changes := newEvents()
			ex := startProject(t, spinetest.Project(spec), executor.WithEvents(changes.hook))
			ctx := testContext(t)

			var sum struct {
				Sum float64 `json:"sum"`
			}
			structured(t, call(ctx, t, ex, "ts2", "add", map[string]any{"a": 2, "b": 40}), &sum)
			if sum.Sum != 42 {
				t.Errorf("add 2 40 = %v", sum.Sum)
			}
			info, err := ex.ServerInfo(ctx, "ts2")
			if err != nil || info.ProtocolVersion != c.want {
				t.Fatalf("ServerInfo = %+v, %v; want protocol %s", info, err, c.want)
			}
			tools, err := ex.ListTools(ctx, "ts2")
			if names := toolNames(tools); err != nil || len(names) < 3 || !slices.Equal(names[:3], []string{"add", "steps", "grow"}) {
				t.Fatalf("ListTools = %v, %v", toolNames(tools), err)
			}
			if rs, err := ex.ListResources(ctx, "ts2"); err != nil || len(rs) != 1 || rs[0].URI != "ts://note" {
				t.Errorf("ListResources = %v, %v", rs, err)
			}
			if rr, err := ex.ReadResource(ctx, "ts2", "ts://note"); err != nil || len(rr.Contents) != 1 || !strings.Contains(rr.Contents[0].Text, "v2") {
				t.Errorf("ReadResource = %+v, %v", rr, err)
			}
			pr, err := ex.GetPrompt(ctx, "ts2", "greet", map[string]string{"name": "SPINE"})
			if err != nil || len(pr.Messages) != 1 {
				t.Fatalf("GetPrompt = %+v, %v", pr, err)
			}
			if tc, ok := pr.Messages[0].Content.(*mcp.TextContent); !ok || tc.Text != "Say hello to SPINE." {
				t.Errorf("GetPrompt greet = %#v", pr.Messages[0].Content)
			}

			var mu sync.Mutex
			var heard []float64
			pctx := executor.WithCallProgress(ctx, func(p executor.Progress) {
				mu.Lock()
				heard = append(heard, p.Progress)
				mu.Unlock()
			})
			if got := text(call(pctx, t, ex, "ts2", "steps", map[string]any{"steps": 3})); got != "done after 3 steps" {
				t.Errorf("steps = %q", got)
			}
			mu.Lock()
			// A report and the answer travel apart: the last report may come after the answer
			// (and be dropped), the earlier ones come 100 ms ahead of it.
			if len(heard) < 2 || heard[0] != 1 || heard[1] != 2 {
				t.Errorf("progress heard = %v, want 1, 2 (and maybe 3)", heard)
			}
			mu.Unlock()

			if !c.changes {
				return
			}
			if got := text(call(ctx, t, ex, "ts2", "grow", nil)); got != "grown_1" {
				t.Fatalf("grow = %q", got)
			}
			changes.waitChanged(t, "ts2", "tools")
			tools, err = ex.ListTools(ctx, "ts2")
			if err != nil || !slices.Contains(toolNames(tools), "grown_1") {
				t.Errorf("after list_changed, ListTools = %v, %v", toolNames(tools), err)
			}
		})
	}
}
