package describe

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// BuilderTool is the name of the builder's tool.
const BuilderTool = "describe"

// BuilderGenerator is reported in Metadata.Generator by the shipped builder.
const BuilderGenerator = GeneratorName + " (builder)"

const builderInstructions = `SPINE's self-description builder. Call the tool "describe" with
{"config": {...}} (a SPINE description config: server, tools, resources, prompts,
workflows, budgets) to get the server's 4-layer self-description as structured content:
instructions (L0), schema (L1), prompts (L2), docs (L3) and metadata. Add
"scaffold": {"upstream": {...}} to get as well, under "scaffold", the files of a Go module
that serves the description and forwards tool calls to the upstream.`

// builderInputSchema describes {"config": Config}. It names the fields the
// builder needs and leaves the rest open, so that older and newer SPINE
// versions can talk to each other.
const builderInputSchema = `{
  "type": "object",
  "properties": {
    "config": {
      "type": "object",
      "description": "The description config: what one server offers.",
      "properties": {
        "server": {"type": "string", "description": "The server's name in the project."},
        "tools": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}},
        "budgets": {"type": "object"}
      },
      "required": ["server"]
    },
    "scaffold": {
      "type": "object",
      "description": "Ask for a generated server too: where its upstream is, and its module path.",
      "properties": {
        "upstream": {"type": "object", "properties": {"command": {"type": "string"}, "args": {"type": "array", "items": {"type": "string"}}, "url": {"type": "string"}}},
        "module": {"type": "string"}
      }
    }
  },
  "required": ["config"]
}`

// NewBuilderServer returns the shipped builder: an MCP server with one tool,
// "describe", that takes {"config": Config} and answers with the
// standalone Result as structured content (and the same JSON as text),
// with Metadata.Mode set to ModeDelegated so that the caller can tell it
// came through a builder. Serve it with Server.Run on any transport.
func NewBuilderServer() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{
		Name:    "spine-describe",
		Title:   "SPINE self-description builder",
		Version: GeneratorName,
	}, &mcp.ServerOptions{Instructions: builderInstructions})
	notOpen := false
	s.AddTool(&mcp.Tool{
		Name:        BuilderTool,
		Title:       "Describe an MCP server",
		Description: "Writes the 4-layer self-description of one MCP server from its description config: server instructions (L0), parameter reference (L1), step-by-step prompts (L2) and README.md, SKILL.md, MCP_INFO.md (L3).",
		InputSchema: json.RawMessage(builderInputSchema),
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: &notOpen},
	}, build)
	return s
}

// build is the handler of the builder tool.
func build(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	var args struct {
		Config   *Config          `json:"config"`
		Scaffold *ScaffoldOptions `json:"scaffold"`
	}
	if err := json.Unmarshal(req.Params.Arguments, &args); err != nil {
		return toolError(fmt.Errorf("arguments: %v", err)), nil
	}
	if args.Config == nil {
		return toolError(fmt.Errorf(`arguments: missing "config"`)), nil
	}
	var g Generator
	r, err := g.Generate(*args.Config)
	if err != nil {
		return toolError(err), nil
	}
	r.Metadata.Mode = ModeDelegated
	r.Metadata.Generator = BuilderGenerator
	answer := builderAnswer{Result: r}
	if args.Scaffold != nil {
		s, err := NewScaffold(r, *args.Scaffold)
		if err != nil {
			return toolError(err), nil
		}
		s.Generator = ScaffoldGenerator + " (builder)"
		answer.Scaffold = &s
	}
	data, err := json.Marshal(answer)
	if err != nil {
		return toolError(err), nil
	}
	return &mcp.CallToolResult{
		Content:           []mcp.Content{&mcp.TextContent{Text: string(data)}},
		StructuredContent: json.RawMessage(data),
	}, nil
}

// builderAnswer is what the builder answers: the Result, and the scaffold
// when it was asked for one.
type builderAnswer struct {
	Result
	Scaffold *Scaffold `json:"scaffold,omitempty"`
}

func toolError(err error) *mcp.CallToolResult {
	var r mcp.CallToolResult
	r.SetError(err)
	return &r
}
