package actors_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// testServer is an MCP server in this process, served over streamable HTTP, so that a test
// controls exactly what it offers and how its lists answer.
func testServer(t *testing.T, setup func(*mcp.Server)) (*mcp.Server, capability.ServerSpec) {
	t.Helper()
	s := mcp.NewServer(&mcp.Implementation{Name: "scan-test", Version: "1.0.0"}, &mcp.ServerOptions{
		Instructions: "A server for scan tests.",
	})
	addTool(s, "look")
	if setup != nil {
		setup(s)
	}
	hs := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil))
	t.Cleanup(hs.Close)
	policy := capability.DefaultPolicy()
	policy.AcquireTimeout = spinetest.Patience
	policy.ConnectTimeout = spinetest.Patience
	return s, capability.ServerSpec{Name: "t", Transport: capability.TransportHTTP, URL: hs.URL, Enabled: true, Policy: policy}
}

func addTool(s *mcp.Server, name string) {
	s.AddTool(&mcp.Tool{Name: name, Description: "Does " + name + ".", InputSchema: map[string]any{"type": "object"}},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: name}}}, nil
		})
}

// failing makes method answer with err.
func failing(method string, err error) func(*mcp.Server) {
	return func(s *mcp.Server) {
		s.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
			return func(ctx context.Context, m string, req mcp.Request) (mcp.Result, error) {
				if m == method {
					return nil, err
				}
				return next(ctx, m, req)
			}
		})
	}
}

func startRuntime(t *testing.T, spec capability.ServerSpec) *actors.Runtime {
	t.Helper()
	return startRuntimeWith(t, spec, actors.RuntimeOptions{Log: zerolog.Nop()})
}

// startRuntimeWith starts a runtime for spec with opts, closed when the test ends.
func startRuntimeWith(t *testing.T, spec capability.ServerSpec, opts actors.RuntimeOptions) *actors.Runtime {
	t.Helper()
	rt, err := actors.Start(spinetest.Project(spec), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = rt.Close(ctx)
	})
	return rt
}

func TestScanServerLists(t *testing.T) {
	notFound := &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound, Message: "method not found"}
	broken := &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "broken"}
	withPrompt := func(s *mcp.Server) {
		s.AddPrompt(&mcp.Prompt{Name: "p"}, func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{}, nil
		})
	}
	both := func(fs ...func(*mcp.Server)) func(*mcp.Server) {
		return func(s *mcp.Server) {
			for _, f := range fs {
				f(s)
			}
		}
	}
	tests := []struct {
		name    string
		setup   func(*mcp.Server)
		prompts int
		wantErr bool
	}{
		{"capabilities absent", nil, 0, false},
		{"prompts offered", withPrompt, 1, false},
		{"prompts method not found", both(withPrompt, failing("prompts/list", notFound)), 0, false},
		{"prompts list fails", both(withPrompt, failing("prompts/list", broken)), 0, true},
		{"tools list fails", failing("tools/list", broken), 0, true},
		{"tools method not found", failing("tools/list", notFound), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spinetest.NoLeaks(t)
			_, spec := testServer(t, tt.setup)
			rt := startRuntime(t, spec)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			snap, err := actors.ScanServer(ctx, rt, "t", nil)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ScanServer = %+v, want an error", snap)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if snap.Info == nil || snap.Info.Name != "scan-test" || snap.Instructions == "" || snap.Hash == "" {
				t.Errorf("snapshot info = %+v, instructions %q, hash %q", snap.Info, snap.Instructions, snap.Hash)
			}
			if len(snap.Tools) != 1 || snap.Tools[0].Name != "look" {
				t.Errorf("tools = %v, want [look]", snap.Tools)
			}
			if len(snap.Resources) != 0 || len(snap.ResourceTemplates) != 0 || snap.Resources == nil {
				t.Errorf("resources = %v, templates = %v, want empty lists", snap.Resources, snap.ResourceTemplates)
			}
			if len(snap.Prompts) != tt.prompts {
				t.Errorf("prompts = %d, want %d", len(snap.Prompts), tt.prompts)
			}
		})
	}
}

