package describe

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// instructions writes L0: the text a client puts in front of an agent
// before it uses the server.
func (m *model) instructions(prompts []PromptDef, c *condensed) string {
	upstream := strings.TrimSpace(m.cfg.Instructions)
	sections := []*section{
		newSection("identity", m.identity(false)).
			or(m.identity(true), "server description shortened to its first sentence"),
		newSection("upstream", upstreamBlock(upstream)).
			or(upstreamBlock(firstParagraph(upstream)), "the server's own instructions shortened to their first paragraph").
			or(upstreamBlock(firstSentence(upstream)), "the server's own instructions shortened to their first sentence").
			or(upstreamBlock(m.clip(firstSentence(upstream), m.budgets.L0/4)), "the server's own instructions cut to a quarter of the budget").
			or("", "the server's own instructions dropped"),
		newSection("when", m.whenToUse(false)).
			or(m.whenToUse(true), "when-to-use shortened").
			or("", "when-to-use dropped"),
		newSection("guide", m.guide(false)).
			or(m.guide(true), "tool selection guide lists tools by name only"),
		newSection("workflow", steps("## Typical workflow", m.workflowSteps(8))).
			or(steps("## Typical workflow", m.workflowSteps(3)), "typical workflow names fewer tools").
			or("", "typical workflow dropped"),
		newSection("safety", m.safety(false)).
			or(m.safety(true), "safety notes shortened").
			or("", "safety notes dropped"),
		newSection("catalog", m.catalog(false)).
			or(m.catalog(true), "resources and prompts listed by name only").
			or("", "resources and prompts dropped"),
		newSection("triggers", m.triggers()).
			or("", "triggers dropped"),
		newSection("more", m.more(prompts, false)).
			or(m.more(prompts, true), "pointers to the other layers shortened").
			or("", "pointers to the other layers dropped"),
	}
	text, notes, ok := fit(m.budgets.L0, sections,
		"triggers", "catalog", "upstream", "safety", "more", "guide", "workflow",
		"catalog", "upstream", "identity", "when",
		// Last resorts, for budgets too small for a useful text.
		"more", "workflow", "safety", "when", "upstream")
	for _, n := range notes {
		c.add("l0", n, "", "")
	}
	if !ok {
		c.add("l0", fmt.Sprintf("still over budget after condensing (%d of %d tokens)", estimateTokens(text), m.budgets.L0), "", "")
	}
	return boundFile("l0", text, c)
}

// identity is the heading: name, version, what the server is, what it offers.
func (m *model) identity(short bool) string {
	var b strings.Builder
	head := plain(m.title)
	if m.title != m.cfg.Server {
		head += " (" + code(m.cfg.Server) + ")"
	} else {
		head = code(m.cfg.Server)
	}
	if m.cfg.Version != "" {
		head += " " + plain(m.cfg.Version)
	}
	b.WriteString("# " + head + "\n\n")
	if d := strings.TrimSpace(m.cfg.Description); d != "" {
		if short {
			d = firstSentence(d)
		} else {
			d = summary(d)
		}
		b.WriteString(inline(d) + "\n\n")
	}
	b.WriteString(code(m.cfg.Server) + " is an MCP server that offers " + m.counts() + ".")
	return b.String()
}

// counts says how many tools, resources and prompts the server has.
func (m *model) counts() string {
	count := func(n int, what string) string {
		if n == 1 {
			return "1 " + what
		}
		return strconv.Itoa(n) + " " + what + "s"
	}
	// The server's own counts, including what was left out (see input).
	total := m.in.totals
	parts := []string{count(total.tools, "tool")}
	if n := total.resources; n > 0 {
		parts = append(parts, count(n, "resource"))
	}
	if n := total.templates; n > 0 {
		parts = append(parts, count(n, "resource template"))
	}
	if n := total.prompts; n > 0 {
		parts = append(parts, count(n, "prompt"))
	}
	return joinAnd(parts)
}

