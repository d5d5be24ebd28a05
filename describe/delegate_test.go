package describe

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// sessionCaller is a ToolCaller over one client session, as the executor
// would be over its pool.
type sessionCaller struct {
	server string
	cs     *mcp.ClientSession
}

func (c sessionCaller) CallTool(ctx context.Context, server, tool string, args map[string]any) (*mcp.CallToolResult, error) {
	if server != c.server {
		return nil, errors.New("unknown server " + server)
	}
	return c.cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
}

// connectBuilder serves NewBuilderServer over in-memory transports and
// returns a caller for it, named "spine-describe".
func connectBuilder(t *testing.T) sessionCaller {
	t.Helper()
	ctx := context.Background()
	serverT, clientT := mcp.NewInMemoryTransports()
	ss, err := NewBuilderServer().Connect(ctx, serverT, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "spine-test", Version: "0"}, nil)
	cs, err := client.Connect(ctx, clientT, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cs.Close()
		ss.Wait()
	})
	return sessionCaller{server: "spine-describe", cs: cs}
}

func TestDelegateToBuilder(t *testing.T) {
	caller := connectBuilder(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg := demoConfig()
	r, err := Delegate(ctx, caller, "spine-describe", BuilderTool, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Metadata.Mode != ModeDelegated || r.Metadata.FallbackReason != "" {
		t.Fatalf("mode %q, fallback %q: want delegated", r.Metadata.Mode, r.Metadata.FallbackReason)
	}
	if r.Metadata.Generator != BuilderGenerator {
		t.Errorf("generator %q, want %q", r.Metadata.Generator, BuilderGenerator)
	}
	// The shipped builder runs the same generator: the layers match.
	want := generate(t, cfg)
	if r.Instructions != want.Instructions || r.Schema.Markdown != want.Schema.Markdown || r.Docs != want.Docs {
		t.Error("the builder's layers differ from the standalone ones")
	}
	if got, w := mustJSON(t, r.Schema.Tools), mustJSON(t, want.Schema.Tools); string(got) != string(w) {
		t.Error("the builder's JSON Schemas differ from the standalone ones")
	}
	if len(r.Prompts) != len(want.Prompts) || r.Metadata.SourceHash != want.Metadata.SourceHash {
		t.Error("prompts or source hash differ")
	}
}

func TestBuilderRejectsBadArguments(t *testing.T) {
	caller := connectBuilder(t)
	ctx := context.Background()
	for name, args := range map[string]map[string]any{
		"no config":      {},
		"config not obj": {"config": "demo"},
		"no server":      {"config": map[string]any{"tools": []any{}}},
	} {
		res, err := caller.CallTool(ctx, "spine-describe", BuilderTool, args)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !res.IsError {
			t.Errorf("%s: not an error result", name)
		}
	}
}

// fakeCaller answers every call the same way, and records what it was asked.
type fakeCaller struct {
	res   *mcp.CallToolResult
	err   error
	block bool // wait for the context to end
	args  map[string]any
}

func (f *fakeCaller) CallTool(ctx context.Context, server, tool string, args map[string]any) (*mcp.CallToolResult, error) {
	f.args = args
	if f.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return f.res, f.err
}

func resultJSON(t *testing.T, mutate func(*Result)) string {
	r := generate(t, demoConfig())
	mutate(&r)
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestDelegateFallsBack(t *testing.T) {
	text := func(s string) *mcp.CallToolResult {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
	}
	structured := func(s string) *mcp.CallToolResult {
		return &mcp.CallToolResult{StructuredContent: json.RawMessage(s)}
	}
	cases := []struct {
		name   string
		caller ToolCaller
		reason string // a part of FallbackReason
	}{
		{"nil caller", nil, "needs a tool caller"},
		{"call error", &fakeCaller{err: errors.New("connection refused")}, "call failed: connection refused"},
		{"timeout", &fakeCaller{block: true}, "timed out"},
		{"no result", &fakeCaller{}, "no result"},
		{"isError", &fakeCaller{res: &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "builder broke"}}}}, "reported an error: builder broke"},
		{"garbage text", &fakeCaller{res: text("this is not JSON")}, "not a description result"},
		{"empty answer", &fakeCaller{res: &mcp.CallToolResult{}}, "empty answer"},
		{"wrong server", &fakeCaller{res: structured(resultJSON(t, func(r *Result) { r.Server = "other" }))}, `describes server "other"`},
		{"no L0", &fakeCaller{res: text(resultJSON(t, func(r *Result) { r.Instructions = " " }))}, "no instructions"},
		{"no L1", &fakeCaller{res: structured(resultJSON(t, func(r *Result) { r.Schema.Markdown = "" }))}, "no parameter reference"},
		{"tool missing", &fakeCaller{res: structured(resultJSON(t, func(r *Result) { r.Schema.Tools = r.Schema.Tools[1:] }))}, "missing from the parameter reference"},
		{"bad prompt", &fakeCaller{res: structured(resultJSON(t, func(r *Result) { r.Prompts[1].Name = r.Prompts[0].Name }))}, "listed twice"},
		{"no L3", &fakeCaller{res: structured(resultJSON(t, func(r *Result) { r.Docs.MCPInfo = "" }))}, "no MCP_INFO.md"},
		{"bad SKILL.md", &fakeCaller{res: structured(resultJSON(t, func(r *Result) { r.Docs.Skill = "# no front matter" }))}, "SKILL.md"},
		{"oversized", &fakeCaller{res: structured(resultJSON(t, func(r *Result) { r.Docs.README += strings.Repeat("x", 1<<20) }))}, "README.md is "},
		{"oversized JSON", &fakeCaller{res: structured(resultJSON(t, func(r *Result) {
			r.Schema.Tools[0].Description = strings.Repeat("x", 5<<20)
		}))}, "schema.json would be"},
	}
	standalone := mustJSON(t, generate(t, demoConfig()))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			r, err := Delegate(ctx, c.caller, "builder", "describe", demoConfig())
			if err != nil {
				t.Fatalf("err = %v, want a fallback", err)
			}
			if r.Metadata.Mode != ModeStandalone {
				t.Errorf("mode %q, want standalone", r.Metadata.Mode)
			}
			if !strings.Contains(r.Metadata.FallbackReason, c.reason) {
				t.Errorf("fallback reason %q, want it to mention %q", r.Metadata.FallbackReason, c.reason)
			}
			r.Metadata.FallbackReason = ""
			if got := mustJSON(t, r); string(got) != string(standalone) {
				t.Error("the fallback is not the standalone result")
			}
		})
	}
}

