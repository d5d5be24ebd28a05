package describe

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spine-mcp/spine/capability"
)

// ErrInvalidConfig is wrapped by every error about a Config that can't be
// described (no server name, a nameless or duplicate tool, a schema that is
// not JSON).
var ErrInvalidConfig = errors.New("invalid description config")

// Config is everything the generator knows about one server. It is plain,
// JSON-serialisable data: delegated mode sends it to a builder tool as the
// "config" argument.
type Config struct {
	Server       string `json:"server"`                 // the server's name in the project; names the schema URI "<server>://schema"
	Title        string `json:"title,omitempty"`        // the server's own display name
	Version      string `json:"version,omitempty"`      // the server's own version
	Description  string `json:"description,omitempty"`  // what the server says it is
	Instructions string `json:"instructions,omitempty"` // the server's own instructions, kept in L0

	// Capabilities lists what the server announced at the handshake, as
	// "tools", "tools.list_changed", "resources.subscribe", … (see FromCapability).
	Capabilities []string `json:"capabilities,omitempty"`

	Tools             []Tool             `json:"tools"`
	Resources         []Resource         `json:"resources,omitempty"`
	ResourceTemplates []ResourceTemplate `json:"resource_templates,omitempty"`
	Prompts           []Prompt           `json:"prompts,omitempty"`

	// Workflows are the project's workflow files that use this server.
	Workflows []Workflow `json:"workflows,omitempty"`

	// Budgets caps the size of each layer; a zero field takes the
	// Generator's, then the package default.
	Budgets Budgets `json:"budgets"`

	// SourceHash identifies what the description was made from (the
	// capability snapshot's hash, see FromCapability); it is copied to
	// Metadata.SourceHash. Empty means a hash of this Config.
	SourceHash string `json:"source_hash,omitempty"`
}

// Tool is one tool of the server.
type Tool struct {
	Name         string          `json:"name"`
	Title        string          `json:"title,omitempty"`
	Description  string          `json:"description,omitempty"`
	InputSchema  json.RawMessage `json:"input_schema,omitempty"`  // JSON Schema of the arguments
	OutputSchema json.RawMessage `json:"output_schema,omitempty"` // JSON Schema of the structured result
	Annotations  *Annotations    `json:"annotations,omitempty"`   // nil: the server said nothing
}

// Annotations are a tool's behaviour hints as the server declared them.
// They are hints, not guarantees; the generator states them as the
// server's claims and never invents them.
type Annotations struct {
	Title       string `json:"title,omitempty"`
	ReadOnly    bool   `json:"read_only,omitempty"`   // does not modify its environment
	Destructive *bool  `json:"destructive,omitempty"` // may destroy or overwrite (meaningful when not read-only)
	Idempotent  bool   `json:"idempotent,omitempty"`  // repeating a call with the same arguments has no further effect
	OpenWorld   *bool  `json:"open_world,omitempty"`  // talks to an open world (web, third parties)
}

// Resource is one concrete resource of the server.
type Resource struct {
	URI         string `json:"uri"`
	Name        string `json:"name,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	MIMEType    string `json:"mime_type,omitempty"`
}

// ResourceTemplate is one RFC 6570 resource template of the server.
type ResourceTemplate struct {
	URITemplate string `json:"uri_template"`
	Name        string `json:"name,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	MIMEType    string `json:"mime_type,omitempty"`
}

// Prompt is one prompt the server itself offers.
type Prompt struct {
	Name        string           `json:"name"`
	Title       string           `json:"title,omitempty"`
	Description string           `json:"description,omitempty"`
	Arguments   []PromptArgument `json:"arguments,omitempty"`
}

// PromptArgument is one argument of a prompt.
type PromptArgument struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required,omitempty"`
}

// Workflow is a project workflow file that uses the server.
type Workflow struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	File        string         `json:"file,omitempty"` // as the user would pass it to `spine run`
	Steps       []WorkflowStep `json:"steps"`          // in file order
}

