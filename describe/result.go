package describe

import (
	"encoding/json"
	"strings"
)

// Result is the 4-layer self-description of one server.
type Result struct {
	Server       string      `json:"server"`
	Instructions string      `json:"instructions"` // L0: markdown for the server's instructions
	Schema       Schema      `json:"schema"`       // L1: the <server>://schema resource
	Prompts      []PromptDef `json:"prompts"`      // L2: workflow steps as prompts
	Docs         Docs        `json:"docs"`         // L3: static documents
	Metadata     Metadata    `json:"metadata"`

	// Source is the Config the Result was made from, as given, for what
	// builds on a description (Compose, NewScaffold). It is not part of
	// the JSON form: a decoded Result has none.
	Source Config `json:"-"`
}

// Schema is L1: the parameter reference of every tool, as JSON Schema and
// as readable markdown. It is served as the resource URI.
type Schema struct {
	URI      string       `json:"uri"` // "<server>://schema"
	Tools    []ToolSchema `json:"tools"`
	Markdown string       `json:"markdown"`
}

// ToolSchema is one tool in L1.
type ToolSchema struct {
	Name         string          `json:"name"`
	Title        string          `json:"title,omitempty"`
	Description  string          `json:"description,omitempty"`   // in full up to its bound: the L1 budget (see limits.go)
	InputSchema  json.RawMessage `json:"input_schema,omitempty"`  // normalised: keys sorted; a stub past its bound
	OutputSchema json.RawMessage `json:"output_schema,omitempty"` // normalised: keys sorted; a stub past its bound
	Annotations  *Annotations    `json:"annotations,omitempty"`
}

// PromptDef is one L2 prompt: a workflow written as steps an agent follows.
type PromptDef struct {
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Arguments   []PromptArgument `json:"arguments,omitempty"`
	// Steps are the prompt's steps, in order; like Text, they may hold
	// {{name}} placeholders of the arguments.
	Steps []string `json:"steps"`
	// Text is the prompt's message: its purpose, its arguments and its
	// steps. It holds a {{name}} placeholder for each argument; Render
	// fills them in.
	Text string `json:"text"`
}

// Render returns p.Text with each argument's {{name}} placeholder replaced
// by its value in args; an argument without a value reads "(not given)".
func (p PromptDef) Render(args map[string]string) string {
	pairs := make([]string, 0, 2*len(p.Arguments))
	for _, a := range p.Arguments {
		v, ok := args[a.Name]
		if !ok || v == "" {
			v = "(not given)"
		}
		pairs = append(pairs, "{{"+a.Name+"}}", v)
	}
	return strings.NewReplacer(pairs...).Replace(p.Text)
}

// Docs is L3: static documents, ready to be written as files.
type Docs struct {
	README  string `json:"readme"`   // README.md
	Skill   string `json:"skill"`    // SKILL.md, with YAML front matter (name, description)
	MCPInfo string `json:"mcp_info"` // MCP_INFO.md
}

// The modes of Metadata.Mode.
const (
	ModeStandalone = "standalone"
	ModeDelegated  = "delegated"
)

// Metadata says how a Result was made.
type Metadata struct {
	Mode           string `json:"mode"`                      // ModeStandalone or ModeDelegated
	FallbackReason string `json:"fallback_reason,omitempty"` // why delegated mode fell back to standalone
	Generator      string `json:"generator"`                 // what wrote the layers
	// Tokens holds estimates: "l0", "l1", "l2", "l3" for each layer's whole
	// text, and "l1_max_tool", "l2_max_prompt", "l3_max_doc" for the largest
	// unit that a per-unit budget applies to.
	Tokens     map[string]int `json:"tokens"`
	Budgets    Budgets        `json:"budgets"`             // the budgets in force
	Condensed  []string       `json:"condensed,omitempty"` // what was condensed to stay within them
	SourceHash string         `json:"source_hash"`
}
