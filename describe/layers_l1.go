package describe

import (
	"fmt"
	"strings"
)

// schema writes L1: the parameter reference of every tool, as normalised
// JSON Schema and as markdown with one section per tool.
func (m *model) schema(c *condensed) (Schema, error) {
	s := Schema{URI: m.schemaURI, Tools: []ToolSchema{}}
	var b strings.Builder
	b.WriteString("# " + code(m.cfg.Server) + " parameter reference\n\n")
	if len(m.tools) == 0 {
		b.WriteString(code(m.cfg.Server) + " offers no tools.\n")
	} else {
		fmt.Fprintf(&b, "Every tool of %s with its parameters; the JSON Schemas are in the resource %s.\n",
			code(m.cfg.Server), code(m.schemaURI))
	}
	for _, t := range m.tools {
		in, err := normaliseJSON(t.InputSchema)
		if err != nil {
			return Schema{}, fmt.Errorf("%w: server %q: tool %q: input schema: %v", ErrInvalidConfig, m.cfg.Server, t.Name, err)
		}
		out, err := normaliseJSON(t.OutputSchema)
		if err != nil {
			return Schema{}, fmt.Errorf("%w: server %q: tool %q: output schema: %v", ErrInvalidConfig, m.cfg.Server, t.Name, err)
		}
		s.Tools = append(s.Tools, ToolSchema{
			Name: t.Name, Title: t.Title, Description: t.Description,
			InputSchema: in, OutputSchema: out, Annotations: t.Annotations,
		})
		b.WriteString("\n" + m.toolSection(t, c))
	}
	s.Markdown = b.String()
	return s, nil
}

// toolSection is one tool's part of the markdown reference, within the
// per-tool budget.
func (m *model) toolSection(t toolInfo, c *condensed) string {
	sections := []*section{
		newSection("head", toolHead(t, false)).
			or(toolHead(t, true), "tool descriptions shortened to their first sentence"),
		newSection("hints", toolHints(t)),
		newSection("params", paramTable(t.params, "Parameter", descFull)).
			or(paramTable(t.params, "Parameter", descFirst), "parameter descriptions shortened to their first sentence").
			or(paramTable(t.params, "Parameter", descNone), "parameter descriptions dropped").
			or(paramNames(t.params), "parameters listed by name and type only"),
		newSection("output", outputBlock(t, false)).
			or(outputBlock(t, true), "output fields listed by name only"),
		newSection("example", exampleBlock(t)).
			or("", "example arguments dropped"),
	}
	text, notes, ok := fit(m.budgets.L1, sections,
		"params", "head", "output", "params", "example", "params")
	for _, n := range notes {
		c.add("l1", n, "tool", t.Name)
	}
	if !ok {
		c.add("l1", "still over budget after condensing", "tool", t.Name)
	}
	return text
}

func toolHead(t toolInfo, short bool) string {
	head := "## " + code(t.Name)
	if title := cmpOrStr(t.Title, annotationTitle(t)); title != "" && title != t.Name {
		head += " — " + collapse(title)
	}
	desc := strings.TrimSpace(t.Description)
	switch {
	case desc == "":
		return head + "\n\nNo description given."
	case short:
		return head + "\n\n" + firstSentence(desc)
	}
	return head + "\n\n" + demoteHeadings(desc, 3)
}

func annotationTitle(t toolInfo) string {
	if t.Annotations == nil {
		return ""
	}
	return t.Annotations.Title
}

func toolHints(t toolInfo) string {
	if len(t.hints) == 0 {
		return "Behaviour hints: none declared."
	}
	return "Behaviour hints (declared by the server): " + strings.Join(t.hints, ", ") + "."
}

// How much of a parameter's description a table shows.
type descLevel int

const (
	descFull  descLevel = iota // the whole description
	descFirst                  // its first sentence
	descNone                   // constraints only
)

// paramTable renders params as a markdown table.
func paramTable(params []param, first string, level descLevel) string {
	if len(params) == 0 {
		if first == "Parameter" {
			return "No parameters."
		}
		return ""
	}
	var b strings.Builder
	b.WriteString("| " + first + " | Type | Required | Description |\n|---|---|---|---|\n")
	for _, p := range params {
		req := "no"
		if p.required {
			req = "yes"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", code(p.name), cell(p.typ), req, cell(paramDesc(p, level)))
	}
	return strings.TrimRight(b.String(), "\n")
}

// paramDesc is a parameter's description at level, followed by its
// constraints; each part ends like a sentence.
func paramDesc(p param, level descLevel) string {
	var parts []string
	switch level {
	case descFull:
		if d := summary(p.description); d != "" {
			parts = append(parts, d)
		}
	case descFirst:
		if d := firstSentence(p.description); d != "" {
			parts = append(parts, d)
		}
	}
	parts = append(parts, p.notes...)
	return strings.Join(parts, " ")
}

// paramNames is the leanest form of a parameter list.
func paramNames(params []param) string {
	if len(params) == 0 {
		return "No parameters."
	}
	items := make([]string, len(params))
	for i, p := range params {
		items[i] = code(p.name) + " (" + p.typ
		if p.required {
			items[i] += ", required"
		}
		items[i] += ")"
	}
	return "Parameters: " + strings.Join(items, ", ") + "."
}

func outputBlock(t toolInfo, namesOnly bool) string {
	if len(t.OutputSchema) == 0 {
		return ""
	}
	if len(t.outputs) == 0 {
		return "Returns structured content (see its output schema)."
	}
	if namesOnly {
		names := make([]string, len(t.outputs))
		for i, p := range t.outputs {
			names[i] = p.name
		}
		return "Returns structured content with " + codeList(names) + "."
	}
	return "Returns structured content:\n\n" + paramTable(t.outputs, "Field", descFirst)
}

func exampleBlock(t toolInfo) string {
	if len(t.params) == 0 {
		return ""
	}
	return "Example arguments: " + code(exampleArgs(t.params))
}
