package describe

import (
	"cmp"
	"embed"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ScaffoldGenerator is reported as the generator of a standalone scaffold.
const ScaffoldGenerator = "spine-scaffold/1"

// SDKModule and SDKVersion are the one dependency of a scaffold: the MCP Go
// SDK at the version SPINE itself is built with (a test holds them to
// SPINE's go.mod).
const (
	SDKModule  = "github.com/modelcontextprotocol/go-sdk"
	SDKVersion = "v1.8.0"
)

// scaffoldGoVersion is the go directive of a scaffold: the SDK's own.
const scaffoldGoVersion = "1.25.0"

// scaffoldIndirect are the SDK's dependencies a scaffold builds with, and
// scaffoldSums their go.sum lines (SPINE's own, for the same versions), so
// that a scaffold builds from the module cache with no network.
var scaffoldIndirect = []string{
	"github.com/google/jsonschema-go v0.4.3",
	"github.com/segmentio/asm v1.1.3",
	"github.com/segmentio/encoding v0.5.4",
	"github.com/yosida95/uritemplate/v3 v3.0.2",
	"golang.org/x/oauth2 v0.37.0",
	"golang.org/x/sync v0.23.0",
	"golang.org/x/sys v0.48.0",
	"golang.org/x/time v0.15.0",
}

const scaffoldSums = `github.com/google/jsonschema-go v0.4.3 h1:/DBOLZTfDow7pe2GmaJNhltueGTtDKICi8V8p+DQPd0=
github.com/google/jsonschema-go v0.4.3/go.mod h1:r5quNTdLOYEz95Ru18zA0ydNbBuYoo9tgaYcxEYhJVE=
github.com/modelcontextprotocol/go-sdk v1.8.0 h1:KIvahhYqwtbeniWVPs3TcXEA7b8jEtwfBpOTAI+Urx4=
github.com/modelcontextprotocol/go-sdk v1.8.0/go.mod h1:dL7u98E/zjJTGzEq+j30jQ8K2k1mb6LeAH4inEcSGts=
github.com/segmentio/asm v1.1.3 h1:WM03sfUOENvvKexOLp+pCqgb/WDjsi7EK8gIsICtzhc=
github.com/segmentio/asm v1.1.3/go.mod h1:Ld3L4ZXGNcSLRg4JBsZ3//1+f/TjYl0Mzen/DQy1EJg=
github.com/segmentio/encoding v0.5.4 h1:OW1VRern8Nw6ITAtwSZ7Idrl3MXCFwXHPgqESYfvNt0=
github.com/segmentio/encoding v0.5.4/go.mod h1:HS1ZKa3kSN32ZHVZ7ZLPLXWvOVIiZtyJnO1gPH1sKt0=
github.com/yosida95/uritemplate/v3 v3.0.2 h1:Ed3Oyj9yrmi9087+NczuL5BwkIc4wvTb5zIM+UJPGz4=
github.com/yosida95/uritemplate/v3 v3.0.2/go.mod h1:ILOh0sOhIJR3+L/8afwt/kE++YT040gmv5BQTMR2HP4=
golang.org/x/oauth2 v0.37.0 h1:JUlcxA8oAtauLfiH8FX2/FkAWHAdi0QtGCGc+hofE98=
golang.org/x/oauth2 v0.37.0/go.mod h1:IxwZNxUULJmpBFf9K/9NTMSIfZZuvuTy1gGxhigP/58=
golang.org/x/sync v0.23.0 h1:KameEIfc1IkluZyXWLn39Wd4tURc6GbCiISGiZm2bQk=
golang.org/x/sync v0.23.0/go.mod h1:sUUOizhqBxiL6pEWpqNLUiaJn1ShEbZ6BBqskPbjZm0=
golang.org/x/sys v0.48.0 h1:bbX/i/6MgT9BVLM9RT1thmxL04yeTAhbEz4SyadbXoo=
golang.org/x/sys v0.48.0/go.mod h1:hNLxWAXmnKAxqDtdwIYC4bM9oQPEecfsnNMuSxOs3og=
golang.org/x/time v0.15.0 h1:bbrp8t3bGUeFOx08pvsMYRTCVSMk89u4tKbNOZbp88U=
golang.org/x/time v0.15.0/go.mod h1:Y4YMaQmXwGQZoFaVFk4YpCt4FLQMYKZe9oeV/f4MSno=
`

// scaffoldCode holds the scaffold's Go files: the same for every server,
// which is described by the files of description/.
//
//go:embed scaffold/*.txt
var scaffoldCode embed.FS

// scaffoldCodeFiles are the Go files of a scaffold, from scaffold/NAME.txt.
var scaffoldCodeFiles = []string{"main.go", "description.go", "server.go", "target.go", "upstream.go", "server_test.go"}

// Upstream says where the real server of a scaffold is, as the project's
// config says it: a command run over stdio, or a URL.
type Upstream struct {
	Command string   `json:"command,omitempty"`
	Args    []string `json:"args,omitempty"`
	Dir     string   `json:"dir,omitempty"`
	// Env names the variables the config sets for the server; their values
	// are never written into a scaffold.
	Env []string `json:"env,omitempty"`
	URL string   `json:"url,omitempty"`
	// Transport is "sse" for the older HTTP+SSE transport; empty means
	// streamable HTTP (or stdio, for a command).
	Transport string `json:"transport,omitempty"`
	// Headers names the HTTP headers the config sends; a scaffold reads
	// each value from UPSTREAM_HEADER_<NAME> and never holds one.
	Headers []string `json:"headers,omitempty"`
}

// ScaffoldOptions say how to write a scaffold.
type ScaffoldOptions struct {
	// Upstream is the real server the scaffold forwards tool calls to.
	Upstream Upstream `json:"upstream"`
	// Module is the Go module path. Default: "<server>-described", the
	// server's name made a valid path element.
	Module string `json:"module,omitempty"`
}

// File is one file of a scaffold.
type File struct {
	Path    string `json:"path"` // slash-separated, relative to the module's directory
	Content string `json:"content"`
}

// Scaffold is a Go module that serves a server's self-description and
// forwards its tool calls to the real server.
type Scaffold struct {
	Server string `json:"server"`
	Module string `json:"module"`
	Files  []File `json:"files"` // in path order
	// Generator wrote the files; FallbackReason says why a builder's files
	// were not used.
	Generator      string `json:"generator"`
	FallbackReason string `json:"fallback_reason,omitempty"`
}

// File returns the content of the file at path, and whether there is one.
func (s Scaffold) File(path string) (string, bool) {
	for _, f := range s.Files {
		if f.Path == path {
			return f.Content, true
		}
	}
	return "", false
}

// NewScaffold writes the files of a Go module that serves r: L0 as its
// instructions, L1 as the resource r.Schema.URI, L2 as prompts, L3 as
// resources "<server>://docs/<file>"; that lists every tool of L1 with the
// schema the server gave (r.Source) and forwards each call to the
// upstream over one persistent session, started again when it dies; that
// forwards the server's own resources and prompts too; and that has tests
// and a README. It is pure: the same r and opts give the same bytes. It
// fails for a Result that is not complete (see Delegate) or options
// without an upstream.
func NewScaffold(r Result, opts ScaffoldOptions) (Scaffold, error) {
	if err := checkScaffoldInput(r, opts); err != nil {
		return Scaffold{}, err
	}
	opts.Upstream.Env = slices.Compact(slices.Sorted(slices.Values(opts.Upstream.Env)))
	opts.Upstream.Headers = slices.Compact(slices.Sorted(slices.Values(opts.Upstream.Headers)))
	module := cmp.Or(opts.Module, modulePath(r.Server))
	desc, err := descriptionFiles(r)
	if err != nil {
		return Scaffold{}, err
	}
	server, err := serverJSON(r, opts.Upstream)
	if err != nil {
		return Scaffold{}, err
	}
	out := []File{
		{"go.mod", goMod(module)},
		{"go.sum", scaffoldSums},
		{"README.md", scaffoldReadme(r, opts, module)},
		{"description/server.json", server},
	}
	for _, name := range files {
		out = append(out, File{"description/" + name, desc[name]})
	}
	for _, name := range scaffoldCodeFiles {
		data, err := scaffoldCode.ReadFile("scaffold/" + name + ".txt")
		if err != nil {
			return Scaffold{}, err
		}
		out = append(out, File{name, string(data)})
	}
	slices.SortFunc(out, func(a, b File) int { return cmp.Compare(a.Path, b.Path) })
	return Scaffold{Server: r.Server, Module: module, Files: out, Generator: ScaffoldGenerator}, nil
}

// checkScaffoldInput reports why r and opts can't make a scaffold.
func checkScaffoldInput(r Result, opts ScaffoldOptions) error {
	cfg := r.Source
	if cfg.Server == "" {
		cfg = Config{Server: r.Server}
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	if err := checkResult(r, cfg); err != nil {
		return fmt.Errorf("%w: scaffold of %q: %v", ErrInvalidConfig, r.Server, err)
	}
	// The generated server serves <server>://schema and <server>://docs/…; the
	// SDK refuses (panics on) a URI that does not parse.
	if _, err := url.Parse(r.Server + "://docs/README.md"); err != nil {
		return fmt.Errorf("%w: scaffold of %q: the server's name can't start a resource URI: %v", ErrInvalidConfig, r.Server, err)
	}
	up := opts.Upstream
	switch {
	case up.Command == "" && up.URL == "":
		return fmt.Errorf("%w: scaffold of %q: no upstream command or URL", ErrInvalidConfig, r.Server)
	case up.Command != "" && up.URL != "":
		return fmt.Errorf("%w: scaffold of %q: an upstream command and a URL", ErrInvalidConfig, r.Server)
	case up.Transport != "" && up.Transport != "sse":
		return fmt.Errorf("%w: scaffold of %q: upstream transport %q: want \"sse\" or none", ErrInvalidConfig, r.Server, up.Transport)
	}
	return nil
}

// modulePath makes a module path of a server name: lower-case letters,
// digits, '-', '.', '_' kept, anything else a '-'.
func modulePath(server string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(server) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-._")
	if name == "" {
		name = "server"
	}
	return name + "-described"
}

func goMod(module string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "module %s\n\ngo %s\n\nrequire %s %s\n\nrequire (\n", module, scaffoldGoVersion, SDKModule, SDKVersion)
	for _, dep := range scaffoldIndirect {
		b.WriteString("\t" + dep + " // indirect\n")
	}
	b.WriteString(")\n")
	return b.String()
}

// descriptionFiles are the files WriteDir writes for r, by name.
func descriptionFiles(r Result) (map[string]string, error) {
	schemaJSON, err := encodeJSON(struct {
		URI   string       `json:"uri"`
		Tools []ToolSchema `json:"tools"`
	}{r.Schema.URI, r.Schema.Tools}, true)
	if err != nil {
		return nil, fmt.Errorf("describe %q: schema.json: %w", r.Server, err)
	}
	prompts := r.Prompts
	if prompts == nil {
		prompts = []PromptDef{}
	}
	promptsJSON, err := encodeJSON(prompts, true)
	if err != nil {
		return nil, fmt.Errorf("describe %q: prompts.json: %w", r.Server, err)
	}
	out := map[string]string{
		"instructions.md": r.Instructions,
		"schema.json":     string(schemaJSON),
		"schema.md":       r.Schema.Markdown,
		"prompts.json":    string(promptsJSON),
		"README.md":       r.Docs.README,
		"SKILL.md":        r.Docs.Skill,
		"MCP_INFO.md":     r.Docs.MCPInfo,
	}
	for name, text := range out {
		if !strings.HasSuffix(text, "\n") {
			out[name] = text + "\n"
		}
	}
	return out, nil
}

// scaffoldServer is description/server.json (the generated code reads it
// as its type description).
type scaffoldServer struct {
	Server            string                  `json:"server"`
	Title             string                  `json:"title,omitempty"`
	Version           string                  `json:"version,omitempty"`
	SchemaURI         string                  `json:"schema_uri"`
	DocsURI           string                  `json:"docs_uri"`
	Upstream          Upstream                `json:"upstream"`
	Tools             []*mcp.Tool             `json:"tools"`
	Resources         []*mcp.Resource         `json:"resources,omitempty"`
	ResourceTemplates []*mcp.ResourceTemplate `json:"resource_templates,omitempty"`
	Prompts           []*mcp.Prompt           `json:"prompts,omitempty"`
	Probe             *scaffoldProbe          `json:"probe,omitempty"`
}

type scaffoldProbe struct {
	Tool      string         `json:"tool"`
	Arguments map[string]any `json:"arguments"`
	Expect    string         `json:"expect,omitempty"`
}

// probeText is what the generated tests send an echo tool.
const probeText = "probe from the generated tests"

func serverJSON(r Result, up Upstream) (string, error) {
	src := r.Source
	s := scaffoldServer{
		Server:    r.Server,
		Title:     oneLine(src.Title),
		Version:   oneLine(src.Version),
		SchemaURI: r.Schema.URI,
		DocsURI:   r.Server + "://docs/",
		Upstream:  up,
		Tools:     []*mcp.Tool{},
	}
	byName := map[string]Tool{}
	for _, t := range src.Tools {
		byName[t.Name] = t
	}
	for _, t := range r.Schema.Tools {
		s.Tools = append(s.Tools, servedTool(t, byName[t.Name]))
	}
	taken := map[string]bool{s.SchemaURI: true}
	for _, name := range []string{"README.md", "SKILL.md", "MCP_INFO.md"} {
		taken[s.DocsURI+name] = true
	}
	in := input{caps: capsFor(r.Metadata.Budgets.orDefaults(DefaultBudgets))}
	src = in.config(src) // bounded and clean, as every layer shows it
	for _, res := range src.Resources {
		// The SDK refuses (panics on) a URI that does not parse.
		if _, err := url.Parse(res.URI); err == nil && !taken[res.URI] {
			s.Resources = append(s.Resources, &mcp.Resource{URI: res.URI, Name: cmp.Or(res.Name, res.URI), Title: res.Title, Description: res.Description, MIMEType: res.MIMEType})
		}
	}
	for _, t := range src.ResourceTemplates {
		s.ResourceTemplates = append(s.ResourceTemplates, &mcp.ResourceTemplate{URITemplate: t.URITemplate, Name: cmp.Or(t.Name, t.URITemplate), Title: t.Title, Description: t.Description, MIMEType: t.MIMEType})
	}
	described := map[string]bool{}
	for _, p := range r.Prompts {
		described[p.Name] = true
	}
	for _, p := range src.Prompts {
		if described[p.Name] {
			continue
		}
		mp := &mcp.Prompt{Name: p.Name, Title: p.Title, Description: p.Description}
		for _, a := range p.Arguments {
			mp.Arguments = append(mp.Arguments, &mcp.PromptArgument{Name: a.Name, Description: a.Description, Required: a.Required})
		}
		s.Prompts = append(s.Prompts, mp)
	}
	s.Probe = probeFor(s.Tools)
	data, err := encodeJSON(s, true)
	if err != nil {
		return "", fmt.Errorf("describe %q: server.json: %w", r.Server, err)
	}
	return string(data) + "\n", nil
}

// servedTool is a tool as the scaffold lists it: L1's, with the schemas the
// server gave when they are object schemas the SDK can serve.
func servedTool(t ToolSchema, src Tool) *mcp.Tool {
	out := &mcp.Tool{Name: t.Name, Title: t.Title, Description: t.Description}
	out.InputSchema = firstSchema(objectSchema(src.InputSchema), objectSchema(t.InputSchema), json.RawMessage(`{"type":"object"}`))
	if o := firstSchema(objectSchema(src.OutputSchema), objectSchema(t.OutputSchema)); o != nil {
		out.OutputSchema = o
	}
	if a := t.Annotations; a != nil {
		out.Annotations = &mcp.ToolAnnotations{Title: a.Title, ReadOnlyHint: a.ReadOnly, DestructiveHint: a.Destructive, IdempotentHint: a.Idempotent, OpenWorldHint: a.OpenWorld}
	}
	return out
}

func firstSchema(schemas ...json.RawMessage) json.RawMessage {
	for _, s := range schemas {
		if s != nil {
			return s
		}
	}
	return nil
}

// objectSchema returns raw with its keys sorted when it is a JSON object
// with "type": "object" and within maxSchemaBytes, else nil.
func objectSchema(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || len(raw) > maxSchemaBytes {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m["type"] != "object" {
		return nil
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return data
}

// probeFor picks the call the generated tests make: an echo tool with its
// first string parameter set, else a read-only tool with no required
// parameters, else none.
func probeFor(tools []*mcp.Tool) *scaffoldProbe {
	type schema struct {
		Properties map[string]struct {
			Type any `json:"type"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	read := func(t *mcp.Tool) schema {
		var s schema
		raw, _ := t.InputSchema.(json.RawMessage)
		_ = json.Unmarshal(raw, &s)
		return s
	}
	for _, t := range tools {
		if t.Name != "echo" {
			continue
		}
		s := read(t)
		names := slices.Sorted(func(yield func(string) bool) {
			for n := range s.Properties {
				if !yield(n) {
					return
				}
			}
		})
		// A required string parameter first, then any string parameter.
		slices.SortStableFunc(names, func(a, b string) int {
			return cmp.Compare(boolRank(!slices.Contains(s.Required, a)), boolRank(!slices.Contains(s.Required, b)))
		})
		for _, n := range names {
			if s.Properties[n].Type == "string" {
				return &scaffoldProbe{Tool: t.Name, Arguments: map[string]any{n: probeText}, Expect: probeText}
			}
		}
	}
	for _, t := range tools {
		if t.Annotations != nil && t.Annotations.ReadOnlyHint && len(read(t).Required) == 0 {
			return &scaffoldProbe{Tool: t.Name, Arguments: map[string]any{}}
		}
	}
	return nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
