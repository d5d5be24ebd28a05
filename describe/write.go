package describe

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// files are the files WriteDir writes for each server, in order.
var files = []string{
	"instructions.md", "schema.json", "schema.md", "prompts.json",
	"README.md", "SKILL.md", "MCP_INFO.md",
}

// WriteDir writes r as files in dir/<server>/: instructions.md (L0),
// schema.json and schema.md (L1), prompts.json (L2), README.md, SKILL.md
// and MCP_INFO.md (L3). JSON is indented. Directories are made 0o755,
// files 0o644; existing files are replaced.
func WriteDir(dir string, r Result) error {
	if r.Server == "" || r.Server == "." || r.Server == ".." || strings.ContainsAny(r.Server, `/\`) {
		return fmt.Errorf("describe: server name %q can't name a directory", r.Server)
	}
	contents, err := descriptionFiles(r)
	if err != nil {
		return err
	}
	out := filepath.Join(dir, r.Server)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("describe %q: %w", r.Server, err)
	}
	for _, name := range files {
		if err := os.WriteFile(filepath.Join(out, name), []byte(contents[name]), 0o644); err != nil {
			return fmt.Errorf("describe %q: %w", r.Server, err)
		}
	}
	return nil
}

// Markdown renders all four layers and the metadata as one readable
// document (what `spine describe --output markdown` prints). The metadata,
// prompts and documents are escaped or fenced as they come (a builder
// wrote them in delegated mode); L0 and L1 are embedded as markdown, their
// headings demoted below the document's own.
func Markdown(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Self-description of %s\n\n", code(r.Server))
	mode := plain(r.Metadata.Mode)
	if r.Metadata.FallbackReason != "" {
		mode += " (fallback: " + plain(r.Metadata.FallbackReason) + ")"
	}
	fmt.Fprintf(&b, "Mode: %s. Generator: %s.\n\n", mode, plain(r.Metadata.Generator))

	b.WriteString("## L0: server instructions\n\n")
	b.WriteString(demoteHeadings(strings.TrimSpace(r.Instructions), 2) + "\n\n")

	fmt.Fprintf(&b, "## L1: parameter reference (%s)\n\n", code(r.Schema.URI))
	b.WriteString(demoteHeadings(strings.TrimSpace(r.Schema.Markdown), 2) + "\n\n")

	b.WriteString("## L2: prompts\n\n")
	if len(r.Prompts) == 0 {
		b.WriteString("No prompts.\n\n")
	}
	for _, p := range r.Prompts {
		fmt.Fprintf(&b, "### %s\n\n%s\n\n", code(p.Name), plain(ensureTerminal(collapse(p.Description))))
		if len(p.Arguments) > 0 {
			b.WriteString("Arguments:\n\n")
			for _, a := range p.Arguments {
				req := ""
				if a.Required {
					req = " (required)"
				}
				fmt.Fprintf(&b, "- %s%s: %s\n", code(a.Name), req, inline(a.Description))
			}
			b.WriteString("\n")
		}
		b.WriteString(fenced("text", p.Text) + "\n")
	}

	b.WriteString("## L3: static documents\n\n")
	for _, d := range []struct{ name, text string }{
		{"README.md", r.Docs.README}, {"SKILL.md", r.Docs.Skill}, {"MCP_INFO.md", r.Docs.MCPInfo},
	} {
		fmt.Fprintf(&b, "### %s\n\n%s\n", d.name, fenced("markdown", d.text))
	}

	b.WriteString("## Metadata\n\n")
	b.WriteString(metadataTable(r.Metadata))
	return b.String()
}

func metadataTable(md Metadata) string {
	var b strings.Builder
	b.WriteString("| Layer | Tokens (estimate) | Budget |\n|---|---|---|\n")
	rows := []struct {
		layer, key string
		budget     int
		per        string
	}{
		{"L0 instructions", "l0", md.Budgets.L0, ""},
		{"L1 parameter reference", "l1", md.Budgets.L1, "l1_max_tool"},
		{"L2 prompts", "l2", md.Budgets.L2, "l2_max_prompt"},
		{"L3 documents", "l3", md.Budgets.L3, "l3_max_doc"},
	}
	for _, r := range rows {
		tokens := fmt.Sprint(md.Tokens[r.key])
		budget := fmt.Sprint(r.budget)
		if r.per != "" {
			tokens += fmt.Sprintf(" (largest unit %d)", md.Tokens[r.per])
			budget += " per unit"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.layer, tokens, budget)
	}
	if len(md.Condensed) > 0 {
		b.WriteString("\nCondensed to stay within budget:\n\n")
		for _, c := range md.Condensed {
			b.WriteString("- " + inline(c) + "\n")
		}
	}
	if md.SourceHash != "" {
		b.WriteString("\nSource hash: " + code(md.SourceHash) + "\n")
	}
	return b.String()
}