func TestDelegateSendsPlainConfig(t *testing.T) {
	f := &fakeCaller{res: &mcp.CallToolResult{StructuredContent: json.RawMessage(resultJSON(t, func(*Result) {}))}}
	r, err := Delegate(context.Background(), f, "builder", "describe", demoConfig())
	if err != nil {
		t.Fatal(err)
	}
	if r.Metadata.Mode != ModeDelegated {
		t.Fatalf("mode %q (%s), want delegated", r.Metadata.Mode, r.Metadata.FallbackReason)
	}
	if r.Metadata.Generator != GeneratorName {
		t.Errorf("generator %q: the builder's own name should be kept", r.Metadata.Generator)
	}
	cfg, ok := f.args["config"].(map[string]any)
	if !ok {
		t.Fatalf("config argument is %T, want a plain map", f.args["config"])
	}
	if cfg["server"] != "demo" {
		t.Errorf("config server %v, want demo", cfg["server"])
	}
	if tools, ok := cfg["tools"].([]any); !ok || len(tools) != 8 {
		t.Errorf("config tools: %T with %d entries", cfg["tools"], len(tools))
	}
}

func TestDelegateInvalidConfig(t *testing.T) {
	f := &fakeCaller{}
	_, err := Delegate(context.Background(), f, "builder", "describe", Config{})
	if !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("err = %v, want ErrInvalidConfig", err)
	}
	if f.args != nil {
		t.Error("the builder was called with an invalid config")
	}
}