// WorkflowStep is one step of a Workflow.
type WorkflowStep struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`             // "tool", "resource" or "prompt"
	Target string `json:"target"`           // the tool name, resource URI or prompt name
	Server string `json:"server,omitempty"` // the step's server when it is not the described one
}

// The step kinds of WorkflowStep.Kind.
const (
	StepTool     = "tool"
	StepResource = "resource"
	StepPrompt   = "prompt"
)

// Budgets are token budgets per layer (tokens are estimated as ⌈runes/4⌉).
// Text that would exceed its budget is condensed section by section, never
// cut mid-sentence; but a single text from the server longer than the
// budget of the layer that shows it is cut to it (see the package doc). A
// zero field means the default.
type Budgets struct {
	L0 int `json:"l0,omitempty"`        // the whole of the server instructions; default 1024
	L1 int `json:"l1_tool,omitempty"`   // each tool's section of the readable schema; default 512
	L2 int `json:"l2_prompt,omitempty"` // each prompt's text; default 1024
	L3 int `json:"l3_doc,omitempty"`    // each of README.md, SKILL.md, MCP_INFO.md; default 1024
}

// DefaultBudgets are the budgets used where neither Config nor Generator set one.
var DefaultBudgets = Budgets{L0: 1024, L1: 512, L2: 1024, L3: 1024}

// orDefaults fills the zero fields of b from each of defaults in turn.
func (b Budgets) orDefaults(defaults ...Budgets) Budgets {
	for _, d := range defaults {
		b.L0 = positiveOr(b.L0, d.L0)
		b.L1 = positiveOr(b.L1, d.L1)
		b.L2 = positiveOr(b.L2, d.L2)
		b.L3 = positiveOr(b.L3, d.L3)
	}
	return b
}

func positiveOr(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

// FromCapability turns what a capability scan found into a Config. Workflows
// are left for the caller, who knows the project's workflow files.
func FromCapability(s *capability.Snapshot) Config {
	cfg := Config{Server: s.Server, Instructions: s.Instructions, SourceHash: s.Hash}
	if cfg.SourceHash == "" {
		cfg.SourceHash = s.ComputeHash()
	}
	if s.Info != nil {
		cfg.Title, cfg.Version, cfg.Description = s.Info.Title, s.Info.Version, s.Info.Description
	}
	cfg.Capabilities = capabilityNames(s.Capabilities)
	for _, t := range s.Tools {
		if t != nil {
			cfg.Tools = append(cfg.Tools, toolFromMCP(t))
		}
	}
	for _, r := range s.Resources {
		if r != nil {
			cfg.Resources = append(cfg.Resources, Resource{URI: r.URI, Name: r.Name, Title: r.Title, Description: r.Description, MIMEType: r.MIMEType})
		}
	}
	for _, t := range s.ResourceTemplates {
		if t != nil {
			cfg.ResourceTemplates = append(cfg.ResourceTemplates, ResourceTemplate{URITemplate: t.URITemplate, Name: t.Name, Title: t.Title, Description: t.Description, MIMEType: t.MIMEType})
		}
	}
	for _, p := range s.Prompts {
		if p == nil {
			continue
		}
		pr := Prompt{Name: p.Name, Title: p.Title, Description: p.Description}
		for _, a := range p.Arguments {
			if a != nil {
				pr.Arguments = append(pr.Arguments, PromptArgument{Name: a.Name, Description: a.Description, Required: a.Required})
			}
		}
		cfg.Prompts = append(cfg.Prompts, pr)
	}
	return cfg
}

func toolFromMCP(t *mcp.Tool) Tool {
	out := Tool{Name: t.Name, Title: t.Title, Description: t.Description}
	out.InputSchema = schemaJSON(t.InputSchema)
	out.OutputSchema = schemaJSON(t.OutputSchema)
	if a := t.Annotations; a != nil {
		out.Annotations = &Annotations{
			Title:       a.Title,
			ReadOnly:    a.ReadOnlyHint,
			Destructive: a.DestructiveHint,
			Idempotent:  a.IdempotentHint,
			OpenWorld:   a.OpenWorldHint,
		}
	}
	return out
}

// schemaJSON marshals a schema as the SDK holds it (a map on the client
// side, anything marshallable on the server side). A schema that can't be
// marshalled is left out rather than failing the whole description.
func schemaJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil || string(data) == "null" {
		return nil
	}
	return data
}

// capabilityNames flattens what a server announced into sorted names.
func capabilityNames(c *mcp.ServerCapabilities) []string {
	if c == nil {
		return nil
	}
	var names []string
	add := func(ok bool, name string) {
		if ok {
			names = append(names, name)
		}
	}
	if c.Tools != nil {
		add(true, "tools")
		add(c.Tools.ListChanged, "tools.list_changed")
	}
	if c.Resources != nil {
		add(true, "resources")
		add(c.Resources.ListChanged, "resources.list_changed")
		add(c.Resources.Subscribe, "resources.subscribe")
	}
	if c.Prompts != nil {
		add(true, "prompts")
		add(c.Prompts.ListChanged, "prompts.list_changed")
	}
	add(c.Logging != nil, "logging")
	add(c.Completions != nil, "completions")
	for k := range c.Experimental {
		names = append(names, "experimental."+k)
	}
	for k := range c.Extensions {
		names = append(names, "extensions."+k)
	}
	sort.Strings(names)
	return names
}

// validate reports the first reason cfg can't be described.
func (cfg *Config) validate() error {
	if cfg.Server == "" {
		return fmt.Errorf("%w: no server name", ErrInvalidConfig)
	}
	seen := make(map[string]bool, len(cfg.Tools))
	for i, t := range cfg.Tools {
		if t.Name == "" {
			return fmt.Errorf("%w: server %q: tool #%d has no name", ErrInvalidConfig, cfg.Server, i+1)
		}
		if seen[t.Name] {
			return fmt.Errorf("%w: server %q: tool %q is listed twice", ErrInvalidConfig, cfg.Server, t.Name)
		}
		seen[t.Name] = true
		if len(t.InputSchema) > 0 && !json.Valid(t.InputSchema) {
			return fmt.Errorf("%w: server %q: tool %q: input schema is not valid JSON", ErrInvalidConfig, cfg.Server, t.Name)
		}
		if len(t.OutputSchema) > 0 && !json.Valid(t.OutputSchema) {
			return fmt.Errorf("%w: server %q: tool %q: output schema is not valid JSON", ErrInvalidConfig, cfg.Server, t.Name)
		}
	}
	for i, p := range cfg.Prompts {
		if p.Name == "" {
			return fmt.Errorf("%w: server %q: prompt #%d has no name", ErrInvalidConfig, cfg.Server, i+1)
		}
	}
	for i, r := range cfg.Resources {
		if r.URI == "" {
			return fmt.Errorf("%w: server %q: resource #%d has no URI", ErrInvalidConfig, cfg.Server, i+1)
		}
	}
	return nil
}
