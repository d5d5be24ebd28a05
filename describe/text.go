package describe

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// collapse joins the lines of s and squeezes runs of white space, for text
// that has to fit on one line (a table cell, a list item).
func collapse(s string) string {
	if collapsed(s) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// collapsed reports whether s is ASCII that collapse leaves as it is: no
// white space but single spaces between words.
func collapsed(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0x80, c == '\t', c == '\n', c == '\v', c == '\f', c == '\r':
			return false
		case c == ' ' && s[i+1] == ' ':
			return false
		}
	}
	return true
}

// abbreviations end in a full stop without ending a sentence.
var abbreviations = map[string]bool{
	"e.g.": true, "i.e.": true, "cf.": true, "vs.": true, "etc.": true, "approx.": true,
	"no.": true, "fig.": true, "incl.": true, "resp.": true, "mr.": true, "ms.": true, "dr.": true,
}

// sentences splits s into sentences, each collapsed to one line and ending
// with terminal punctuation. A sentence ends at '.', '!' or '?' followed by
// white space and a character that can start a sentence; "e.g." and
// decimals like "1.5" don't end one.
func sentences(s string) []string {
	return firstSentences(s, -1)
}

// firstSentences is sentences(s) up to the first n of them (all for n < 0).
func firstSentences(s string, n int) []string {
	s = collapse(s)
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		// Swallow closing quotes and brackets after the mark: `(see "x".)`.
		end := i + 1
		for end < len(s) && strings.ContainsRune(`)"'’”]`, rune(s[end])) {
			end++
		}
		if end < len(s) && s[end] != ' ' {
			continue
		}
		if end < len(s) {
			next, _ := utf8.DecodeRuneInString(s[end+1:])
			if unicode.IsLower(next) {
				continue
			}
		}
		if c == '.' {
			word := s[strings.LastIndexByte(s[:i], ' ')+1 : i+1]
			if abbreviations[strings.ToLower(strings.TrimLeft(word, `("'`))] {
				continue
			}
		}
		out = append(out, s[start:end])
		start = end + 1
		i = end
		if len(out) == n {
			return out
		}
	}
	if start < len(s) {
		out = append(out, ensureTerminal(s[start:]))
	}
	return out
}

// firstSentence returns the first sentence of s, ending with terminal
// punctuation, or "" for empty s.
func firstSentence(s string) string {
	if ss := firstSentences(s, 1); len(ss) > 0 {
		return ss[0]
	}
	return ""
}

// summary is a one-line description: the whole of s collapsed, ending with
// terminal punctuation.
func summary(s string) string {
	s = collapse(s)
	if s == "" {
		return ""
	}
	return ensureTerminal(s)
}

// ensureTerminal makes s end like a sentence. A trailing ':' or ';' or ','
// becomes '.', since whatever followed it has been left out.
func ensureTerminal(s string) string {
	s = strings.TrimRight(s, " ")
	if s == "" {
		return s
	}
	if hasTerminal(s) {
		return s
	}
	if strings.ContainsRune(":;,", rune(s[len(s)-1])) {
		s = s[:len(s)-1]
	}
	return s + "."
}

