package demoserver

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

func TestTools(t *testing.T) {
	tests := []struct {
		tool    string
		args    map[string]any
		want    string
		isError bool
	}{
		{"echo", map[string]any{"text": "hi there"}, "hi there", false},
		{"echo", map[string]any{"text": ""}, "", false},
		{"add", map[string]any{"a": 2, "b": 3}, "5", false},
		{"add", map[string]any{"a": 1.5, "b": -4}, "-2.5", false},
		{"sleep", map[string]any{"ms": 5}, "slept 5ms", false},
		{"sleep", map[string]any{"ms": 0}, "slept 0ms", false},
		{"sleep", map[string]any{"ms": -1}, "sleep: ms must be 0 or more", true},
		{"fail", map[string]any{"message": "it broke"}, "it broke", true},
		{"grow", nil, "grown_1", false},
	}
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.tool, func(t *testing.T) {
					checkNoLeaks(t)
					cs := connect(t, New(Options{}), nil, p.opts)
					res := call(t, cs, tt.tool, tt.args)
					if res.IsError != tt.isError {
						t.Errorf("IsError = %v, want %v", res.IsError, tt.isError)
					}
					if got := textOf(t, res); got != tt.want {
						t.Errorf("text = %q, want %q", got, tt.want)
					}
				})
			}
		})
	}
}

func TestToolArgumentsAreValidated(t *testing.T) {
	checkNoLeaks(t)
	cs := connect(t, New(Options{}), nil, legacy)
	for _, c := range []struct {
		tool string
		args map[string]any
	}{
		{"echo", nil},
		{"echo", map[string]any{"text": 3}},
		{"add", map[string]any{"a": 1}},
		{"sleep", map[string]any{"ms": 1.5}},
		{"fail", map[string]any{}},
	} {
		if res := call(t, cs, c.tool, c.args); !res.IsError {
			t.Errorf("%s %v: want a tool error, got %+v", c.tool, c.args, res.Content)
		}
	}
}

func TestAddStructuredContent(t *testing.T) {
	checkNoLeaks(t)
	cs := connect(t, New(Options{}), nil, legacy)
	res := call(t, cs, "add", map[string]any{"a": 0.25, "b": 0.5})
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]float64
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("structured content %s: %v", raw, err)
	}
	if len(got) != 1 || got["sum"] != 0.75 {
		t.Errorf("structured content = %s, want {\"sum\":0.75}", raw)
	}
}

