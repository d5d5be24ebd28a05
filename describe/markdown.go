package describe

import (
	"fmt"
	"strings"
)

// code renders s as a markdown code span.
func code(s string) string {
	if !strings.Contains(s, "`") {
		return "`" + s + "`"
	}
	return "`` " + s + " ``"
}

// codeList renders names as comma-separated code spans.
func codeList(names []string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = code(n)
	}
	return strings.Join(parts, ", ")
}

// cell makes s safe inside a markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(collapse(s), "|", `\|`)
}

// steps renders a heading and numbered steps, or "" without steps.
func steps(heading string, items []string) string {
	if len(items) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(heading + "\n\n")
	for i, s := range items {
		fmt.Fprintf(&b, "%d. %s\n", i+1, s)
	}
	return b.String()
}

// demoteHeadings pushes the markdown headings of text down by levels
// (outside code fences), so that embedded text can't compete with the
// document's own structure.
func demoteHeadings(text string, levels int) string {
	lines := strings.Split(text, "\n")
	fence := ""
	for i, l := range lines {
		trimmed := strings.TrimLeft(l, " ")
		if f := fenceOf(trimmed); f != "" {
			switch {
			case fence == "":
				fence = f
			case strings.HasPrefix(trimmed, fence):
				fence = ""
			}
			continue
		}
		if fence != "" || !strings.HasPrefix(trimmed, "#") {
			continue
		}
		hashes := len(trimmed) - len(strings.TrimLeft(trimmed, "#"))
		rest := trimmed[hashes:]
		if rest != "" && rest[0] != ' ' {
			continue // "#hashtag", not a heading
		}
		n := min(hashes+levels, 6)
		lines[i] = strings.Repeat("#", n) + rest
	}
	return strings.Join(lines, "\n")
}

// fenceOf returns the fence that opens or closes a code block on this
// line ("```", "~~~~"), or "".
func fenceOf(line string) string {
	for _, ch := range []string{"`", "~"} {
		n := len(line) - len(strings.TrimLeft(line, ch))
		if n >= 3 {
			return strings.Repeat(ch, n)
		}
	}
	return ""
}

// fenced puts text in a code block whose fence is longer than any run of
// backticks inside it.
func fenced(lang, text string) string {
	longest, run := 0, 0
	for _, c := range text {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", max(3, longest+1))
	return fence + lang + "\n" + strings.TrimRight(text, "\n") + "\n" + fence + "\n"
}
