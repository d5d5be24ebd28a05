package demoserver

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// answering is a client that answers every kind of question the asking tools put.
func answering(action string) *mcp.ClientOptions {
	return &mcp.ClientOptions{
		ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			if action != "accept" {
				return &mcp.ElicitResult{Action: action}, nil
			}
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"answer": "yes to " + req.Params.Message}}, nil
		},
		CreateMessageHandler: func(_ context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			said := req.Params.Messages[0].Content.(*mcp.TextContent).Text
			return &mcp.CreateMessageResult{Model: "echo-model", Role: "assistant", Content: &mcp.TextContent{Text: "you said " + said}}, nil
		},
	}
}

// TestAskingTools: ask, sample and roots get their answer on either era (multi-round-trip
// requests on 2026-07-28, server→client requests on 2025-11-25), and a client that cannot
// answer gets an error, not a hang.
func TestAskingTools(t *testing.T) {
	checkNoLeaks(t)
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			cs := connect(t, New(Options{}), answering("accept"), p.opts)
			if got := callText(t, cs, "ask", map[string]any{"question": "ready?"}); got != "answer: yes to ready?" {
				t.Errorf("ask = %q", got)
			}
			if got := callText(t, cs, "sample", map[string]any{"prompt": "hi"}); got != "model echo-model: you said hi" {
				t.Errorf("sample = %q", got)
			}
			declining := connect(t, New(Options{}), answering("decline"), p.opts)
			if got := callText(t, declining, "ask", map[string]any{"question": "ready?"}); got != "declined" {
				t.Errorf("ask, declined = %q", got)
			}

			// The SDK's client always offers its (empty) roots unless told otherwise.
			c := mcp.NewClient(&mcp.Implementation{Name: "roots-test", Version: "0"}, nil)
			c.AddRoots(&mcp.Root{URI: "file:///work/project"})
			st, ct := mcp.NewInMemoryTransports()
			ss, err := New(Options{}).Connect(testContext(t), st, nil)
			if err != nil {
				t.Fatal(err)
			}
			rcs, err := c.Connect(testContext(t), ct, p.opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = rcs.Close(); _ = ss.Wait() })
			if got := callText(t, rcs, "roots", nil); got != "file:///work/project" {
				t.Errorf("roots = %q", got)
			}

			mute := connect(t, New(Options{}), &mcp.ClientOptions{Capabilities: &mcp.ClientCapabilities{}}, p.opts)
			res, err := mute.CallTool(testContext(t), &mcp.CallToolParams{Name: "ask", Arguments: map[string]any{"question": "ready?"}})
			if err == nil && !res.IsError {
				t.Fatalf("ask without an elicitation handler = %+v, want an error", res)
			}
			if got := callText(t, mute, "echo", map[string]any{"text": "still here"}); got != "still here" {
				t.Errorf("echo after a refused question = %q", got)
			}
		})
	}
}

// TestSleepReportsProgress: a caller that asks for progress hears of the start and the end.
func TestSleepReportsProgress(t *testing.T) {
	checkNoLeaks(t)
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			got := make(chan string, 4)
			cs := connect(t, New(Options{}), &mcp.ClientOptions{
				ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
					got <- req.Params.Message
				},
			}, p.opts)
			params := &mcp.CallToolParams{Name: "sleep", Arguments: map[string]any{"ms": 1}}
			params.SetProgressToken("t1")
			if _, err := cs.CallTool(testContext(t), params); err != nil {
				t.Fatal(err)
			}
			if a, b := receive(t, got, "first progress"), receive(t, got, "second progress"); a != "falling asleep" || b != "awake" {
				t.Errorf("progress = %q, %q", a, b)
			}
		})
	}
}

// TestStatelessHTTPServesBothEras: the stateless handler speaks 2026-07-28 to a client that
// asks for it (list changes through subscriptions/listen included) and 2025-11-25 to one pinned
// to it; the stateful one settles every client on 2025-11-25.
func TestStatelessHTTPServesBothEras(t *testing.T) {
	checkNoLeaks(t)
	stateless, _ := httpServerWith(t, New(Options{}), Options{Stateless: true})
	stateful, _ := httpServer(t, New(Options{}))
	for _, c := range []struct {
		name string
		url  string
		opts *mcp.ClientSessionOptions
		want string
	}{
		{"stateless, default", stateless, nil, "2026-07-28"},
		{"stateless, pinned", stateless, legacy, "2025-11-25"},
		{"stateful, default", stateful, nil, "2025-11-25"},
		{"stateful, pinned", stateful, legacy, "2025-11-25"},
	} {
		t.Run(c.name, func(t *testing.T) {
			changed := make(chan struct{}, 1)
			cs := httpClient(t, c.url, &mcp.ClientOptions{
				ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {
					select {
					case changed <- struct{}{}:
					default:
					}
				},
			}, c.opts)
			if got := cs.InitializeResult().ProtocolVersion; got != c.want {
				t.Fatalf("protocol = %s, want %s", got, c.want)
			}
			if got := callText(t, cs, "echo", map[string]any{"text": "hi"}); got != "hi" {
				t.Errorf("echo = %q", got)
			}
			if c.url == stateless && c.want == "2025-11-25" {
				return // no stream for a 2025-11-25 client of a stateless server: no news
			}
			callText(t, cs, "grow", nil)
			receive(t, changed, "tools list_changed")
		})
	}
}

// TestStatelessLegacyCannotAsk: a stateless server has no way to put a question to a
// 2025-11-25 client; the call fails and says so rather than hanging.
func TestStatelessLegacyCannotAsk(t *testing.T) {
	checkNoLeaks(t)
	url, _ := httpServerWith(t, New(Options{}), Options{Stateless: true})
	cs := httpClient(t, url, answering("accept"), legacy)
	res, err := cs.CallTool(testContext(t), &mcp.CallToolParams{Name: "ask", Arguments: map[string]any{"question": "ready?"}})
	if err == nil && !res.IsError {
		t.Fatalf("ask = %+v, want an error", res)
	}
	var text string
	if err != nil {
		text = err.Error()
	} else {
		text = textOf(t, res)
	}
	if text == "" || errors.Is(err, context.DeadlineExceeded) || strings.Contains(text, "deadline") {
		t.Errorf("ask failed with %q, want the server's refusal", text)
	}
}
