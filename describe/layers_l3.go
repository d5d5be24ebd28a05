package describe

import (
	"fmt"
	"strings"
)

// docs writes L3: README.md, SKILL.md and MCP_INFO.md, each within the
// per-document budget.
func (m *model) docs(prompts []PromptDef, c *condensed) Docs {
	readme := m.fitDoc("README.md", m.budgets.L3, m.readmeSections(prompts), c,
		"files", "usage", "workflows", "prompts", "resources", "tools", "title", "when", "workflows", "prompts", "resources")
	// The front matter is never condensed: the body gets what it leaves.
	front := m.skillFrontMatter()
	skill := front + "\n" + m.fitDoc("SKILL.md", m.budgets.L3-estimateTokens(front)-1, m.skillSections(), c,
		"safety", "guide", "workflow", "when", "safety")
	info := m.fitDoc("MCP_INFO.md", m.budgets.L3, m.infoSections(prompts), c,
		"tools", "generated", "prompts", "resources", "tools", "generated", "resources", "prompts", "layers")
	return Docs{
		README:  boundFile("l3 README.md", readme, c),
		Skill:   boundFile("l3 SKILL.md", skill, c), // the front matter comes first, and stays
		MCPInfo: boundFile("l3 MCP_INFO.md", info, c),
	}
}

func (m *model) fitDoc(name string, budget int, sections []*section, c *condensed, ladder ...string) string {
	text, notes, ok := fit(budget, sections, ladder...)
	for _, n := range notes {
		c.add("l3 "+name, n, "", "")
	}
	if !ok {
		c.add("l3 "+name, "still over budget after condensing", "", "")
	}
	return text
}

// boundFile returns a file's text within maxMarkdownBytes (see
// boundMarkdown), noting for layer when it had to cut.
func boundFile(layer, text string, c *condensed) string {
	text, was := boundMarkdown(text)
	if was {
		c.add(layer, "cut at the file bound of "+sizeName(maxMarkdownBytes), "", "")
	}
	return text
}

// --- README.md

func (m *model) readmeSections(prompts []PromptDef) []*section {
	return []*section{
		newSection("title", m.identity(false)).
			or(m.identity(true), "server description shortened to its first sentence"),
		newSection("when", m.whenToUse(false)).
			or(m.whenToUse(true), "when-to-use shortened"),
		newSection("tools", m.toolTable()).
			or("## Tools\n\n"+strings.TrimPrefix(m.guide(true), "## Tool selection guide\n\n"), "tools listed by name only"),
		newSection("resources", m.resourceBlock(false)).
			or(m.resourceBlock(true), "resources listed by name only").
			or("", "resources dropped"),
		newSection("prompts", m.promptBlock(prompts, false)).
			or(m.promptBlock(prompts, true), "prompts listed by name only").
			or("", "prompts dropped"),
		newSection("workflows", m.workflowBlock(false)).
			or(m.workflowBlock(true), "workflows listed by name only").
			or("", "workflows dropped"),
		newSection("usage", m.usage()).
			or("", "usage example dropped"),
		newSection("files", filesTable).
			or("", "list of self-description files dropped"),
	}
}

func (m *model) toolTable() string {
	if len(m.tools) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("## Tools\n\n| Tool | What it does | Hints |\n|---|---|---|\n")
	for _, t := range m.tools {
		hints := strings.Join(t.hints, ", ")
		if hints == "" {
			hints = "–"
		}
		desc := "No description given."
		if t.summary != "" {
			desc = inline(t.summary)
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(code(t.Name)), cell(desc), hints)
	}
	b.WriteString("\nParameters of every tool: resource " + code(m.schemaURI) + " (schema.md).")
	return b.String()
}