// clip cuts s to the runes of tokens (see cut).
func (m *model) clip(s string, tokens int) string {
	s, _ = cut(s, max(tokens*runesPerToken, 2*len(truncatedMark)))
	return s
}

func upstreamBlock(text string) string {
	if text == "" {
		return ""
	}
	return "## From the server\n\n" + block(text)
}

// firstParagraph returns text up to its first blank line.
func firstParagraph(text string) string {
	text = strings.TrimSpace(text)
	if i := strings.Index(text, "\n\n"); i >= 0 {
		return text[:i]
	}
	return text
}

// whenToUse says what the server is for: what its main tools do (look-up
// tools first, then the ones that change things), and which tools are safe.
func (m *model) whenToUse(short bool) string {
	limit := 3
	if short {
		limit = 2
	}
	var purposes []string
	for _, group := range [][]string{m.lookTools(), m.toolsWhere(func(t toolInfo) bool { return t.role == roleWrite })} {
		for _, name := range group {
			if len(purposes) == limit {
				break
			}
			if p, ok := purpose(m.tool(name).summary); ok {
				purposes = append(purposes, inline(p))
			}
		}
	}
	var b strings.Builder
	b.WriteString("## When to use\n\n")
	switch {
	case len(purposes) > 0:
		purposes = purposes[:min(limit, len(purposes))]
		b.WriteString("Use " + code(m.cfg.Server) + " when a task needs to " + strings.Join(purposes, "; or ") + ".")
		if len(m.tools) > len(purposes) {
			fmt.Fprintf(&b, " The tool selection guide covers all %d tools.", len(m.tools))
		}
	case len(m.tools) > 0:
		b.WriteString("Use " + code(m.cfg.Server) + " when a task needs one of its tools: " + firstNames(m.toolsWhere(all), 8) + ".")
	case len(m.resources)+len(m.templates) > 0:
		b.WriteString("Use " + code(m.cfg.Server) + " to read its resources.")
	default:
		b.WriteString(code(m.cfg.Server) + " offers no tools or resources at the moment.")
	}
	if short {
		return b.String()
	}
	if ro := m.toolsWhere(toolInfo.readOnly); len(ro) > 0 {
		b.WriteString("\n\n- To look things up without changing anything: " + firstNames(ro, 8) + " (declared read-only).")
	}
	if w := m.toolsWhere(func(t toolInfo) bool { return t.role == roleWrite || t.role == roleDestroy }); len(w) > 0 {
		b.WriteString("\n- To change things: " + firstNames(w, 8) + ".")
	}
	return b.String()
}

func all(toolInfo) bool { return true }

// guideGroups are the guide's groups, in the order an agent should consider them.
var guideGroups = []struct {
	role  role
	title string
}{
	{roleRead, "Look up or compute"},
	{roleWrite, "Change things"},
	{roleDestroy, "Destructive (confirm with the user first)"},
	{roleOther, "Other"},
}

// guide is the tool selection guide: "to X, use `tool`", grouped by role.
func (m *model) guide(namesOnly bool) string {
	if len(m.tools) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("## Tool selection guide\n")
	for _, g := range guideGroups {
		names := m.toolsWhere(func(t toolInfo) bool { return t.role == g.role })
		if len(names) == 0 {
			continue
		}
		if namesOnly {
			b.WriteString("\n" + g.title + ": " + codeList(names) + ".\n")
			continue
		}
		b.WriteString("\n" + g.title + ":\n")
		for _, t := range m.tools {
			if t.role == g.role {
				b.WriteString("- " + guideLine(t) + "\n")
			}
		}
	}
	b.WriteString("\nParameters of every tool: resource " + code(m.schemaURI) + ".")
	return b.String()
}