// hasTerminal reports whether s ends with terminal punctuation, possibly
// followed by closing quotes or brackets.
func hasTerminal(s string) bool {
	s = strings.TrimRight(s, `)"'’”]`)
	if s == "" {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(s)
	return last == '.' || last == '!' || last == '?' || last == '…'
}

// lowerFirst lower-cases the first letter of s unless the first word looks
// like an acronym or a name in code ("URL", "JSON", "iPhone").
func lowerFirst(s string) string {
	word, _, _ := strings.Cut(s, " ")
	upper := 0
	for _, r := range word {
		if unicode.IsUpper(r) {
			upper++
		}
	}
	if upper != 1 {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// verbIrregular maps third-person forms the suffix rules get wrong.
var verbIrregular = map[string]string{
	"does": "do", "has": "have", "is": "be", "caches": "cache", "goes": "go",
}

// baseVerb turns a third-person verb ("returns", "fetches", "copies") into
// its base form, and reports whether word looked like a verb at all:
// either a known verb or a third-person form.
func baseVerb(word string) (string, bool) {
	w := strings.ToLower(word)
	if v, ok := verbIrregular[w]; ok {
		return v, true
	}
	if _, ok := verbRole[w]; ok {
		return w, true
	}
	switch {
	case len(w) < 4 || !strings.HasSuffix(w, "s"):
		return w, false
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
		return w, false
	case strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y", true
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "shes"), strings.HasSuffix(w, "ches"),
		strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "zzes"), strings.HasSuffix(w, "oes"):
		return w[:len(w)-2], true
	}
	return w[:len(w)-1], true
}

// nounish words start descriptions as nouns more often than as verbs.
var nounish = map[string]bool{
	"status": true, "stat": true, "info": true, "health": true, "lookup": true, "type": true,
	"label": true, "tag": true, "comment": true, "detail": true, "setting": true, "statistic": true,
}

// prepositions after a description's first word show it is a noun.
var prepositions = map[string]bool{
	"of": true, "for": true, "about": true, "from": true, "by": true, "on": true, "in": true,
	"at": true, "with": true, "per": true, "and": true, "or": true, "to": true,
}

// purpose turns a tool's first sentence into an infinitive phrase for a
// selection guide: "Adds two numbers." becomes "add two numbers". It
// reports false when the sentence doesn't start with a verb.
func purpose(sentence string) (string, bool) {
	s := strings.TrimSpace(sentence)
	if s == "" {
		return "", false
	}
	word, rest, _ := strings.Cut(s, " ")
	if strings.IndexFunc(word, func(r rune) bool { return !unicode.IsLetter(r) }) >= 0 {
		return "", false
	}
	verb, ok := baseVerb(word)
	if !ok || nounish[verb] {
		return "", false
	}
	// "Details of the user", "Settings for the app": a plural noun, not a
	// verb. Known verbs take prepositions ("searches for", "writes to").
	_, known := verbRole[verb]
	if next, _, _ := strings.Cut(rest, " "); !known && !alsoVerbs[verb] && prepositions[strings.ToLower(next)] {
		return "", false
	}
	phrase := verb
	if rest != "" {
		phrase += " " + baseCoordinated(rest)
	}
	phrase = strings.TrimRight(phrase, ".!? ")
	return phrase, true
}

// alsoVerbs are verbs that follow the first one in tool descriptions
// ("adds two numbers and returns the sum") without naming a tool's role.
var alsoVerbs = map[string]bool{
	"return": true, "answer": true, "print": true, "report": true, "wait": true, "emit": true,
	"honour": true, "honor": true, "yield": true, "stream": true, "notify": true, "store": true,
	"log": true, "retry": true, "respond": true, "reply": true, "block": true, "fail": true,
}

// baseCoordinated turns the verbs joined to the first one ("… and returns
// the sum", "…, then answers") into their base form too.
func baseCoordinated(rest string) string {
	words := strings.Split(rest, " ")
	for i := 1; i < len(words); i++ {
		switch strings.TrimRight(words[i-1], ",") {
		case "and", "then", "or":
		default:
			continue
		}
		w := strings.TrimRight(words[i], ".,;:!?")
		if strings.ToLower(w) != w || !strings.HasSuffix(w, "s") {
			continue
		}
		v, ok := baseVerb(w)
		if _, known := verbRole[v]; ok && (known || alsoVerbs[v]) {
			words[i] = v + words[i][len(w):]
		}
	}
	return strings.Join(words, " ")
}

// estimateTokens approximates the tokens of s as ⌈runes/4⌉.
func estimateTokens(s string) int {
	return (utf8.RuneCountInString(s) + 3) / 4
}

// slug turns s into a lower-case identifier of letters, digits and sep.
func slug(s string, sep rune) string {
	var b strings.Builder
	pending := false
	for _, r := range strings.ToLower(s) {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if pending && b.Len() > 0 {
				b.WriteRune(sep)
			}
			pending = false
			b.WriteRune(r)
			continue
		}
		pending = true
	}
	return b.String()
}

// nameWords splits an identifier into lower-case words:
// "listOpenIssues" and "list_open-issues" give [list open issues].
func nameWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	prevLower := false
	for _, r := range name {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if unicode.IsUpper(r) && prevLower {
				flush()
			}
			cur = append(cur, r)
			prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		default:
			flush()
			prevLower = false
		}
	}
	flush()
	return words
}

// joinAnd joins items as "a, b and c".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