func TestToolList(t *testing.T) {
	checkNoLeaks(t)
	cs := connect(t, New(Options{}), nil, legacy)
	res, err := cs.ListTools(testContext(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]*mcp.Tool{}
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
		byName[tool.Name] = tool
	}
	slices.Sort(names)
	want := []string{"add", "ask", "counter", "crash", "echo", "fail", "grow", "hang", "roots", "sample", "sleep"}
	if !slices.Equal(names, want) {
		t.Fatalf("tools = %v, want %v", names, want)
	}

	for _, tool := range res.Tools {
		if tool.Title == "" || tool.Description == "" {
			t.Errorf("%s: title %q, description %q: want both", tool.Name, tool.Title, tool.Description)
		}
		if tool.Annotations == nil {
			t.Errorf("%s: no annotations", tool.Name)
			continue
		}
		if a := tool.Annotations; a.OpenWorldHint == nil || *a.OpenWorldHint || a.DestructiveHint == nil {
			t.Errorf("%s: want openWorldHint false and destructiveHint set, got %+v", tool.Name, a)
		}
		schema, err := json.Marshal(tool.InputSchema)
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			Properties map[string]struct {
				Description string `json:"description"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(schema, &s); err != nil {
			t.Fatalf("%s: input schema %s: %v", tool.Name, schema, err)
		}
		for prop, p := range s.Properties {
			if p.Description == "" {
				t.Errorf("%s: parameter %s has no description", tool.Name, prop)
			}
		}
	}

	for _, c := range []struct {
		tool                              string
		readOnly, idempotent, destructive bool
	}{
		{"echo", true, true, false},
		{"add", true, true, false},
		{"sleep", true, true, false},
		{"fail", true, true, false},
		{"hang", true, true, false},
		{"counter", false, false, false},
		{"grow", false, false, false},
		{"crash", false, false, true},
		{"ask", false, false, false},
		{"sample", false, false, false},
		{"roots", true, true, false},
	} {
		a := byName[c.tool].Annotations
		if a == nil || a.DestructiveHint == nil {
			continue // reported above
		}
		if a.ReadOnlyHint != c.readOnly || a.IdempotentHint != c.idempotent || *a.DestructiveHint != c.destructive {
			t.Errorf("%s: readOnly %v idempotent %v destructive %v, want %v %v %v", c.tool,
				a.ReadOnlyHint, a.IdempotentHint, *a.DestructiveHint, c.readOnly, c.idempotent, c.destructive)
		}
	}
	if byName["add"].OutputSchema == nil {
		t.Error("add: no output schema")
	}
}

func TestServerInfoAndInstructions(t *testing.T) {
	checkNoLeaks(t)
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			cs := connect(t, New(Options{Greeting: "ahoy"}), nil, p.opts)
			init := cs.InitializeResult()
			if init.ServerInfo.Name != "spine-demo" || init.ServerInfo.Version != Version {
				t.Errorf("server info = %+v, want spine-demo %s", init.ServerInfo, Version)
			}
			mustContain(t, "instructions", init.Instructions, `"ahoy"`)
		})
	}
}

func TestGreetingDefaults(t *testing.T) {
	tests := []struct {
		name, option, env, want string
	}{
		{"default", "", "", "hello"},
		{"environment", "", "bonjour", "bonjour"},
		{"option wins", "hej", "bonjour", "hej"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DEMO_GREETING", tt.env)
			if got := (Options{Greeting: tt.option}).withDefaults().Greeting; got != tt.want {
				t.Errorf("greeting = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadme(t *testing.T) {
	checkNoLeaks(t)
	cs := connect(t, New(Options{Greeting: "ahoy"}), nil, legacy)
	ctx := testContext(t)
	list, err := cs.ListResources(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Resources) != 1 || list.Resources[0].URI != ReadmeURI || list.Resources[0].MIMEType != "text/markdown" {
		t.Fatalf("resources = %+v, want only %s (text/markdown)", list.Resources, ReadmeURI)
	}
	res, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: ReadmeURI})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Contents) != 1 {
		t.Fatalf("want one content, got %d", len(res.Contents))
	}
	c := res.Contents[0]
	if c.URI != ReadmeURI || c.MIMEType != "text/markdown" {
		t.Errorf("content uri %q mime %q", c.URI, c.MIMEType)
	}
	mustContain(t, "readme", c.Text, "ahoy")
	mustContain(t, "readme", c.Text, "spine-demo")
}

func TestSummarizePrompt(t *testing.T) {
	checkNoLeaks(t)
	cs := connect(t, New(Options{}), nil, legacy)
	ctx := testContext(t)
	list, err := cs.ListPrompts(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Prompts) != 1 || list.Prompts[0].Name != "summarize" || list.Prompts[0].Description == "" {
		t.Fatalf("prompts = %+v, want summarize with a description", list.Prompts)
	}
	args := list.Prompts[0].Arguments
	if len(args) != 1 || args[0].Name != "topic" || !args[0].Required || args[0].Description == "" {
		t.Fatalf("arguments = %+v, want topic (required, described)", args)
	}

	res, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "summarize", Arguments: map[string]string{"topic": "actors"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Messages) != 1 || res.Messages[0].Role != "user" {
		t.Fatalf("messages = %+v, want one user message", res.Messages)
	}
	tc, ok := res.Messages[0].Content.(*mcp.TextContent)
	if !ok || tc.Text != "Summarize what is known about actors." {
		t.Errorf("message = %+v", res.Messages[0].Content)
	}

	if _, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "summarize"}); err == nil {
		t.Error("summarize without topic: want an error")
	}
}

func TestCounterPerSession(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			checkNoLeaks(t)
			s := New(Options{})
			a := connect(t, s, nil, p.opts)
			b := connect(t, s, nil, p.opts)
			for _, step := range []struct {
				cs   *mcp.ClientSession
				want string
			}{{a, "1"}, {a, "2"}, {b, "1"}, {a, "3"}, {b, "2"}} {
				if got := callText(t, step.cs, "counter", nil); got != step.want {
					t.Fatalf("counter = %q, want %q", got, step.want)
				}
			}
			// A new session starts again at 1, and the ended one is forgotten.
			_ = a.Close()
			c := connect(t, s, nil, p.opts)
			if got := callText(t, c, "counter", nil); got != "1" {
				t.Errorf("counter in a new session = %q, want 1", got)
			}
		})
	}
}

func TestGrowNotifiesToolListChanged(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			checkNoLeaks(t)
			s := New(Options{})
			changed := make(chan struct{}, 10)
			watcher := connect(t, s, &mcp.ClientOptions{
				ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {
					changed <- struct{}{}
				},
			}, p.opts)
			grower := connect(t, s, nil, p.opts)

			for i, want := range []string{"grown_1", "grown_2"} {
				if got := callText(t, grower, "grow", nil); got != want {
					t.Fatalf("grow #%d = %q, want %q", i+1, got, want)
				}
				receive(t, changed, "tools/list_changed after grow")
			}
			if got := callText(t, watcher, "grown_2", nil); got != "grown_2" {
				t.Errorf("grown_2 = %q", got)
			}
			res, err := watcher.ListTools(testContext(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(res.Tools); n != 13 {
				t.Errorf("after two grows: %d tools, want 13", n)
			}
		})
	}
}

func TestSleepHonoursCancellation(t *testing.T) {
	checkNoLeaks(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	_, _, err := (&demo{}).sleep(ctx, nil, sleepInput{Ms: 60_000})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("sleep with a cancelled context: err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > spinetest.Slack { // the sleep is a minute
		t.Errorf("sleep took %v after cancellation", d)
	}

	// Over a session: the client gives up, and the server's handler must end
	// too (checkNoLeaks would see it otherwise).
	cs := connect(t, New(Options{}), nil, legacy)
	callCtx, cancelCall := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancelCall()
	if _, err := cs.CallTool(callCtx, &mcp.CallToolParams{Name: "sleep", Arguments: map[string]any{"ms": 60_000}}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("sleep 60s with a 50ms deadline: err = %v, want deadline exceeded", err)
	}
}

func TestHangReturnsWhenCancelled(t *testing.T) {
	checkNoLeaks(t)
	ctx, cancel := context.WithCancel(t.Context())
	returned := make(chan error, 1)
	go func() {
		_, _, err := (&demo{}).hang(ctx, nil, noInput{})
		returned <- err
	}()
	cancel()
	if err := receive(t, returned, "hang to return"); !errors.Is(err, context.Canceled) {
		t.Errorf("hang: err = %v, want context.Canceled", err)
	}

	cs := connect(t, New(Options{}), nil, legacy)
	callCtx, cancelCall := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancelCall()
	if _, err := cs.CallTool(callCtx, &mcp.CallToolParams{Name: "hang"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hang with a 50ms deadline: err = %v, want deadline exceeded", err)
	}
	// The session still works after the cancelled call.
	if got := callText(t, cs, "echo", map[string]any{"text": "still here"}); got != "still here" {
		t.Errorf("echo after hang = %q", got)
	}
}

func TestCrashCallsExit(t *testing.T) {
	checkNoLeaks(t)
	codes := make(chan int, 1)
	cs := connect(t, New(Options{Exit: func(code int) { codes <- code }}), nil, legacy)
	call(t, cs, "crash", nil)
	if code := receive(t, codes, "exit"); code != CrashExitCode {
		t.Errorf("exit code = %d, want %d", code, CrashExitCode)
	}
}