// guideLine is one entry of the guide.
func guideLine(t toolInfo) string {
	if p, ok := purpose(t.summary); ok {
		return "To " + inline(p) + ", use " + code(t.Name) + "."
	}
	if t.summary != "" {
		return code(t.Name) + ": " + inline(t.summary)
	}
	return code(t.Name) + " (no description given)."
}

// workflowSteps is the typical order of work with the server, naming at
// most limit items per step.
func (m *model) workflowSteps(limit int) []string {
	var out []string
	if len(m.resources) > 0 {
		uris := make([]string, len(m.resources))
		for i, r := range m.resources {
			uris[i] = r.URI
		}
		out = append(out, "Read "+firstNames(uris, limit)+" for context.")
	}
	look := m.lookTools()
	change := m.toolsWhere(func(t toolInfo) bool { return t.role == roleWrite })
	destroy := m.toolsWhere(func(t toolInfo) bool { return t.role == roleDestroy })
	other := m.toolsWhere(func(t toolInfo) bool { return t.role == roleOther })
	if len(look) > 0 {
		out = append(out, "Look before you change anything: start with "+firstNames(look, limit)+".")
	}
	if len(change) > 0 {
		out = append(out, "Make the change with "+firstNames(change, limit)+", one call at a time, checking each result.")
	}
	if len(other) > 0 {
		out = append(out, "Use "+firstNames(other, limit)+" only when the task calls for them; they declare no behaviour hints.")
	}
	if len(destroy) > 0 {
		out = append(out, "Call "+firstNames(destroy, limit)+" only when the user asked for exactly that, after confirming.")
	}
	if len(look) > 0 && len(change)+len(destroy) > 0 {
		out = append(out, "Check the outcome with a look-up tool before you report back.")
	}
	return out
}

// safety states the behaviour hints the server declared, and what follows
// from them for retries and confirmation.
func (m *model) safety(short bool) string {
	if len(m.tools) == 0 {
		return ""
	}
	limit := 12
	if short {
		limit = 4
	}
	var lines []string
	add := func(names []string, text string) {
		if len(names) > 0 {
			lines = append(lines, "- "+firstNames(names, limit)+": "+text)
		}
	}
	if !short {
		add(m.toolsWhere(toolInfo.readOnly), "declared read-only; safe to call at any time and to retry.")
		add(m.toolsWhere(func(t toolInfo) bool { return !t.readOnly() && t.idempotent() }),
			"declared idempotent; repeating a call with the same arguments has no further effect.")
	}
	add(m.toolsWhere(func(t toolInfo) bool { return t.role == roleDestroy }),
		"destructive; confirm with the user before calling.")
	add(m.toolsWhere(func(t toolInfo) bool { return t.Annotations != nil && !t.idempotent() && t.role != roleDestroy }),
		"not idempotent; after a timeout or a lost connection, check what happened before calling again.")
	if !short {
		add(m.toolsWhere(func(t toolInfo) bool { return t.Annotations == nil }),
			"no behaviour hints declared; assume they may change things.")
	}
	var b strings.Builder
	b.WriteString("## Safety and retries\n\n")
	b.WriteString(strings.Join(lines, "\n"))
	if len(lines) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("- A result marked isError is the tool's answer: read the message and correct the arguments rather than repeating the call unchanged.")
	if m.hasCapability("tools.list_changed") {
		b.WriteString("\n- The tool list can change while you work; list the tools again when told it changed.")
	}
	return b.String()
}

