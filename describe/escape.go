package describe

import (
	"strings"
	"unicode/utf8"
)

// Server text enters markdown only through the functions of this file.
// A server chooses its names, titles, descriptions and instructions; none of
// them may add a line, a heading, a list item, a table cell, a code fence,
// a link or HTML of its own to a document SPINE writes.
//
//   - clean, first of all: invalid UTF-8 becomes U+FFFD; CR LF, CR, NEL and
//     the Unicode line and paragraph separators become LF; a tab becomes
//     four spaces; every other control character (C0, DEL, C1) and the
//     bidirectional embedding, override and isolate controls are dropped.
//   - code, for names (tools, prompts, arguments, parameters, resources,
//     servers, workflows): one line in a code span whose backtick run is
//     longer than any inside it. Nothing in a code span is markup.
//   - plain, for names and titles shown as text: one line, with every
//     character markdown could read as markup escaped by a backslash.
//   - inline, for free text on one line (a description in a list, a table,
//     a paragraph): one line that keeps the text's emphasis, code spans and
//     links, but escapes a backtick run that opens no code span (so that
//     it can't swallow SPINE's own code spans) and a '<' that could start
//     HTML or an autolink.
//   - block, for free text that keeps its lines (a tool's description, the
//     server's instructions): a block quote, every line of it prefixed with
//     "> ", so that whatever the text opens ends with the quote. Inside, a
//     line can't open a heading, a code fence, a thematic break or setext
//     underline (all of which could pose as SPINE's own structure), nor
//     HTML; lists, quotes, emphasis, code spans and links stay.
//   - cell, for a table cell made of the above: one line, every '|' that
//     would end the cell escaped (GFM splits cells before it reads code
//     spans, so this holds inside them too).
//
// Text from plain and inline also has its start guarded: a first
// character that would open a block at the start of a line (a heading, a
// quote, a list item, a thematic break, a fence) is escaped, so that the
// text is safe wherever it lands in a line.

// clean removes from s what no markdown, YAML or terminal should get from a
// server: see the rules above.
func clean(s string) string {
	if printableASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\r':
			b.WriteByte('\n')
			if i < len(s) && s[i] == '\n' {
				i++
			}
		case r == '\n', r == 0x85, r == 0x2028, r == 0x2029:
			b.WriteByte('\n')
		case r == '\t':
			b.WriteString("    ")
		case r < 0x20, r >= 0x7f && r < 0xa0:
			// other control characters: dropped
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			// bidirectional embeddings, overrides and isolates: dropped
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// printableASCII reports whether s is made of printable ASCII and line
// feeds only, which clean leaves as they are.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\n') || c >= 0x7f {
			return false
		}
	}
	return true
}

// oneLine is clean s with every run of white space, line breaks included,
// squeezed to one space.
func oneLine(s string) string {
	return collapse(clean(s))
}

// code renders s, a name, as a markdown code span on one line. The
// delimiter is one backtick longer than the longest run inside, with a
// space of padding when s holds a backtick (CommonMark strips it).
func code(s string) string {
	s = oneLine(s)
	if s == "" {
		return "` `"
	}
	longest := longestRun(s, '`')
	delim := strings.Repeat("`", longest+1)
	if longest > 0 {
		return delim + " " + s + " " + delim
	}
	return delim + s + delim
}

// codeList renders names as comma-separated code spans.
func codeList(names []string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = code(n)
	}
	return strings.Join(parts, ", ")
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// plain renders s, a name or title, as text on one line in which nothing is
// markup: '\', '`', '*', '[', ']', '<', '|' and '~' are escaped everywhere,
// '_' and '#' where they could start or end markup (not inside a word),
// "://" and "www." so that they make no autolink; the start is guarded.
func plain(s string) string {
	s = oneLine(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '`', '*', '[', ']', '<', '|', '~':
			b.WriteByte('\\')
		case '_':
			if i == 0 || i == len(s)-1 || !isWordByte(s[i-1]) || !isWordByte(s[i+1]) {
				b.WriteByte('\\')
			}
		case '#':
			if i == 0 || s[i-1] == ' ' {
				b.WriteByte('\\')
			}
		case '/':
			if i > 0 && s[i-1] == ':' && strings.HasPrefix(s[i:], "//") {
				b.WriteByte('\\')
			}
		case '.':
			if i >= 3 && strings.EqualFold(s[i-3:i], "www") && (i == 3 || !isWordByte(s[i-4])) {
				b.WriteByte('\\')
			}
		}
		b.WriteByte(c)
	}
	return guardStart(b.String())
}

