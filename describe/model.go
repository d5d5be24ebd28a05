package describe

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// role is what a tool does to the server's world, as far as can be told.
type role int

const (
	roleOther   role = iota // can't tell
	roleRead                // looks things up, computes; changes nothing
	roleWrite               // creates or changes things
	roleDestroy             // deletes, overwrites, kills
)

// verbRole classifies the leading (or trailing) word of a tool name. Names
// only ever order the workflow and group the guide; safety claims
// ("read-only", "idempotent") come from annotations alone.
var verbRole = map[string]role{}

// discovery verbs come first in a workflow: they tell what exists.
var discovery = map[string]bool{"list": true, "search": true, "find": true, "query": true, "browse": true, "discover": true}

func init() {
	for _, w := range strings.Fields(`get list read search find query fetch show describe view lookup look count
		check status stat info inspect ping health validate explain preview diff compare browse discover
		summarize summarise analyze analyse calculate compute convert render format parse translate
		resolve estimate measure echo peek verify download`) {
		verbRole[w] = roleRead
	}
	for _, w := range strings.Fields(`create add write update set put post insert append save upload send edit
		modify rename move copy patch apply commit push publish run exec execute start stop restart install
		enable disable register submit import merge replace increment decrement grow generate make open close
		lock unlock login logout connect schedule assign tag label comment reply approve deploy trigger invoke
		call fill click type navigate press archive sync export backup restore upload
		notify`) {
		verbRole[w] = roleWrite
	}
	for _, w := range strings.Fields(`delete remove drop destroy purge clear reset kill truncate wipe erase
		uninstall revoke terminate overwrite crash`) {
		verbRole[w] = roleDestroy
	}
}

// toolInfo is a Tool with what the generator worked out about it.
type toolInfo struct {
	Tool
	role       role
	discovery  bool     // a list/search tool: call it first
	summary    string   // the first sentence of the description, or ""
	params     []param  // from the input schema
	outputs    []param  // from the output schema
	moreParams int      // rows of the input schema past maxParams, left out
	hints      []string // what the annotations claim, in words
}

// model is a validated Config, made safe and bounded (see input), sorted
// and analysed once for every layer.
type model struct {
	cfg        Config
	title      string // display name
	schemaURI  string
	sourceHash string // what the description was made from
	tools      []toolInfo
	resources  []Resource
	templates  []ResourceTemplate
	prompts    []Prompt
	workflows  []Workflow
	budgets    Budgets
	in         input // what was cut or left out, and how many there were
}

func newModel(cfg Config, budgets Budgets, sourceHash string) *model {
	m := &model{
		sourceHash: sourceHash,
		schemaURI:  cfg.Server + "://schema",
		budgets:    budgets,
		in:         input{caps: capsFor(budgets)},
	}
	cfg = m.in.config(cfg)
	m.cfg = cfg
	m.title = cmp.Or(strings.TrimSpace(cfg.Title), cfg.Server)
	m.resources = slices.Clone(cfg.Resources)
	m.templates = slices.Clone(cfg.ResourceTemplates)
	m.prompts = slices.Clone(cfg.Prompts)
	m.workflows = slices.Clone(cfg.Workflows)
	slices.SortStableFunc(m.resources, func(a, b Resource) int { return cmp.Compare(a.URI, b.URI) })
	slices.SortStableFunc(m.templates, func(a, b ResourceTemplate) int { return cmp.Compare(a.URITemplate, b.URITemplate) })
	slices.SortStableFunc(m.prompts, func(a, b Prompt) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortStableFunc(m.workflows, func(a, b Workflow) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.File, b.File))
	})
	for _, t := range cfg.Tools {
		m.tools = append(m.tools, m.analyseTool(t))
	}
	slices.SortStableFunc(m.tools, func(a, b toolInfo) int { return cmp.Compare(a.Name, b.Name) })
	return m
}

