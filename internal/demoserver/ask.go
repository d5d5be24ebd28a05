package demoserver

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The tools that ask the client for something: an answer from its user (elicitation), a
// completion from its model (sampling), its roots. They are written as multi-round-trip
// requests, the 2026-07-28 way: the first round returns the question as an input request,
// the second round gets the client's answer. On a 2025-11-25 session the SDK turns the same
// code into a server→client request, so one tool exercises both eras.

type askInput struct {
	Question string `json:"question" jsonschema:"The question put to the client's user."`
}

type sampleInput struct {
	Prompt string `json:"prompt" jsonschema:"The message sent to the client's model."`
}

// inputKey names the one input request of each asking tool; the client echoes it back.
const inputKey = "answer"

func addAskingTools(s *mcp.Server, d *demo) {
	mcp.AddTool(s, &mcp.Tool{
		Name:  "ask",
		Title: "Ask the user",
		Description: "Asks the client's user a question (elicitation, a form with one field \"answer\") and answers " +
			"\"answer: <text>\", or \"declined\" / \"cancelled\" when the user does not answer.",
		Annotations: hints(false, false, false), // not read-only: a retry would ask the user again
	}, d.ask)
	mcp.AddTool(s, &mcp.Tool{
		Name:        "sample",
		Title:       "Ask the client's model",
		Description: "Sends prompt to the client's model (sampling) and answers \"model <name>: <text>\".",
		Annotations: hints(false, false, false), // a retry would spend the client's tokens again
	}, d.sample)
	mcp.AddTool(s, &mcp.Tool{
		Name:        "roots",
		Title:       "List the client's roots",
		Description: "Asks the client for its roots and answers with their URIs, one per line (\"no roots\" for none).",
		Annotations: pure(),
	}, d.roots)
}

func (d *demo) ask(_ context.Context, req *mcp.CallToolRequest, in askInput) (*mcp.CallToolResult, any, error) {
	answer, ok := req.Params.InputResponses[inputKey]
	if !ok {
		return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{inputKey: &mcp.ElicitParams{
			Message: in.Question,
			RequestedSchema: &jsonschema.Schema{
				Type: "object",
				Properties: map[string]*jsonschema.Schema{
					"answer": {Type: "string", Description: "Your answer."},
				},
				Required: []string{"answer"},
			},
		}}}, nil, nil
	}
	res, ok := answer.(*mcp.ElicitResult)
	if !ok {
		return nil, nil, fmt.Errorf("ask: the client answered with %T, not an elicitation result", answer)
	}
	if res.Action != "accept" {
		return text(res.Action + "d"), nil, nil // declined, cancelled
	}
	return text(fmt.Sprintf("answer: %v", res.Content["answer"])), nil, nil
}

func (d *demo) sample(_ context.Context, req *mcp.CallToolRequest, in sampleInput) (*mcp.CallToolResult, any, error) {
	answer, ok := req.Params.InputResponses[inputKey]
	if !ok {
		return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{inputKey: &mcp.CreateMessageParams{
			MaxTokens: 100,
			Messages:  []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: in.Prompt}}},
		}}}, nil, nil
	}
	var model, said string
	switch res := answer.(type) {
	case *mcp.CreateMessageResult:
		model, said = res.Model, contentText(res.Content)
	case *mcp.CreateMessageWithToolsResult:
		model = res.Model
		for _, c := range res.Content {
			said += contentText(c)
		}
	default:
		return nil, nil, fmt.Errorf("sample: the client answered with %T, not a sampling result", answer)
	}
	return text(fmt.Sprintf("model %s: %s", model, said)), nil, nil
}

func (d *demo) roots(_ context.Context, req *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
	answer, ok := req.Params.InputResponses[inputKey]
	if !ok {
		return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{inputKey: &mcp.ListRootsParams{}}}, nil, nil
	}
	res, ok := answer.(*mcp.ListRootsResult)
	if !ok {
		return nil, nil, fmt.Errorf("roots: the client answered with %T, not a roots list", answer)
	}
	if len(res.Roots) == 0 {
		return text("no roots"), nil, nil
	}
	uris := make([]string, len(res.Roots))
	for i, r := range res.Roots {
		uris[i] = r.URI
	}
	return text(strings.Join(uris, "\n")), nil, nil
}

func contentText(c mcp.Content) string {
	if t, ok := c.(*mcp.TextContent); ok {
		return t.Text
	}
	return ""
}