func (m *model) resourceBlock(namesOnly bool) string {
	if len(m.resources)+len(m.templates) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("## Resources\n\n")
	if namesOnly {
		var uris []string
		for _, r := range m.resources {
			uris = append(uris, r.URI)
		}
		for _, t := range m.templates {
			uris = append(uris, t.URITemplate)
		}
		return b.String() + codeList(uris) + "."
	}
	b.WriteString("| URI | What it holds | MIME type |\n|---|---|---|\n")
	for _, r := range m.resources {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(code(r.URI)), cell(itemText(r.Description, r.Title, r.Name)), cell(cmpOrStr(plain(r.MIMEType), "–")))
	}
	for _, t := range m.templates {
		fmt.Fprintf(&b, "| %s (template) | %s | %s |\n", cell(code(t.URITemplate)), cell(itemText(t.Description, t.Title, t.Name)), cell(cmpOrStr(plain(t.MIMEType), "–")))
	}
	return strings.TrimRight(b.String(), "\n")
}

func (m *model) promptBlock(generated []PromptDef, namesOnly bool) string {
	if len(m.prompts)+len(generated) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("## Prompts\n")
	if len(m.prompts) > 0 {
		b.WriteString("\nThe server's own prompts:\n\n")
		for _, p := range m.prompts {
			line := "- " + code(p.Name)
			if args := promptArgNames(p.Arguments); args != "" && !namesOnly {
				line += " (" + args + ")"
			}
			if d := itemText(p.Description, p.Title); d != "" && !namesOnly {
				line += ": " + d
			}
			b.WriteString(line + "\n")
		}
	}
	if len(generated) > 0 {
		b.WriteString("\nStep-by-step prompts of this description:\n\n")
		for _, p := range generated {
			line := "- " + code(p.Name)
			if !namesOnly {
				line += ": " + plain(ensureTerminal(p.Description))
			}
			b.WriteString(line + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// promptArgNames lists argument names as plain text, required ones marked
// with '*'.
func promptArgNames(args []PromptArgument) string {
	names := make([]string, len(args))
	for i, a := range args {
		names[i] = plain(a.Name)
		if a.Required {
			names[i] += "*"
		}
	}
	return strings.Join(names, ", ")
}

func (m *model) workflowBlock(namesOnly bool) string {
	if len(m.workflows) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("## Workflows in this project\n\n")
	for _, w := range m.workflows {
		line := "- " + code(w.Name)
		if w.File != "" {
			line += " (" + code(w.File) + ")"
		}
		if !namesOnly {
			if d := firstSentence(w.Description); d != "" {
				line += ": " + inline(d)
			}
			line += fmt.Sprintf(" %d %s.", len(w.Steps), plural("step", len(w.Steps)))
		}
		b.WriteString(line + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// usage shows how to reach the server through SPINE, with a real call.
func (m *model) usage() string {
	var b strings.Builder
	b.WriteString("## Use it with SPINE\n\n```sh\n")
	b.WriteString("spine tools " + shellWord(m.cfg.Server) + "\n")
	if t, ok := m.exampleTool(); ok {
		b.WriteString("spine call " + shellWord(m.cfg.Server) + " " + shellWord(t.Name))
		if len(t.params) > 0 {
			b.WriteString(" --args '" + strings.ReplaceAll(exampleArgs(t.params), "'", `'\''`) + "'")
		}
		b.WriteString("\n")
	}
	b.WriteString("spine describe --server " + shellWord(m.cfg.Server) + " --out DIR\n```")
	return b.String()
}

// exampleTool picks the tool for an example call: the first read-only one
// that takes arguments, else the first read-only one, else the first.
func (m *model) exampleTool() (toolInfo, bool) {
	for _, pick := range []func(toolInfo) bool{
		func(t toolInfo) bool { return t.readOnly() && len(t.params) > 0 },
		toolInfo.readOnly,
		all,
	} {
		for _, t := range m.tools {
			if pick(t) {
				return t, true
			}
		}
	}
	return toolInfo{}, false
}

const filesTable = `## Self-description files

| File | Layer | Content |
|---|---|---|
| instructions.md | L0 | server instructions: identity, when to use, tool guide, workflow, triggers |
| schema.json, schema.md | L1 | parameter reference of every tool |
| prompts.json | L2 | step-by-step prompts |
| README.md, SKILL.md, MCP_INFO.md | L3 | static documents |`

// --- SKILL.md

// skillFrontMatter is the YAML front matter of SKILL.md: a name made of
// lower-case letters, digits and hyphens (bare unless YAML would read it as
// something else), and the description, quoted (see yaml.go).
func (m *model) skillFrontMatter() string {
	name := slug(m.cfg.Server, '-')
	if len(name) > 64 {
		name = strings.TrimRight(name[:64], "-")
	}
	if name == "" {
		name = "mcp-server"
	}
	return frontMatter([2]string{"name", yamlScalar(name)}, [2]string{"description", yamlString(m.skillDescription())})
}

// skillDescription says what the server does and when to use it, in at
// most 1024 characters (the limit skill loaders apply).
func (m *model) skillDescription() string {
	what := firstSentence(m.cfg.Description)
	if what == "" {
		what = "MCP server " + m.cfg.Server + " with " + m.counts() + "."
	}
	var purposes []string
	for _, t := range m.tools {
		if p, ok := purpose(t.summary); ok {
			purposes = append(purposes, p)
		}
	}
	for n := min(len(purposes), 6); n >= 0; n-- {
		d := what
		if n > 0 {
			d += " Use it to " + strings.Join(purposes[:n], "; ") + "."
		}
		if len(d) <= 1024 {
			return d
		}
	}
	return cutBytes(what, 1024)
}

func (m *model) skillSections() []*section {
	return []*section{
		newSection("title", "# "+plain(m.title)+"\n\nHow to use the MCP server "+code(m.cfg.Server)+", which offers "+m.counts()+"."),
		newSection("when", m.whenToUse(false)).
			or(m.whenToUse(true), "when-to-use shortened"),
		newSection("guide", m.guide(false)).
			or(m.guide(true), "tool selection guide lists tools by name only"),
		newSection("workflow", steps("## Typical workflow", m.workflowSteps(8))).
			or(steps("## Typical workflow", m.workflowSteps(3)), "typical workflow names fewer tools"),
		newSection("safety", m.safety(false)).
			or(m.safety(true), "safety notes shortened").
			or("", "safety notes dropped"),
		newSection("reference", "## Reference\n\n- Parameters: resource "+code(m.schemaURI)+" (schema.md).\n- Server details: MCP_INFO.md.\n- Overview: README.md."),
	}
}

// --- MCP_INFO.md

func (m *model) infoSections(prompts []PromptDef) []*section {
	return []*section{
		newSection("identity", m.infoIdentity()),
		newSection("tools", m.infoTools(true)).
			or(m.infoTools(false), "parameter column dropped from the tool table").
			or(m.infoToolNames(), "tools listed by name only"),
		newSection("resources", m.resourceBlock(false)).
			or(m.resourceBlock(true), "resources listed by name only").
			or("", "resources dropped"),
		newSection("prompts", m.infoPrompts(false)).
			or(m.infoPrompts(true), "prompts listed by name only").
			or("", "prompts dropped"),
		newSection("generated", m.infoGenerated(prompts, false)).
			or(m.infoGenerated(prompts, true), "generated prompts listed by name only").
			or("", "generated prompts dropped"),
		newSection("layers", infoLayers(m.schemaURI)).
			or("", "layer table dropped"),
	}
}

func (m *model) infoIdentity() string {
	var b strings.Builder
	b.WriteString("# MCP info: " + code(m.cfg.Server) + "\n\n| Field | Value |\n|---|---|\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", k, v)
		}
	}
	row("Server", cell(code(m.cfg.Server)))
	if m.title != m.cfg.Server {
		row("Title", cell(plain(m.title)))
	}
	row("Version", cell(plain(m.cfg.Version)))
	if len(m.cfg.Capabilities) > 0 {
		row("Capabilities", cell(codeList(m.cfg.Capabilities)))
	}
	row("Offers", m.counts())
	row("Schema resource", cell(code(m.schemaURI)))
	row("Source hash", cell(code(m.sourceHash)))
	return strings.TrimRight(b.String(), "\n")
}

// hintCell renders a declared hint: yes, no, or – when not declared.
func hintCell(declared bool, v bool) string {
	switch {
	case !declared:
		return "–"
	case v:
		return "yes"
	}
	return "no"
}

func (m *model) infoTools(withParams bool) string {
	if len(m.tools) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## Tools (%d)\n\nBehaviour hints as declared by the server; – means not declared.\n\n", len(m.tools))
	head := "| Tool | Read-only | Destructive | Idempotent | Open world |"
	rule := "|---|---|---|---|---|"
	if withParams {
		head += " Parameters (* required) |"
		rule += "---|"
	}
	b.WriteString(head + "\n" + rule + "\n")
	for _, t := range m.tools {
		a := t.Annotations
		ann := a != nil
		var destructive, openWorld string
		if ann && a.Destructive != nil {
			destructive = hintCell(true, *a.Destructive)
		} else {
			destructive = "–"
		}
		if ann && a.OpenWorld != nil {
			openWorld = hintCell(true, *a.OpenWorld)
		} else {
			openWorld = "–"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |", cell(code(t.Name)),
			hintCell(ann, ann && a.ReadOnly), destructive, hintCell(ann, ann && a.Idempotent), openWorld)
		if withParams {
			var names []string
			for _, p := range t.params {
				if !p.nested {
					n := plain(p.name)
					if p.required {
						n += "*"
					}
					names = append(names, n)
				}
			}
			fmt.Fprintf(&b, " %s |", cmpOrStr(cell(strings.Join(names, ", ")), "–"))
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (m *model) infoToolNames() string {
	if len(m.tools) == 0 {
		return ""
	}
	return fmt.Sprintf("## Tools (%d)\n\n", len(m.tools)) + codeList(m.toolsWhere(all)) + "."
}

func (m *model) infoPrompts(namesOnly bool) string {
	if len(m.prompts) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## Prompts of the server (%d)\n\n", len(m.prompts))
	if namesOnly {
		names := make([]string, len(m.prompts))
		for i, p := range m.prompts {
			names[i] = p.Name
		}
		return b.String() + codeList(names) + "."
	}
	b.WriteString("| Prompt | Arguments (* required) |\n|---|---|\n")
	for _, p := range m.prompts {
		fmt.Fprintf(&b, "| %s | %s |\n", cell(code(p.Name)), cmpOrStr(cell(promptArgNames(p.Arguments)), "–"))
	}
	return strings.TrimRight(b.String(), "\n")
}

func (m *model) infoGenerated(prompts []PromptDef, namesOnly bool) string {
	if len(prompts) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## Step-by-step prompts (%d, L2)\n\n", len(prompts))
	if namesOnly {
		names := make([]string, len(prompts))
		for i, p := range prompts {
			names[i] = p.Name
		}
		return b.String() + codeList(names) + "."
	}
	b.WriteString("| Prompt | Arguments (* required) | Steps |\n|---|---|---|\n")
	for _, p := range prompts {
		fmt.Fprintf(&b, "| %s | %s | %d |\n", cell(code(p.Name)), cmpOrStr(cell(promptArgNames(p.Arguments)), "–"), len(p.Steps))
	}
	return strings.TrimRight(b.String(), "\n")
}

func infoLayers(schemaURI string) string {
	return "## Layers\n\n| Layer | Served as | File |\n|---|---|---|\n" +
		"| L0 | server instructions | instructions.md |\n" +
		"| L1 | resource " + cell(code(schemaURI)) + " | schema.json, schema.md |\n" +
		"| L2 | prompts | prompts.json |\n" +
		"| L3 | static documents | README.md, SKILL.md, MCP_INFO.md |"
}