// isWordByte reports whether c is an ASCII letter or digit, or part of a
// multi-byte rune (which markdown treats as a word character here).
func isWordByte(c byte) bool {
	return c >= utf8.RuneSelf || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// inline renders free text on one line: see the rules at the top of the file.
func inline(s string) string {
	return guardStart(inlineSafe(oneLine(s)))
}

// inlineSafe escapes, in one line of free text, each backtick run that
// closes no code span and each '<' outside code spans that could start HTML
// or an autolink. Backslash escapes are kept as they are, and a lone
// backslash at the end is doubled so that it can't escape what follows.
func inlineSafe(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]):
			b.WriteString(s[i : i+2])
			i += 2
		case c == '\\' && i+1 == len(s):
			b.WriteString(`\\`)
			i++
		case c == '`':
			n := runAt(s, i, '`')
			if end := closingRun(s, i+n, n); end >= 0 {
				b.WriteString(s[i : end+n])
				i = end + n
				continue
			}
			b.WriteString(strings.Repeat("\\`", n))
			i += n
		case c == '<' && i+1 < len(s) && (isASCIILetter(s[i+1]) || strings.IndexByte("/!?", s[i+1]) >= 0):
			b.WriteString(`\<`)
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// runAt is the length of the run of c that starts at s[i].
func runAt(s string, i int, c byte) int {
	n := 0
	for i+n < len(s) && s[i+n] == c {
		n++
	}
	return n
}

// closingRun finds the next run of exactly n backticks from s[i], which
// closes a code span opened by a run of n, or returns -1.
func closingRun(s string, i, n int) int {
	for i < len(s) {
		if s[i] != '`' {
			i++
			continue
		}
		m := runAt(s, i, '`')
		if m == n {
			return i
		}
		i += m
	}
	return -1
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

func isASCIILetter(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// guardStart escapes the first character of s, one line, when it would
// open a block at the start of a line: a heading ('#'), a quote ('>'), a
// list item ("- ", "+ ", "* ", "1. ", "1) "), a thematic break or setext
// underline ("---", "==="), a fence ("```", "~~~"). HTML is escaped by
// inlineSafe and plain wherever it is.
func guardStart(s string) string {
	if s == "" {
		return s
	}
	switch c := s[0]; {
	case c == '#' || c == '>',
		strings.IndexByte("-+*", c) >= 0 && (len(s) == 1 || s[1] == ' '),
		onlyBreak(s),
		runAt(s, 0, '`') >= 3, runAt(s, 0, '~') >= 3:
		return `\` + s
	}
	digits := 0
	for digits < len(s) && digits < 10 && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	if digits > 0 && digits < len(s) && (s[digits] == '.' || s[digits] == ')') && (digits+1 == len(s) || s[digits+1] == ' ') {
		return s[:digits] + `\` + s[digits:]
	}
	return s
}

// block renders free text that keeps its lines: text of one line as
// inline does, more as a block quote (see the rules at the top of the
// file). The result never ends with a line break.
func block(s string) string {
	s = strings.Trim(clean(s), "\n ")
	if !strings.Contains(s, "\n") {
		return inline(s)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		l = strings.TrimRight(l, " ")
		if l == "" {
			lines[i] = ">"
			continue
		}
		lines[i] = "> " + guardLine(inlineSafe(l))
	}
	return strings.Join(lines, "\n")
}

// guardLine escapes the marker of a line of quoted server text that would
// open a heading, a fence, a thematic break or a setext underline, looking
// past the indentation, quote markers and list markers that put it in a
// container.
func guardLine(l string) string {
	i := 0
	for i < len(l) {
		switch {
		case l[i] == ' ' || l[i] == '>':
			i++
			continue
		case strings.IndexByte("-+*", l[i]) >= 0 && (i+1 == len(l) || l[i+1] == ' ') && !onlyBreak(l[i:]):
			i++
			continue
		}
		d := i
		for d < len(l) && l[d] >= '0' && l[d] <= '9' {
			d++
		}
		if d > i && d < len(l) && (l[d] == '.' || l[d] == ')') && (d+1 == len(l) || l[d+1] == ' ') {
			i = d + 1
			continue
		}
		break
	}
	rest := l[i:]
	switch {
	case rest == "":
		return l
	case rest[0] == '#',
		runAt(rest, 0, '`') >= 3, runAt(rest, 0, '~') >= 3,
		onlyBreak(rest):
		return l[:i] + `\` + rest
	}
	return l
}

// onlyBreak reports whether s is made of one of '-', '=', '*', '_' and
// spaces only: a thematic break or a setext underline.
func onlyBreak(s string) bool {
	s = strings.TrimRight(s, " ")
	if s == "" || strings.IndexByte("-=*_", s[0]) < 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != s[0] && s[i] != ' ' {
			return false
		}
	}
	return true
}

// cell makes s, markdown on one line, safe inside a table cell: white
// space squeezed, and every '|' that would end the cell escaped (one that
// follows an odd number of backslashes is escaped already).
func cell(s string) string {
	s = collapse(s)
	if !strings.Contains(s, "|") {
		return s
	}
	var b strings.Builder
	backslashes := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '|' && backslashes%2 == 0 {
			b.WriteByte('\\')
		}
		if c == '\\' {
			backslashes++
		} else {
			backslashes = 0
		}
		b.WriteByte(c)
	}
	return b.String()
}

// shellWord quotes s, one line, for a POSIX shell: bare when it holds only
// characters no shell reads specially, else in single quotes.
func shellWord(s string) string {
	s = oneLine(s)
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+=,-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
