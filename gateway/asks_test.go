package gateway_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// asksProject serves the demo server five ways: shared and affinity (SPINE's default
// protocol, 2025-11-25: the server asks with requests of its own on the session), in the
// 2026-07-28 era (it answers the call with input requests), and in the 2025-11-25 era with
// one call at a time per session and with the default sixteen.
const asksProject = demoProject + `
[servers.modern]
command = "@SPINE@"
args = ["demo-server"]
protocol = "2026-07-28"

[servers.old]
command = "@SPINE@"
args = ["demo-server"]
protocol = "2025-11-25"
max_inflight = 1

[servers.old16]
command = "@SPINE@"
args = ["demo-server"]
protocol = "2025-11-25"
`

// asker is a downstream client that answers elicitation and sampling as who, and records
// every question it is asked.
type asker struct {
	who string
	mu  sync.Mutex
	got []string
}

func (a *asker) options() *mcp.ClientOptions {
	return &mcp.ClientOptions{
		ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			a.saw(req.Params.Message)
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"answer": a.who}}, nil
		},
		CreateMessageHandler: func(_ context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			var prompt string
			if tc, ok := req.Params.Messages[0].Content.(*mcp.TextContent); ok {
				prompt = tc.Text
			}
			a.saw(prompt)
			return &mcp.CreateMessageResult{Model: a.who, Role: "assistant", Content: &mcp.TextContent{Text: "said " + prompt}}, nil
		},
	}
}

func (a *asker) saw(q string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got = append(a.got, q)
}

func (a *asker) questions() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.got...)
}

// callText calls tool and returns its text; a failed call is "error: <why>".
func callText(cs *mcp.ClientSession, tool string, args map[string]any) string {
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		return "error: " + err.Error()
	}
	if res.IsError {
		return "error: " + text(res)
	}
	return text(res)
}

// roundTrips checks that what each kind of server asks during cs's calls reaches a and its
// answer the server.
func roundTrips(t *testing.T, cs *mcp.ClientSession, a *asker, servers ...string) {
	t.Helper()
	for _, server := range servers {
		q := "who are you, " + server + "?"
		if got, want := callText(cs, server+"__ask", map[string]any{"question": q}), "answer: "+a.who; got != want {
			t.Errorf("%s__ask: %q, want %q", server, got, want)
		}
		if got, want := callText(cs, server+"__sample", map[string]any{"prompt": "hi " + server}), "model "+a.who+": said hi "+server; got != want {
			t.Errorf("%s__sample: %q, want %q", server, got, want)
		}
	}
	qs := strings.Join(a.questions(), "|")
	for _, server := range servers {
		if !strings.Contains(qs, "who are you, "+server+"?") || !strings.Contains(qs, "hi "+server) {
			t.Errorf("%s's questions did not reach the client: it saw %q", server, qs)
		}
	}
}

// declines checks that a client without the capabilities gets nothing asked, that the
// calls say why they failed, and that its session goes on.
func declines(t *testing.T, cs *mcp.ClientSession, servers ...string) {
	t.Helper()
	for _, server := range servers {
		for tool, args := range map[string]map[string]any{"ask": {"question": "q"}, "sample": {"prompt": "p"}} {
			got := callText(cs, server+"__"+tool, args)
			if !strings.HasPrefix(got, "error: ") || !strings.Contains(got, "declined: the client that made this call does not offer it") {
				t.Errorf("%s__%s without the capability: %q, want a clear decline", server, tool, got)
			}
		}
	}
	if got := callText(cs, "demo__echo", map[string]any{"text": "still here"}); got != "still here" {
		t.Errorf("echo after the declines: %q", got)
	}
}

// TestAsksForwarded: an upstream's elicitation and sampling requests during a downstream call
// reach the client that made the call, over HTTP, and its answers reach the upstream, for
// each way a server asks and each session mapping; a client without the capabilities gets a
// clean decline and its session lives on.
func TestAsksForwarded(t *testing.T) {
	spinetest.NoLeaks(t)
	s := serve(t, project(t, asksProject), nil)
	a := &asker{who: "ada"}
	roundTrips(t, connect(t, s.URL, legacy, a.options()), a, "demo", "aff", "modern", "old", "old16")
	declines(t, connect(t, s.URL, legacy, nil), "demo", "aff", "modern", "old")
	// A sessionless client is asked in rounds: rounds_test.go.
}

// TestAsksForwardedStdio: the same over spine serve --stdio.
func TestAsksForwardedStdio(t *testing.T) {
	spinetest.NoLeaks(t)
	dir := project(t, asksProject)
	cmd := exec.Command(spinetest.Binary(t), "serve", "--stdio")
	cmd.Dir = dir
	stderr := &spinetest.Buffer{}
	cmd.Stderr = stderr
	a := &asker{who: "grace"}
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "host", Version: "1"}, a.options()).Connect(ctx, &mcp.CommandTransport{Command: cmd}, legacy)
	if err != nil {
		t.Fatalf("connect: %v\nstderr:\n%s", err, stderr)
	}
	roundTrips(t, cs, a, "demo", "aff", "modern")
	if err := cs.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	spinetest.Eventually(t, spinetest.Patience, "spine serve and its servers to exit", func() bool {
		return len(spinetest.Processes(spinetest.Binary(t))) == 0
	})
}

// TestAsksNeverCrossed: two downstream sessions calling the same servers at once each get
// only their own questions. Where a question cannot be told apart (a 2025-11-25 session
// running calls of both at once), it is declined, never delivered to the other.
func TestAsksNeverCrossed(t *testing.T) {
	spinetest.NoLeaks(t)
	s := serve(t, project(t, asksProject), nil)
	clients := []*asker{{who: "ada"}, {who: "bob"}}
	sessions := make([]*mcp.ClientSession, len(clients))
	for i, a := range clients {
		sessions[i] = connect(t, s.URL, legacy, a.options())
	}
	const rounds = 8
	var wg sync.WaitGroup
	results := make([][]string, len(clients))
	for i, a := range clients {
		for _, server := range []string{"modern", "old", "old16"} {
			for r := range rounds {
				wg.Add(1)
				go func() {
					defer wg.Done()
					q := fmt.Sprintf("%s asks %s #%d", a.who, server, r)
					got := callText(sessions[i], server+"__ask", map[string]any{"question": q})
					a.mu.Lock()
					results[i] = append(results[i], server+": "+got)
					a.mu.Unlock()
				}()
			}
		}
	}
	wg.Wait()
	defer func() {
		if t.Failed() {
			t.Logf("stderr: %s", s.Stderr)
		}
	}()
	answered := map[string]int{}
	for i, a := range clients {
		for _, q := range a.questions() {
			if !strings.HasPrefix(q, a.who+" asks ") {
				t.Errorf("%s was asked %q, a question of another client", a.who, q)
			}
		}
		for _, r := range results[i] {
			server, got, _ := strings.Cut(r, ": ")
			switch {
			case got == "answer: "+a.who:
				answered[server]++
			case server == "old16" && strings.Contains(got, "declined: calls of several clients are in flight"):
			default:
				t.Errorf("%s's call to %s__ask: %q", a.who, server, got)
			}
		}
	}
	// The calls that can be told apart all went through: every one in the 2026 era (the
	// question comes with the call), and on one-call-at-a-time sessions of the 2025 era.
	if answered["modern"] != 2*rounds || answered["old"] != 2*rounds {
		t.Errorf("answered: %v, want %d each for modern and old", answered, 2*rounds)
	}
}
