package describe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// The bounds on what a server sends and on what the generator writes, all
// in one place. Budgets are targets that condensing aims for; these are
// hard: a text over its bound is cut, on a rune boundary, and ends with
// truncatedMark.
//
// A single text is cut to the budget of the layer that shows it in full
// (see textCaps), so that no one text can take more than its whole layer.
// Counts are bounded so that the files, which list every tool, stay
// bounded too; and each file has an overall bound that holds whatever the
// budgets.
const (
	// truncatedMark ends every text that was cut.
	truncatedMark = "… (truncated)"

	// runesPerToken is how estimateTokens counts: a budget of n tokens
	// holds n*runesPerToken runes.
	runesPerToken = 4

	// maxNameRunes bounds a name: of a tool, prompt, argument, parameter,
	// resource (its URI too), MIME type, version, capability, workflow
	// step. MCP asks for tool names of at most 128 characters; URIs get
	// twice that. A name is one line of a heading or a table cell.
	maxNameRunes = 256
	// maxTitleRunes bounds a display title, one line of a heading.
	maxTitleRunes = 256
	// maxLiteralRunes bounds a value from a schema shown in a table (an
	// enum value, a default, a bound): a cell is no place for more.
	maxLiteralRunes = 120
	// maxTextRunes bounds any free text whatever the budgets say: 64 Ki
	// runes (16 Ki tokens), 16 times the default L0 budget.
	maxTextRunes = 64 << 10

	// maxItems bounds the tools, resources, resource templates, prompts
	// and capabilities described per server; past it, the first ones in
	// name order are described and the rest are counted. Real servers
	// offer tens of tools; an agent can't choose among thousands.
	maxItems = 1000
	// maxParams bounds the parameter rows read from one schema, and the
	// arguments of one prompt.
	maxParams = 100

	// maxSchemaBytes bounds one JSON Schema as schema.json holds it
	// (indented): 64 KiB is many times the schemas of real tools. A larger
	// schema is replaced by a stub that says so.
	maxSchemaBytes = 64 << 10
	// maxSchemaReadBytes bounds the schema that is read at all, for its
	// parameters: past 1 MiB, a schema has no parameter rows.
	maxSchemaReadBytes = 1 << 20

	// maxMarkdownBytes bounds each markdown file: instructions.md,
	// schema.md, README.md, SKILL.md, MCP_INFO.md. 1 MiB (about 256 Ki
	// tokens) is more than an agent reads at once, and the bound on what a
	// template may render.
	maxMarkdownBytes = 1 << 20
	// maxJSONBytes bounds schema.json and prompts.json as WriteDir writes
	// them (indented): 4 MiB, room for maxItems tools whatever their texts.
	maxJSONBytes = 4 << 20
)

// textCaps are the most runes the model keeps of each kind of server text:
// the budget of the layer that shows it in full, or the smallest budget
// among the layers that do. With DefaultBudgets they are 4,096 runes for
// the instructions, the server's description and the descriptions of
// resources, templates, prompts and workflows, and 2,048 for a tool's
// description and a parameter's.
type textCaps struct {
	instructions int // L0 shows them in full, and nothing else: L0
	serverDesc   int // L0's identity and README.md's: min(L0, L3)
	toolDesc     int // one tool's section of schema.md: L1
	paramDesc    int // a schema.md table cell, an L2 argument: min(L1, L2)
	itemDesc     int // resources, templates and prompts in L0 and L3 lists: min(L0, L3)
	workflowDesc int // L2 workflow prompts and README.md: min(L2, L3)
}

func capsFor(b Budgets) textCaps {
	runes := func(tokens ...int) int { return min(slices.Min(tokens)*runesPerToken, maxTextRunes) }
	return textCaps{
		instructions: runes(b.L0),
		serverDesc:   runes(b.L0, b.L3),
		toolDesc:     runes(b.L1),
		paramDesc:    runes(b.L1, b.L2),
		itemDesc:     runes(b.L0, b.L3),
		workflowDesc: runes(b.L2, b.L3),
	}
}

// cut returns s cut to at most n runes, the last of them truncatedMark,
// and whether it cut. It reads no further into s than it keeps.
func cut(s string, n int) (string, bool) {
	mark := utf8.RuneCountInString(truncatedMark)
	count, keep := 0, -1
	for i := range s {
		if count == n-mark {
			keep = i
		}
		if count == n {
			if keep < 0 {
				keep = 0
			}
			return strings.TrimRight(s[:keep], " \n") + truncatedMark, true
		}
		count++
	}
	return s, false
}

// cutBytes returns s cut to at most n bytes on a rune boundary, the last
// of them truncatedMark.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	keep := max(n-len(truncatedMark), 0)
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return strings.TrimRight(s[:keep], " \n") + truncatedMark
}

// boundMarkdown returns a markdown file's text within maxMarkdownBytes:
// cut at the last line break that leaves room for a closing fence and a
// last line saying so, and whether it cut.
func boundMarkdown(text string) (string, bool) {
	if len(text) <= maxMarkdownBytes {
		return text, false
	}
	note := fmt.Sprintf("\n%s This file stops at its bound of %s.\n", truncatedMark, sizeName(maxMarkdownBytes))
	room := maxMarkdownBytes - len(note) - 64 // 64: a closing fence and its line breaks
	keep := text[:strings.LastIndexByte(text[:room], '\n')+1]
	if f := openFence(keep); f != "" {
		keep += f + "\n"
	}
	return keep + note, true
}

// sizeName writes a byte count for people: "1 MiB", "64 KiB", "300 bytes".
func sizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// jsonSize is the size of v as WriteDir writes it at the given depth of
// nesting: indented by two spaces a level, HTML left as it is.
func jsonSize(v any, depth int) int {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(strings.Repeat("  ", depth), "  ")
	if err := enc.Encode(v); err != nil {
		return 0
	}
	// The line break Encode adds stands for the one that separates the
	// value from the next; the first line's indentation is not counted.
	return buf.Len() + 2*depth + 1
}

// schemaStub stands in schema.json for a schema that is over its bound: a
// JSON Schema of an object, saying why it is there.
func schemaStub(why string) json.RawMessage {
	data, _ := encodeJSON(map[string]any{
		"type":     "object",
		"$comment": "left out by SPINE: " + why,
	}, false)
	return data
}

// boundSchema returns raw normalised (keys sorted), or a stub when it is
// over maxSchemaBytes as schema.json would hold it, with a note that says
// why for the markdown reference.
func boundSchema(raw json.RawMessage) (json.RawMessage, string, error) {
	if len(raw) == 0 {
		return nil, "", nil
	}
	if len(raw) > maxSchemaReadBytes {
		why := fmt.Sprintf("it is %d bytes, over the %s bound of one schema", len(raw), sizeName(maxSchemaBytes))
		return schemaStub(why), why, nil
	}
	norm, err := normaliseJSON(raw)
	if err != nil {
		return nil, "", err
	}
	// In schema.json a tool's schema sits three levels deep.
	var indented bytes.Buffer
	if err := json.Indent(&indented, norm, "      ", "  "); err == nil && indented.Len() > maxSchemaBytes {
		why := fmt.Sprintf("it is %d bytes, over the %s bound of one schema", indented.Len(), sizeName(maxSchemaBytes))
		return schemaStub(why), why, nil
	}
	return norm, "", nil
}
