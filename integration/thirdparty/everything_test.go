package thirdparty

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/executor"
)

// TestEverything runs the reference server that exercises every MCP feature, started with
// node and through npx: lists, plain and structured tool results, a long-running tool (the
// one that reports progress to clients that ask for it), resources, resource templates and
// prompts.
func TestEverything(t *testing.T) {
	requireServers(t)
	for _, l := range launches {
		t.Run(string(l), func(t *testing.T) {
			ex := start(t, serverSpec(t, l, "everything", everything))
			ctx := testContext(t)

			tools, err := ex.ListTools(ctx, "everything")
			if err != nil {
				t.Fatalf("ListTools: %v", err)
			}
			names := toolNames(tools)
			for _, want := range []string{"echo", "get-sum", "trigger-long-running-operation", "get-structured-content"} {
				if !slices.Contains(names, want) {
					t.Errorf("tools %v lack %q", names, want)
				}
			}

			if got := text(call(ctx, t, ex, "everything", "echo", map[string]any{"message": "hello spine"})); got != "Echo: hello spine" {
				t.Errorf("echo = %q, want %q", got, "Echo: hello spine")
			}
			if got := text(call(ctx, t, ex, "everything", "get-sum", map[string]any{"a": 2, "b": 40})); !strings.Contains(got, "is 42") {
				t.Errorf("get-sum 2 40 = %q, want the sum 42", got)
			}

			// The tool sleeps duration/steps between steps and sends a progress notification
			// per step to a client that asked for them with a progress token.
			var progress []executor.Progress
			pctx := executor.WithCallProgress(ctx, func(p executor.Progress) { progress = append(progress, p) })
			began := time.Now()
			res := call(pctx, t, ex, "everything", "trigger-long-running-operation", map[string]any{"duration": 1, "steps": 4})
			if got := text(res); !strings.Contains(got, "completed") || !strings.Contains(got, "Steps: 4") {
				t.Errorf("trigger-long-running-operation = %q, want it completed after 4 steps", got)
			}
			if took := time.Since(began); took < time.Second {
				t.Errorf("trigger-long-running-operation took %s, want at least its 1s duration", took)
			}
			// The last notification races the answer (they travel separate paths), so the
			// first three are certain: 1/4, 2/4, 3/4.
			if len(progress) < 3 || progress[0].Progress != 1 || progress[2].Progress != 3 || progress[2].Total != 4 {
				t.Errorf("progress notifications = %+v, want 1/4, 2/4, 3/4 (and maybe 4/4)", progress)
			}

			var weather struct {
				Temperature float64 `json:"temperature"`
				Conditions  string  `json:"conditions"`
				Humidity    float64 `json:"humidity"`
			}
			structured(t, call(ctx, t, ex, "everything", "get-structured-content", map[string]any{"location": "Chicago"}), &weather)
			if weather.Temperature != 36 || weather.Humidity != 82 || weather.Conditions == "" {
				t.Errorf("get-structured-content Chicago = %+v, want 36°C, 82%% humidity and conditions", weather)
			}

			checkResources(t, ctx, ex)
			checkPrompts(t, ctx, ex)

			st := ex.Stats().Servers["everything"]
			if st.SessionsCreated != 1 {
				t.Errorf("sessions created = %d, want every call served by one warm session", st.SessionsCreated)
			}
		})
	}
}

func checkResources(t *testing.T, ctx context.Context, ex *executor.Executor) {
	t.Helper()
	resources, err := ex.ListResources(ctx, "everything")
	if err != nil {
		t.Fatalf("ListResources: %v", err)
	}
	if len(resources) == 0 {
		t.Fatal("ListResources: no resources")
	}
	rr, err := ex.ReadResource(ctx, "everything", resources[0].URI)
	if err != nil {
		t.Fatalf("ReadResource %s: %v", resources[0].URI, err)
	}
	if len(rr.Contents) == 0 || rr.Contents[0].Text == "" && len(rr.Contents[0].Blob) == 0 {
		t.Errorf("ReadResource %s: empty contents", resources[0].URI)
	}

	templates, err := ex.ListResourceTemplates(ctx, "everything")
	if err != nil {
		t.Fatalf("ListResourceTemplates: %v", err)
	}
	var text *mcp.ResourceTemplate
	for _, rt := range templates {
		if strings.Contains(rt.URITemplate, "/text/{") {
			text = rt
		}
	}
	if text == nil {
		t.Fatalf("ListResourceTemplates: no text template among %d", len(templates))
	}
	uri := text.URITemplate[:strings.Index(text.URITemplate, "{")] + "7"
	rr, err = ex.ReadResource(ctx, "everything", uri)
	if err != nil {
		t.Fatalf("ReadResource %s (from template %s): %v", uri, text.URITemplate, err)
	}
	if len(rr.Contents) != 1 || !strings.HasPrefix(rr.Contents[0].Text, "Resource 7:") || rr.Contents[0].URI != uri {
		t.Errorf("ReadResource %s = %+v, want the text of resource 7", uri, rr.Contents)
	}
}

func checkPrompts(t *testing.T, ctx context.Context, ex *executor.Executor) {
	t.Helper()
	prompts, err := ex.ListPrompts(ctx, "everything")
	if err != nil {
		t.Fatalf("ListPrompts: %v", err)
	}
	var names []string
	for _, p := range prompts {
		names = append(names, p.Name)
	}
	if !slices.Contains(names, "args-prompt") {
		t.Fatalf("prompts %v lack args-prompt", names)
	}
	pr, err := ex.GetPrompt(ctx, "everything", "args-prompt", map[string]string{"city": "Lisbon", "state": "Lisboa"})
	if err != nil {
		t.Fatalf("GetPrompt args-prompt: %v", err)
	}
	if len(pr.Messages) == 0 {
		t.Fatal("GetPrompt args-prompt: no messages")
	}
	if tc, ok := pr.Messages[0].Content.(*mcp.TextContent); !ok || !strings.Contains(tc.Text, "Lisbon, Lisboa") {
		t.Errorf("GetPrompt args-prompt = %#v, want the city and state in its text", pr.Messages[0].Content)
	}
}

// TestEverythingConcurrent sends many calls at once to one session of the Node server: SPINE
// pipelines up to max_inflight of them, queues the rest, and hands every caller its own answer.
func TestEverythingConcurrent(t *testing.T) {
	const calls = 48
	spec := serverSpec(t, direct, "everything", everything)
	spec.MaxSessions, spec.MaxInflight = 1, 16
	ex := start(t, spec)
	ctx := testContext(t)

	var wg sync.WaitGroup
	got := make([]string, calls)
	errs := make([]error, calls)
	for i := range calls {
		wg.Go(func() {
			res, err := ex.CallTool(ctx, "everything", "get-sum", map[string]any{"a": i, "b": 1000})
			if err == nil {
				got[i] = text(res)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i := range calls {
		if want := fmt.Sprintf("The sum of %d and 1000 is %d.", i, i+1000); errs[i] != nil || got[i] != want {
			t.Errorf("call %d: %q, %v; want %q", i, got[i], errs[i], want)
		}
	}
	if st := ex.Stats().Servers["everything"]; st.SessionsCreated != 1 || st.Calls != calls {
		t.Errorf("stats = %+v, want %d calls on one session", st, calls)
	}
}
