package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// askingServer is an upstream MCP server (go-sdk, streamable HTTP on loopback) whose prompt
// "interview" and resource "note://answer" ask the client's user a question before they
// answer — in the 2026-07-28 way, an input request; it serves that era (stateless). Each
// answers with what the user said.
// (go-sdk v1.8.0 turns a prompt's input request into an elicitation request on a 2025-11-25
// session, but fails a resource's: SPINE talks to it in the 2026-07-28 era.)
func askingServer(t *testing.T) string {
	t.Helper()
	s := mcp.NewServer(&mcp.Implementation{Name: "asking", Version: "1"}, nil)
	question := &mcp.ElicitParams{
		Message: "your name?",
		RequestedSchema: &jsonschema.Schema{Type: "object",
			Properties: map[string]*jsonschema.Schema{"answer": {Type: "string"}}, Required: []string{"answer"}},
	}
	said := func(responses mcp.InputResponseMap) (string, bool) {
		r, ok := responses["q"].(*mcp.ElicitResult)
		if !ok {
			return "", false
		}
		if r.Action != "accept" {
			return r.Action + "d", true
		}
		return fmt.Sprint(r.Content["answer"]), true
	}
	s.AddPrompt(&mcp.Prompt{Name: "interview"}, func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		name, ok := said(req.Params.InputResponses)
		if !ok {
			return &mcp.GetPromptResult{InputRequests: mcp.InputRequestMap{"q": question}}, nil
		}
		return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "interview " + name}}}}, nil
	})
	s.AddResource(&mcp.Resource{URI: "note://answer", Name: "answer"}, func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		name, ok := said(req.Params.InputResponses)
		if !ok {
			return &mcp.ReadResourceResult{InputRequests: mcp.InputRequestMap{"q": question}}, nil
		}
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, Text: "note of " + name}}}, nil
	})
	srv := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s },
		&mcp.StreamableHTTPOptions{Stateless: true})) // the 2026-07-28 era
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestRoundsPromptsAndResources: an upstream's question during a prompts/get or a
// resources/read reaches the client that made the request — a sessionless client in rounds
// (the same upstream request goes on with the answer), a legacy client as an elicitation
// request of its session. A prompt's requestState leads to that prompt only.
func TestRoundsPromptsAndResources(t *testing.T) {
	spinetest.NoLeaks(t)
	s := serve(t, project(t, fmt.Sprintf("[servers.asking]\nurl = %q\nprotocol = \"2026-07-28\"\n", askingServer(t))), nil)
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	for _, era := range []string{"sessionless", "legacy"} {
		a := &asker{who: "ada"}
		cs := sessionless(t, s.URL, a.options(), nil)
		if era == "legacy" {
			cs = connect(t, s.URL, legacy, a.options())
		}
		pr, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "asking__interview"})
		if err != nil || len(pr.Messages) != 1 || pr.Messages[0].Content.(*mcp.TextContent).Text != "interview ada" {
			t.Errorf("%s: prompt: %+v, %v; want \"interview ada\"", era, pr, err)
		}
		rr, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "note://answer"})
		if err != nil || len(rr.Contents) != 1 || rr.Contents[0].Text != "note of ada" || rr.Contents[0].URI != "note://answer" {
			t.Errorf("%s: resource: %+v, %v; want \"note of ada\"", era, rr, err)
		}
		if got := a.questions(); len(got) != 2 || got[0] != "your name?" || got[1] != "your name?" {
			t.Errorf("%s: the client was asked %q, want the upstream's question twice", era, got)
		}
	}

	hand := sessionless(t, s.URL, byHand(), nil)
	first, err := hand.GetPrompt(ctx, &mcp.GetPromptParams{Name: "asking__interview"})
	if err != nil || first.RequestState == "" || len(first.InputRequests) != 1 {
		t.Fatalf("first round of the prompt: %+v, %v; want an input request\nstderr:\n%s", first, err, s.Stderr)
	}
	if ep, ok := first.InputRequests["spine"].(*mcp.ElicitParams); !ok || ep.Message != "your name?" {
		t.Fatalf("input request %#v, want the upstream's elicitation", first.InputRequests["spine"])
	}
	rr, err := hand.ReadResource(ctx, &mcp.ReadResourceParams{URI: "note://answer", RequestState: first.RequestState, InputResponses: accept("eve")})
	refused(t, "the prompt's requestState for the resource", nil, err, callAgain)
	if err == nil {
		t.Logf("resource: %+v", rr)
	}
	pr, err := hand.GetPrompt(ctx, &mcp.GetPromptParams{Name: "asking__interview", RequestState: first.RequestState, InputResponses: accept("bo")})
	if err != nil || len(pr.Messages) != 1 || pr.Messages[0].Content.(*mcp.TextContent).Text != "interview bo" {
		t.Errorf("second round of the prompt: %+v, %v; want \"interview bo\"", pr, err)
	}
	if t.Failed() {
		t.Logf("stderr:\n%s", s.Stderr)
	}
}
