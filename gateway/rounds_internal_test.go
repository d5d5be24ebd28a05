package gateway

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// askingRun starts a run of p for identity whose call asks the questions of msgs one after the
// other and answers with what it was told, one line per question.
func askingRun(t *testing.T, p *parking, identity string, msgs ...string) *run {
	t.Helper()
	rc := make(chan *run, 1)
	r, err := p.start(context.Background(), identity, "t", &mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapabilities{}},
		func(ctx context.Context) (mcp.Result, error) {
			r := <-rc
			var got []string
			for _, m := range msgs {
				res, err := r.ask(ctx, &mcp.ElicitParams{Message: m})
				if err != nil {
					got = append(got, "error: "+err.Error())
					continue
				}
				got = append(got, fmt.Sprint(res.(*mcp.ElicitResult).Content["answer"]))
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: strings.Join(got, "\n")}}}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	rc <- r
	return r
}

// followTool follows r as a tools/call does.
func followTool(p *parking, ctx context.Context, r *run) (*mcp.CallToolResult, error) {
	res, err := p.follow(ctx, r, func(ir mcp.InputRequestMap, token string) mcp.Result { return needToolInput(ir, token) })
	out, _ := res.(*mcp.CallToolResult)
	return out, err
}

func answerText(t *testing.T, res *mcp.CallToolResult, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if res.InputRequests != nil {
		t.Fatalf("asked %+v, want the call's result", res.InputRequests[inputKey])
	}
	return res.Content[0].(*mcp.TextContent).Text
}

// round follows r and returns the question it parked with.
func round(t *testing.T, p *parking, r *run) (token, msg string) {
	t.Helper()
	res, err := followTool(p, context.Background(), r)
	if err != nil || res.RequestState == "" {
		t.Fatalf("follow: %+v, %v; want a question", res, err)
	}
	return res.RequestState, res.InputRequests[inputKey].(*mcp.ElicitParams).Message
}

func testParking(t *testing.T, opts Options) (*parking, func()) {
	life, stop := context.WithCancel(context.Background())
	p := newParking(life, opts.withDefaults())
	return p, func() { stop(); p.close() }
}

// TestRoundsSeveral: a call that asks three questions is parked three times, each time under
// a fresh token, and goes on with each answer: one upstream call, never re-sent.
func TestRoundsSeveral(t *testing.T) {
	spinetest.NoLeaks(t)
	p, stop := testParking(t, Options{})
	defer stop()
	r := askingRun(t, p, "ada", "one?", "two?", "three?")
	seen := map[string]bool{}
	for i, want := range []string{"one?", "two?", "three?"} {
		token, msg := round(t, p, r)
		if msg != want || seen[token] || len(token) != 32 {
			t.Fatalf("round %d: %q under %q (seen %v), want %q under a fresh 128-bit token", i, msg, token, seen, want)
		}
		seen[token] = true
		if _, err := p.claim("ada", "t", token, mcp.InputResponseMap{inputKey: &mcp.ElicitResult{Action: "accept", Content: map[string]any{"answer": i + 1}}}); err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			res, err := followTool(p, context.Background(), r)
			if got := answerText(t, res, err); got != "1\n2\n3" {
				t.Errorf("result %q, want the three answers", got)
			}
		}
	}
}

// TestRoundsBounded: a question beyond the parked calls allowed per identity, or in total,
// is declined at once and the call goes on; a freed place is taken again.
func TestRoundsBounded(t *testing.T) {
	spinetest.NoLeaks(t)
	p, stop := testParking(t, Options{MaxParked: 2, MaxParkedPerIdentity: 1})
	defer stop()
	a1 := askingRun(t, p, "ada", "a1?")
	tokA, _ := round(t, p, a1)
	a2 := askingRun(t, p, "ada", "a2?")
	res, err := followTool(p, context.Background(), a2)
	if got := answerText(t, res, err); !strings.Contains(got, "declined: this caller has 1 calls waiting") {
		t.Errorf("ada's second parked call: %q, want declined", got)
	}
	round(t, p, askingRun(t, p, "bob", "b1?"))
	c1 := askingRun(t, p, "cy", "c1?")
	res, err = followTool(p, context.Background(), c1)
	if got := answerText(t, res, err); !strings.Contains(got, "declined: 2 calls are already waiting") {
		t.Errorf("a third parked call: %q, want declined", got)
	}
	if _, err := p.claim("ada", "t", tokA, mcp.InputResponseMap{inputKey: &mcp.ElicitResult{Action: "accept", Content: map[string]any{"answer": "x"}}}); err != nil {
		t.Fatal(err)
	}
	res, err = followTool(p, context.Background(), a1)
	if got := answerText(t, res, err); got != "x" {
		t.Errorf("ada's first call: %q", got)
	}
	round(t, p, askingRun(t, p, "ada", "a3?")) // ada's place is free again
}

// TestRoundsClosed: closing declines every parked question and waits for the runs; a run
// cannot start after.
func TestRoundsClosed(t *testing.T) {
	spinetest.NoLeaks(t)
	p, stop := testParking(t, Options{})
	r := askingRun(t, p, "ada", "one?", "two?")
	round(t, p, r)
	stop() // returns when the run's goroutine has ended
	select {
	case out := <-r.done:
		res, _ := out.res.(*mcp.CallToolResult)
		if got := answerText(t, res, out.err); !strings.Contains(got, "declined: the gateway is closing") {
			t.Errorf("the parked call after close: %q", got)
		}
	case <-time.After(spinetest.Patience):
		t.Fatal("the parked call did not end with the close")
	}
	if _, err := p.start(context.Background(), "ada", "t", &mcp.ClientCapabilities{}, nil); err == nil {
		t.Error("a run started after close")
	}
}
