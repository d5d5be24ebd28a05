package describe

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ComposeOptions says how Compose writes the instructions of many servers.
// The zero value writes them within DefaultBudgets.L0, with tools and
// schema resources named as each server names them.
type ComposeOptions struct {
	// Budget caps the whole text, in tokens. Default: DefaultBudgets.L0.
	Budget int
	// Title is the text's heading. Default: "MCP servers".
	Title string
	// ToolName is the name under which a client sees a server's tool (a
	// gateway may prefix it: "demo__echo"). Default: the tool's own name.
	ToolName func(server, tool string) string
	// SchemaURI is the URI of a server's L1 resource as a client reads it.
	// Default: "<server>://schema".
	SchemaURI func(server string) string
}

// Composition is one instructions text for many servers.
type Composition struct {
	Instructions string   `json:"instructions"` // markdown, within Budget unless Condensed says otherwise
	Servers      []string `json:"servers"`      // the servers described, in the text's order (by name)
	Tokens       int      `json:"tokens"`       // estimate of Instructions
	Budget       int      `json:"budget"`       // the budget in force
	Condensed    []string `json:"condensed,omitempty"`
}

// Compose writes one L0 for a set of servers, for a client that reaches
// them all through one endpoint: which server to use for what, then for
// each server what it is for, how to choose among its tools, and its own
// instructions. Text over the budget is condensed with the ladder L0 uses,
// a section at a time and round-robin across servers, so that no server
// loses more than the others; a server's own instructions are shortened
// (to a paragraph, a sentence, a clip of its share of the budget) but
// never dropped.
//
// Each Result contributes what it was made from (Result.Source); a Result
// without a source (decoded from JSON) contributes its L1 tools. Servers
// are described in name order, so the text depends on the set, not on the
// order of results. Server text is escaped as in every layer. Compose
// fails only for a result without a server name, or a server listed twice.
func Compose(results []Result, opts ComposeOptions) (Composition, error) {
	budget := positiveOr(opts.Budget, DefaultBudgets.L0)
	cfgs := make([]Config, 0, len(results))
	for i, r := range results {
		cfg := composeSource(r)
		if cfg.Server == "" {
			return Composition{}, fmt.Errorf("%w: compose: result #%d has no server name", ErrInvalidConfig, i+1)
		}
		if err := cfg.validate(); err != nil {
			return Composition{}, fmt.Errorf("compose: %w", err)
		}
		cfgs = append(cfgs, cfg)
	}
	slices.SortStableFunc(cfgs, func(a, b Config) int { return cmp.Compare(a.Server, b.Server) })
	for i := 1; i < len(cfgs); i++ {
		if cfgs[i].Server == cfgs[i-1].Server {
			return Composition{}, fmt.Errorf("%w: compose: server %q is listed twice", ErrInvalidConfig, cfgs[i].Server)
		}
	}

	models := make([]*model, len(cfgs))
	names := make([]string, len(cfgs))
	for i, cfg := range cfgs {
		names[i] = cfg.Server
		m := newModel(cfg, Budgets{L0: budget}.orDefaults(DefaultBudgets), "")
		if opts.ToolName != nil {
			// Renamed after the analysis: a tool's role comes from its own name's verb.
			for j := range m.tools {
				m.tools[j].Name = opts.ToolName(cfg.Server, m.tools[j].Name)
			}
			slices.SortStableFunc(m.tools, func(a, b toolInfo) int { return cmp.Compare(a.Name, b.Name) })
		}
		if opts.SchemaURI != nil {
			m.schemaURI = opts.SchemaURI(cfg.Server)
		}
		models[i] = m
	}

	var c condensed
	for _, m := range models {
		c.merge(&m.in.notes)
	}
	title := cmp.Or(strings.TrimSpace(opts.Title), "MCP servers")
	sections := []*section{newSection("intro", composeIntro(title, models))}
	sections = append(sections, newSection("routes", routes(models, false)).
		or(routes(models, true), "which-server list shortened"))
	share := budget / max(1, 4*len(models)) // the clip of a server's own instructions
	for _, m := range models {
		sections = append(sections, m.composedSections(share)...)
	}
	text, notes, ok := fit(budget, sections, composeLadder(names)...)
	for _, n := range notes {
		if server, note, ok := strings.Cut(n, "\x00"); ok {
			c.add("compose", note, "server", server)
		} else {
			c.add("compose", n, "", "")
		}
	}
	if !ok {
		c.add("compose", fmt.Sprintf("still over budget after condensing (%d of %d tokens)", estimateTokens(text), budget), "", "")
	}
	text = boundFile("compose", text, &c)
	return Composition{
		Instructions: text,
		Servers:      names,
		Tokens:       estimateTokens(text),
		Budget:       budget,
		Condensed:    c.list(),
	}, nil
}

