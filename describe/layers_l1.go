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
	// schema.json holds every tool; while the file is within maxJSONBytes
	// in full, else by name with a stub for its schema. lean[i] is the size
	// of tool i by name: what the rest must keep room for.
	full := make([]ToolSchema, len(m.tools))
	notes := make([][2]string, len(m.tools)) // why the input, output schema is a stub
	lean := make([]int, len(m.tools))
	reserve := jsonSize(Schema{URI: m.schemaURI, Tools: []ToolSchema{}}, 0)
	for i, t := range m.tools {
		in, inNote, err := boundSchema(t.InputSchema)
		if err != nil {
			return Schema{}, fmt.Errorf("%w: server %q: tool %q: input schema: %v", ErrInvalidConfig, m.cfg.Server, t.Name, err)
		}
		out, outNote, err := boundSchema(t.OutputSchema)
		if err != nil {
			return Schema{}, fmt.Errorf("%w: server %q: tool %q: output schema: %v", ErrInvalidConfig, m.cfg.Server, t.Name, err)
		}
		if inNote != "" || outNote != "" {
			c.add("l1", "schemas over their bound left out of schema.json, a stub in their place", "tool", t.Name)
		}
		full[i] = ToolSchema{
			Name: t.Name, Title: t.Title, Description: t.Description,
			InputSchema: in, OutputSchema: out, Annotations: t.Annotations,
		}
		notes[i] = [2]string{inNote, outNote}
		lean[i] = jsonSize(leanTool(t), 2)
		reserve += lean[i]
	}
	used, shown := 0, 0
	for i, t := range m.tools {
		reserve -= lean[i]
		entry := full[i]
		if size := jsonSize(entry, 2); used+size+reserve <= maxJSONBytes {
			used += size
		} else {
			entry = leanTool(t)
			used += lean[i]
			c.add("l1", fmt.Sprintf("tools listed by name only in schema.json, which stops at %s", sizeName(maxJSONBytes)), "tool", t.Name)
		}
		s.Tools = append(s.Tools, entry)

		// schema.md shows the tools whose sections fit in maxMarkdownBytes,
		// keeping room for the line that says how many more there are.
		if shown < i {
			continue
		}
		section, sectionNotes := m.toolSection(t, notes[i])
		if b.Len()+1+len(section) > maxMarkdownBytes-512 {
			continue
		}
		for _, n := range sectionNotes {
			c.add("l1", n, "tool", t.Name)
		}
		b.WriteString("\n" + section)
		shown++
	}
	if more := len(m.tools) - shown; more > 0 {
		fmt.Fprintf(&b, "\n%s %d more %s not shown: schema.md stops at its bound of %s. schema.json lists every tool.\n",
			truncatedMark, more, plural("tool", more), sizeName(maxMarkdownBytes))
		c.add("l1", fmt.Sprintf("%d %s left out of schema.md, which stops at %s", more, plural("tool", more), sizeName(maxMarkdownBytes)), "", "")
	}
	if left := m.in.totals.tools - len(m.tools); left > 0 {
		fmt.Fprintf(&b, "\nThe server has %d more %s than the %d described here.\n", left, plural("tool", left), len(m.tools))
	}
	s.Markdown = b.String()
	return s, nil
}

// leanTool is a tool in schema.json by name only, when the file has no
// room for more.
func leanTool(t toolInfo) ToolSchema {
	return ToolSchema{
		Name:        t.Name,
		InputSchema: schemaStub(fmt.Sprintf("schema.json stops at %s", sizeName(maxJSONBytes))),
		Annotations: t.Annotations,
	}
}

// toolSection is one tool's part of the markdown reference, within the
// per-tool budget, and what it condensed. stubs say why the input and
// output schemas are stubs in schema.json, if they are.
func (m *model) toolSection(t toolInfo, stubs [2]string) (string, []string) {
	sections := []*section{
		newSection("head", toolHead(t, false)).
			or(toolHead(t, true), "tool descriptions shortened to their first sentence"),
		newSection("hints", toolHints(t)),
		newSection("bounds", schemaBounds(t, stubs)),
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
	if !ok {
		notes = append(notes, "still over budget after condensing")
	}
	return text, notes
}

func toolHead(t toolInfo, short bool) string {
	head := "## " + code(t.Name)
	if title := cmpOrStr(t.Title, annotationTitle(t)); title != "" && title != t.Name {
		head += " — " + plain(title)
	}
	desc := strings.TrimSpace(t.Description)
	switch {
	case desc == "":
		return head + "\n\nNo description given."
	case short:
		return head + "\n\n" + inline(firstSentence(desc))
	}
	return head + "\n\n" + block(desc)
}

// schemaBounds says what of a tool's schemas was left out, if anything.
func schemaBounds(t toolInfo, stubs [2]string) string {
	var parts []string
	if stubs[0] != "" {
		parts = append(parts, "The input schema is left out of schema.json: "+stubs[0]+".")
	}
	if stubs[1] != "" {
		parts = append(parts, "The output schema is left out of schema.json: "+stubs[1]+".")
	}
	switch {
	case len(t.InputSchema) > maxSchemaReadBytes:
		parts = append(parts, "Its parameters are not listed: the schema is too large to read.")
	case t.moreParams > 0:
		parts = append(parts, fmt.Sprintf("%s %d more %s not listed.", truncatedMark, t.moreParams, plural("parameter", t.moreParams)))
	}
	return strings.Join(parts, " ")
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
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(code(p.name)), cell(plain(p.typ)), req, cell(paramDesc(p, level)))
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
			parts = append(parts, inline(d))
		}
	case descFirst:
		if d := firstSentence(p.description); d != "" {
			parts = append(parts, inline(d))
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
		items[i] = code(p.name) + " (" + plain(p.typ)
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