// catalog lists the resources, resource templates and prompts the server offers.
func (m *model) catalog(namesOnly bool) string {
	if len(m.resources)+len(m.templates)+len(m.prompts) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("## Resources and prompts\n\n")
	item := func(name, desc string) {
		line := "- " + code(name)
		if desc != "" && !namesOnly {
			line += ": " + desc
		}
		b.WriteString(line + "\n")
	}
	if namesOnly {
		var parts []string
		if len(m.resources) > 0 {
			uris := make([]string, len(m.resources))
			for i, r := range m.resources {
				uris[i] = r.URI
			}
			parts = append(parts, "Resources: "+codeList(uris)+".")
		}
		if len(m.templates) > 0 {
			uris := make([]string, len(m.templates))
			for i, t := range m.templates {
				uris[i] = t.URITemplate
			}
			parts = append(parts, "Resource templates: "+codeList(uris)+".")
		}
		if len(m.prompts) > 0 {
			names := make([]string, len(m.prompts))
			for i, p := range m.prompts {
				names[i] = p.Name
			}
			parts = append(parts, "Prompts: "+codeList(names)+".")
		}
		return b.String() + strings.Join(parts, "\n")
	}
	for _, r := range m.resources {
		item(r.URI, itemText(r.Description, r.Title, r.Name))
	}
	for _, t := range m.templates {
		item(t.URITemplate, itemText(t.Description, t.Title, t.Name))
	}
	for _, p := range m.prompts {
		name := p.Name
		if len(p.Arguments) > 0 {
			args := make([]string, len(p.Arguments))
			for i, a := range p.Arguments {
				args[i] = a.Name
			}
			name += "(" + strings.Join(args, ", ") + ")"
		}
		item(name, itemText(p.Description, p.Title))
	}
	return strings.TrimRight(b.String(), "\n")
}

// itemText is the first sentence of an item's description, as markdown;
// without a description, of its title or name, as plain text.
func itemText(description string, titleOrName ...string) string {
	if d := firstSentence(description); d != "" {
		return inline(d)
	}
	return plain(firstSentence(cmpOrStr(titleOrName...)))
}

// cmpOrStr returns the first non-blank string.
func cmpOrStr(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// stopWords carry no meaning as triggers.
var stopWords = map[string]bool{
	"get": true, "set": true, "list": true, "the": true, "and": true, "for": true, "with": true,
	"from": true, "all": true, "new": true, "tool": true, "tools": true, "mcp": true, "server": true,
	"ids": true, "by": true, "of": true, "to": true, "in": true, "on": true, "id": true, "a": true, "an": true,
}

// triggers lists what, in a request, should make an agent reach for the server.
func (m *model) triggers() string {
	seen := map[string]bool{}
	var words []string
	addWords := func(s string) {
		for _, w := range nameWords(s) {
			if len(w) < 3 || stopWords[w] || seen[w] || isNumber(w) {
				continue
			}
			seen[w] = true
			words = append(words, w)
		}
	}
	addWords(m.cfg.Server)
	addWords(m.title)
	for _, t := range m.tools {
		addWords(t.Name)
	}
	for _, p := range m.prompts {
		addWords(p.Name)
	}
	for _, r := range m.resources {
		addWords(r.Name)
	}
	slices.Sort(words)
	if len(words) > 30 {
		words = words[:30]
	}
	if len(words) == 0 {
		return ""
	}
	return "## Triggers\n\nReach for " + code(m.cfg.Server) + " when a request mentions: " + strings.Join(words, ", ") + "."
}

func isNumber(w string) bool {
	_, err := strconv.Atoi(w)
	return err == nil
}

// more points to the other layers.
func (m *model) more(prompts []PromptDef, short bool) string {
	var b strings.Builder
	b.WriteString("## More\n\n")
	b.WriteString("- Parameters of every tool, with JSON Schema: resource " + code(m.schemaURI) + ".\n")
	if len(prompts) > 0 {
		names := make([]string, len(prompts))
		for i, p := range prompts {
			names[i] = p.Name
		}
		limit := 12
		if short {
			limit = 3
		}
		b.WriteString("- Step-by-step prompts: " + firstNames(names, limit) + ".\n")
	}
	if len(m.workflows) > 0 && !short {
		var ws []string
		for _, w := range m.workflows {
			ws = append(ws, w.Name)
		}
		b.WriteString("- Project workflows that use it: " + firstNames(ws, 8) + ".\n")
	}
	return b.String()
}