// composeSource is what r was made from, or, for a Result without its
// source, what its L1 says about the tools.
func composeSource(r Result) Config {
	if r.Source.Server != "" {
		return r.Source
	}
	cfg := Config{Server: r.Server}
	for _, t := range r.Schema.Tools {
		cfg.Tools = append(cfg.Tools, Tool{
			Name: t.Name, Title: t.Title, Description: t.Description,
			InputSchema: t.InputSchema, OutputSchema: t.OutputSchema, Annotations: t.Annotations,
		})
	}
	return cfg
}

// composeIntro says what the text is: one client, many servers.
func composeIntro(title string, models []*model) string {
	n := strconv.Itoa(len(models)) + " MCP servers"
	if len(models) == 1 {
		n = "1 MCP server"
	}
	return "# " + plain(title) + "\n\nThis endpoint serves " + n +
		". Choose the server by the task (below), then the tool by its server's selection guide."
}

// routes is the list that says which server to use for what.
func routes(models []*model, short bool) string {
	if len(models) == 0 {
		return "No servers are available at the moment."
	}
	var b strings.Builder
	b.WriteString("## Which server for what\n")
	for _, m := range models {
		line := "\n- " + code(m.cfg.Server)
		if m.title != m.cfg.Server && !short {
			line += " (" + plain(m.title) + ")"
		}
		line += ": " + m.route(short)
		b.WriteString(line)
	}
	return b.String()
}

// route says in one line what a server is for: what its main tools do,
// else its description, else its tools by name.
func (m *model) route(short bool) string {
	limit := 2
	if short {
		limit = 1
	}
	var purposes []string
	for _, group := range [][]string{m.lookTools(), m.toolsWhere(func(t toolInfo) bool { return t.role == roleWrite })} {
		for _, name := range group {
			if p, ok := purpose(m.tool(name).summary); ok && len(purposes) < limit {
				purposes = append(purposes, inline(p))
			}
		}
	}
	count := strconv.Itoa(m.in.totals.tools) + " tools"
	if m.in.totals.tools == 1 {
		count = "1 tool"
	}
	switch {
	case len(purposes) > 0:
		return "to " + strings.Join(purposes, "; or to ") + " (" + count + ")."
	case strings.TrimSpace(m.cfg.Description) != "":
		return inline(firstSentence(m.cfg.Description)) + " (" + count + ")"
	case len(m.tools) > 0:
		return "tools " + firstNames(m.toolsWhere(all), 4) + "."
	case len(m.resources)+len(m.templates) > 0:
		return "its resources."
	default:
		return "nothing at the moment (no tools or resources)."
	}
}

// composedSections are one server's part of a composed L0. Each note is
// prefixed with the server's name and a NUL, for Compose to attribute it.
func (m *model) composedSections(share int) []*section {
	key := func(s string) string { return m.cfg.Server + "\x00" + s }
	note := key
	upstream := strings.TrimSpace(m.cfg.Instructions)
	sub := func(text string) string { return demoteHeadings(text, 1) }
	return []*section{
		newSection(key("identity"), m.composedIdentity(false)).
			or(m.composedIdentity(true), note("server description shortened to its first sentence")).
			or("## "+code(m.cfg.Server), note("identity shortened to the server's name")),
		newSection(key("when"), sub(m.whenToUse(false))).
			or(sub(m.whenToUse(true)), note("when-to-use shortened")).
			or("", note("when-to-use dropped")),
		newSection(key("guide"), sub(m.guide(false))).
			or(sub(m.guide(true)), note("tool selection guide lists tools by name only")),
		newSection(key("safety"), sub(m.safety(true))).
			or("", note("safety notes dropped")),
		// Condensed, never dropped: they are the server's own word.
		newSection(key("upstream"), sub(upstreamBlock(upstream))).
			or(sub(upstreamBlock(firstParagraph(upstream))), note("the server's own instructions shortened to their first paragraph")).
			or(sub(upstreamBlock(firstSentence(upstream))), note("the server's own instructions shortened to their first sentence")).
			or(sub(upstreamBlock(m.clip(firstSentence(upstream), share))), note("the server's own instructions cut to their share of the budget")),
	}
}

// composedIdentity heads a server's part: its name, title, version and what
// it says it is.
func (m *model) composedIdentity(short bool) string {
	head := code(m.cfg.Server)
	if m.title != m.cfg.Server {
		head += ": " + plain(m.title)
	}
	if m.cfg.Version != "" {
		head += " " + plain(m.cfg.Version)
	}
	text := "## " + head
	if d := strings.TrimSpace(m.cfg.Description); d != "" {
		if short {
			d = firstSentence(d)
		} else {
			d = summary(d)
		}
		text += "\n\n" + inline(d)
	}
	return text // the selection guide names the schema resource
}

// composeLadder condenses round-robin: each step takes one section of
// every server one form leaner before any server's section goes further.
func composeLadder(servers []string) []string {
	steps := []string{
		"safety", "when", "upstream", "guide", "identity", "when", "upstream", "safety", "upstream", "identity",
	}
	var ladder []string
	for _, s := range steps {
		for _, name := range servers {
			ladder = append(ladder, name+"\x00"+s)
		}
	}
	return append(ladder, "routes")
}