// TestScanActorFollowsListChanged: the first scan is a change; a tool added at run time
// (the server sends tools/list_changed) leads to a rescan, a CapabilitiesChanged and a new
// description, in that order, both through the hook and to a listener.
func TestScanActorFollowsListChanged(t *testing.T) {
	spinetest.NoLeaks(t)
	server, spec := testServer(t, nil)
	rt := startRuntime(t, spec)
	root := rt.System().Root

	hooked := make(chan actors.ScanEvent, 64)
	heard := make(chan any, 64)
	listener := root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
		if ev, ok := c.Message().(actors.ScanEvent); ok {
			heard <- ev
		}
	}))
	registry := capability.NewRegistry()
	scan, err := rt.StartScan(actors.ScanOptions{
		Registry: registry,
		Debounce: 5 * time.Millisecond,
		Events:   func(ev actors.ScanEvent) { hooked <- ev },
	})
	if err != nil {
		t.Fatal(err)
	}
	scan.Listen(listener)
	t.Cleanup(func() {
		scan.Stop()
		_ = root.StopFuture(listener).Wait()
	})

	first := waitDescribed(t, hooked, func(tools []string) bool { return slices.Equal(tools, []string{"look"}) })
	if _, ok := registry.Get("t"); !ok {
		t.Fatal("the registry has no snapshot after the first scan")
	}
	addTool(server, "grown")
	second := waitDescribed(t, hooked, func(tools []string) bool { return slices.Contains(tools, "grown") })
	if first.Result.Metadata.SourceHash == second.Result.Metadata.SourceHash {
		t.Error("the source hash did not change with the tools")
	}
	if snap, _ := registry.Get("t"); snap.Hash != second.Result.Metadata.SourceHash {
		t.Errorf("registry hash %s, description made from %s", snap.Hash, second.Result.Metadata.SourceHash)
	}
	// The listener heard the same story.
	waitDescribedAny(t, heard, func(tools []string) bool { return slices.Contains(tools, "grown") })
}

// waitDescribed waits for a DescriptionChanged whose tools pass ok, checking that each is
// preceded by its CapabilitiesChanged and that no scan failed.
func waitDescribed(t *testing.T, events <-chan actors.ScanEvent, ok func(tools []string) bool) *actors.DescriptionChanged {
	t.Helper()
	timeout := time.After(30 * time.Second)
	var changed *actors.CapabilitiesChanged
	for {
		select {
		case ev := <-events:
			switch ev := ev.(type) {
			case *actors.ScanFailed:
				t.Fatalf("scan failed: %v", ev.Err)
			case *actors.CapabilitiesChanged:
				changed = ev
			case *actors.DescriptionChanged:
				if changed == nil || changed.Hash != ev.Result.Metadata.SourceHash {
					t.Fatalf("%v without its capabilities_changed (last: %v)", ev, changed)
				}
				if ok(toolNames(ev)) {
					return ev
				}
			}
		case <-timeout:
			t.Fatal("timed out waiting for a new description")
		}
	}
}

func waitDescribedAny(t *testing.T, events <-chan any, ok func(tools []string) bool) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev := <-events:
			if d, is := ev.(*actors.DescriptionChanged); is && ok(toolNames(d)) {
				return
			}
		case <-timeout:
			t.Fatal("timed out waiting for the listener to hear of the new description")
		}
	}
}

func toolNames(d *actors.DescriptionChanged) []string {
	var names []string
	for _, tool := range d.Result.Schema.Tools {
		names = append(names, tool.Name)
	}
	return names
}

// TestScanActorReportsFailure: a server whose tools list fails is reported, not described,
// and the registry keeps nothing for it.
func TestScanActorReportsFailure(t *testing.T) {
	spinetest.NoLeaks(t)
	_, spec := testServer(t, failing("tools/list", errors.New("tools are down")))
	rt := startRuntime(t, spec)
	events := make(chan actors.ScanEvent, 16)
	registry := capability.NewRegistry()
	scan, err := rt.StartScan(actors.ScanOptions{
		Registry: registry, Events: func(ev actors.ScanEvent) { events <- ev },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(scan.Stop)
	select {
	case ev := <-events:
		f, ok := ev.(*actors.ScanFailed)
		if !ok || f.Server != "t" || f.Err == nil {
			t.Fatalf("first event = %v, want scan_failed for t", ev)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("timed out waiting for scan_failed")
	}
	if _, ok := registry.Get("t"); ok {
		t.Error("a failed scan left a snapshot in the registry")
	}
}
