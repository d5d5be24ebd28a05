package describe

import (
	"fmt"
	"strings"
)

// A section is one part of a layer's text, written in forms from the fullest
// to the leanest. Condensing a text means moving some of its sections to a
// leaner form: whole sections and whole sentences go, nothing is cut.
type section struct {
	key   string
	forms []form
	at    int // the form in use
}

// form is one way to write a section. note says what it gave up (empty for
// the full form); an empty text leaves the section out.
type form struct {
	text string
	note string
}

// newSection starts a section with its full form.
func newSection(key, text string) *section {
	return &section{key: key, forms: []form{{text: text}}}
}

// or adds a leaner form. A form that reads the same as the previous one is
// skipped, so that a note never claims a condensation that changed nothing.
func (s *section) or(text, note string) *section {
	if text == s.forms[len(s.forms)-1].text {
		return s
	}
	s.forms = append(s.forms, form{text: text, note: note})
	return s
}

// join writes the sections in use, separated by blank lines.
func join(sections []*section) string {
	parts := make([]string, 0, len(sections))
	for _, s := range sections {
		if t := strings.TrimSpace(s.forms[s.at].text); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, "\n\n") + "\n"
}

// fit returns the sections' text within budget tokens. While the text is
// too big it follows ladder, a list of section keys from the least to the
// most valuable: each entry moves that section one form leaner. It returns
// the notes of the forms it used and whether the text fits.
func fit(budget int, sections []*section, ladder ...string) (text string, notes []string, ok bool) {
	byKey := make(map[string]*section, len(sections))
	for _, s := range sections {
		byKey[s.key] = s
	}
	text = join(sections)
	for _, key := range ladder {
		if estimateTokens(text) <= budget {
			break
		}
		s := byKey[key]
		if s == nil || s.at+1 >= len(s.forms) {
			continue
		}
		s.at++
		notes = append(notes, s.forms[s.at].note)
		text = join(sections)
	}
	return text, notes, estimateTokens(text) <= budget
}

// condensed collects what was condensed, merging the same note made for
// many units (tools, prompts) into one line.
type condensed struct {
	lines []string
	index map[string]int
	units [][]string
	kinds []string
}

// add records note for layer; unit names the tool or prompt it was made
// for, of kind ("tool", "prompt"), or is empty.
func (c *condensed) add(layer, note, kind, unit string) {
	if note == "" {
		return
	}
	line := layer + ": " + note
	if c.index == nil {
		c.index = map[string]int{}
	}
	i, ok := c.index[line]
	if !ok {
		i = len(c.lines)
		c.index[line] = i
		c.lines = append(c.lines, line)
		c.units = append(c.units, nil)
		c.kinds = append(c.kinds, kind)
	}
	if unit != "" {
		c.units[i] = append(c.units[i], unit)
	}
}

// merge adds the notes of o, in order, as if they had been made on c.
func (c *condensed) merge(o *condensed) {
	for i, line := range o.lines {
		layer, note, _ := strings.Cut(line, ": ")
		if len(o.units[i]) == 0 {
			c.add(layer, note, o.kinds[i], "")
		}
		for _, u := range o.units[i] {
			c.add(layer, note, o.kinds[i], u)
		}
	}
}

// list returns the notes in the order they were first made.
func (c *condensed) list() []string {
	out := make([]string, len(c.lines))
	for i, line := range c.lines {
		units := c.units[i]
		switch n := len(units); {
		case n == 0:
			out[i] = line
		case n <= 5:
			out[i] = fmt.Sprintf("%s (%s %s)", line, plural(c.kinds[i], n), codeList(units))
		default:
			out[i] = fmt.Sprintf("%s (%d %s)", line, n, plural(c.kinds[i], n))
		}
	}
	return out
}

func plural(kind string, n int) string {
	if n == 1 {
		return kind
	}
	return kind + "s"
}
