package gateway_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestServeHTTPLegacy drives spine serve --http with go-sdk's client on the session-based
// protocol: names, every kind of call, resources, prompts, and list_changed after grow.
func TestServeHTTPLegacy(t *testing.T) {
	spinetest.NoLeaks(t)
	dir := project(t, demoProject)
	s := serve(t, dir, nil)
	changed := make(chan struct{}, 8)
	cs := connect(t, s.URL, legacy, &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { changed <- struct{}{} },
	})
	if cs.ID() == "" {
		t.Fatal("a legacy session got no Mcp-Session-Id")
	}
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	names := toolNames(t, cs)
	for _, want := range []string{"demo__echo", "demo__add", "aff__counter"} {
		if !slices.Contains(names, want) {
			t.Errorf("tools %v lack %s", names, want)
		}
	}
	if got, _ := call(t, cs, "demo__echo", map[string]any{"text": "hi"}); got != "hi" {
		t.Errorf("echo: %q", got)
	}
	_, res := call(t, cs, "demo__add", map[string]any{"a": 2, "b": 3})
	if b, _ := json.Marshal(res.StructuredContent); string(b) != `{"sum":5}` {
		t.Errorf("add structured content: %s", b)
	}
	if got, res := call(t, cs, "demo__fail", map[string]any{"message": "nope"}); !res.IsError || got != "nope" {
		t.Errorf("fail: isError %v, %q", res.IsError, got)
	}
	rr, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "demo://readme"})
	if err != nil || len(rr.Contents) == 0 || rr.Contents[0].Text == "" {
		t.Errorf("read demo://readme: %v %+v", err, rr)
	}
	pr, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "demo__summarize", Arguments: map[string]string{"topic": "actors"}})
	if err != nil || len(pr.Messages) == 0 {
		t.Errorf("get prompt: %v %+v", err, pr)
	}
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "nosuch__tool"}); err == nil {
		t.Error("an unknown tool: no error")
	}

	grown, _ := call(t, cs, "demo__grow", nil)
	select {
	case <-changed:
	case <-ctx.Done():
		t.Fatal("no tools list_changed after grow")
	}
	spinetest.Eventually(t, spinetest.Patience, "the grown tool to be listed", func() bool {
		return slices.Contains(toolNames(t, cs), "demo__"+grown)
	})
	if got, _ := call(t, cs, "demo__"+grown, nil); got != grown {
		t.Errorf("%s: %q", grown, got)
	}
}

// TestServeHTTPModern drives the same endpoint with go-sdk's default client, which speaks
// 2026-07-28 (server/discover, no session): the classifier sends it to the stateless handler.
func TestServeHTTPModern(t *testing.T) {
	spinetest.NoLeaks(t)
	s := serve(t, project(t, demoProject), nil)
	cs := connect(t, s.URL, nil, nil)
	if v := cs.InitializeResult().ProtocolVersion; v < "2026-07-28" {
		t.Fatalf("negotiated %s, want the sessionless protocol", v)
	}
	if got, _ := call(t, cs, "demo__echo", map[string]any{"text": "modern"}); got != "modern" {
		t.Errorf("echo: %q", got)
	}
	if !slices.Contains(toolNames(t, cs), "demo__add") {
		t.Error("no demo__add")
	}
	// An affinity server needs a session: a sessionless call is refused, saying why.
	got, res := call(t, cs, "aff__counter", nil)
	if !res.IsError || !strings.Contains(got, "affinity") {
		t.Errorf("sessionless call of an affinity server: isError %v, %q", res.IsError, got)
	}
	// A legacy client beside it is served too.
	old := connect(t, s.URL, legacy, nil)
	if got, _ := call(t, old, "aff__counter", nil); got != "1" {
		t.Errorf("legacy counter: %q", got)
	}
}

func toolNames(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	var names []string
	for tool, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatalf("list tools: %v", err)
		}
		names = append(names, tool.Name)
	}
	return names
}