func (m *model) analyseTool(t Tool) toolInfo {
	ti := toolInfo{Tool: t, summary: firstSentence(t.Description)}
	ti.params, ti.moreParams = m.schemaParams(t.InputSchema, t.Name)
	ti.outputs, _ = m.schemaParams(t.OutputSchema, t.Name)
	ti.role = toolRole(t)
	words := nameWords(t.Name)
	if len(words) > 0 && discovery[words[0]] {
		ti.discovery = true
	}
	if a := t.Annotations; a != nil {
		switch {
		case a.ReadOnly:
			ti.hints = append(ti.hints, "read-only")
		case a.Destructive != nil && *a.Destructive:
			ti.hints = append(ti.hints, "destructive")
		case a.Destructive != nil:
			ti.hints = append(ti.hints, "additive")
		}
		if a.Idempotent {
			ti.hints = append(ti.hints, "idempotent")
		}
		if a.OpenWorld != nil {
			if *a.OpenWorld {
				ti.hints = append(ti.hints, "open-world")
			} else {
				ti.hints = append(ti.hints, "closed-world")
			}
		}
	}
	return ti
}

// schemaParams reads the parameter rows of a tool's schema, made safe and
// bounded: at most maxParams rows (it returns how many more there were),
// names and types of at most maxNameRunes, descriptions cut to their cap.
// A schema over maxSchemaReadBytes is not read.
func (m *model) schemaParams(raw []byte, tool string) ([]param, int) {
	if len(raw) > maxSchemaReadBytes {
		return nil, 0
	}
	params := schemaParams(raw)
	more := 0
	if len(params) > maxParams {
		more = len(params) - maxParams
		params = params[:maxParams]
		m.in.notes.add("input", fmt.Sprintf("parameters past the first %d left out", maxParams), "tool", tool)
	}
	for i := range params {
		p := &params[i]
		p.name = m.in.name(p.name, "parameter names")
		p.typ = m.in.name(p.typ, "parameter types")
		p.description = oneLine(m.in.text(p.description, m.in.caps.paramDesc, "parameter descriptions", "tool", tool))
	}
	return params, more
}

// toolRole reads the role from the annotations where they say it, else
// from the verb in the tool's name.
func toolRole(t Tool) role {
	if a := t.Annotations; a != nil {
		switch {
		case a.ReadOnly:
			return roleRead
		case a.Destructive != nil && *a.Destructive:
			return roleDestroy
		case a.Destructive != nil:
			return roleWrite
		}
	}
	words := nameWords(t.Name)
	if len(words) == 0 {
		return roleOther
	}
	if r, ok := verbRole[words[0]]; ok {
		return r
	}
	if r, ok := verbRole[words[len(words)-1]]; ok {
		return r
	}
	return roleOther
}

// tool returns the analysed tool named name.
func (m *model) tool(name string) toolInfo {
	for _, t := range m.tools {
		if t.Name == name {
			return t
		}
	}
	return toolInfo{}
}

// readOnly reports whether the server declared the tool read-only.
func (t toolInfo) readOnly() bool { return t.Annotations != nil && t.Annotations.ReadOnly }

// idempotent reports whether a repeat is declared harmless.
func (t toolInfo) idempotent() bool {
	return t.Annotations != nil && (t.Annotations.ReadOnly || t.Annotations.Idempotent)
}

// toolsWhere returns the names of the tools that pass keep, in name order.
func (m *model) toolsWhere(keep func(toolInfo) bool) []string {
	var names []string
	for _, t := range m.tools {
		if keep(t) {
			names = append(names, t.Name)
		}
	}
	return names
}

// lookTools are the tools to start with: read tools, discovery first.
func (m *model) lookTools() []string {
	var first, rest []string
	for _, t := range m.tools {
		if t.role != roleRead {
			continue
		}
		if t.discovery {
			first = append(first, t.Name)
		} else {
			rest = append(rest, t.Name)
		}
	}
	return append(first, rest...)
}

func (m *model) hasCapability(name string) bool {
	return slices.Contains(m.cfg.Capabilities, name)
}

// firstNames returns up to n names as code spans, saying how many more
// there are.
func firstNames(names []string, n int) string {
	if len(names) <= n {
		return codeList(names)
	}
	return codeList(names[:n]) + " and " + strconv.Itoa(len(names)-n) + " more"
}
