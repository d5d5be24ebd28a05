package describe

import (
	"fmt"
	"strings"
)

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
// backticks inside it, so that nothing in text can close it.
func fenced(lang, text string) string {
	fence := strings.Repeat("`", max(3, longestRun(text, '`')+1))
	return fence + lang + "\n" + strings.TrimRight(text, "\n") + "\n" + fence + "\n"
}

// openFence returns the fence of a code block that text opens at the top
// level and leaves open, or "". It is meant for SPINE's own text, in which
// server text is quoted or on one line and opens no fence.
func openFence(text string) string {
	open := ""
	for _, l := range strings.Split(text, "\n") {
		trimmed := strings.TrimLeft(l, " ")
		if len(l)-len(trimmed) > 3 {
			continue
		}
		f := fenceOf(trimmed)
		switch {
		case f == "":
		case open == "":
			if f[0] != '`' || !strings.Contains(trimmed[len(f):], "`") {
				open = f
			}
		case f[0] == open[0] && len(f) >= len(open) && strings.TrimSpace(trimmed[len(f):]) == "":
			open = ""
		}
	}
	return open
}
