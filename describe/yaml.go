package describe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Values go into YAML front matter only through this file. Every value
// from a server is quoted with yamlString: whatever it says, it stays
// inside its value and can't add a key or end the front matter. SPINE's
// own values that YAML reads as the same string unquoted (a skill's name,
// made of lower-case letters, digits and hyphens) may stay bare, through
// yamlScalar.

// yamlString renders s as a YAML double-quoted scalar on one line. '"' and
// '\' are escaped, and so is every character that YAML does not allow raw
// or reads as a line break: C0 and C1 controls, DEL, U+2028, U+2029 (line
// breaks in YAML 1.1), U+FEFF and U+FFFE, U+FFFF; invalid UTF-8 becomes
// U+FFFD. The only escapes used are \", \\, \n, \t, \r and \uXXXX, which
// YAML 1.1, YAML 1.2 and JSON read alike, so the value is a JSON string
// too.
func yamlString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20, r >= 0x7f && r < 0xa0, r == 0x2028, r == 0x2029, r == 0xfeff, r == 0xfffe, r == 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// yamlScalar renders s bare when it is a word that YAML, 1.1 or 1.2,
// reads as that very string: a lower-case letter, then lower-case letters,
// digits and hyphens, and not a boolean or null ("yes", "off", "null", …).
// Anything else it quotes with yamlString.
func yamlScalar(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' || yamlReserved[s] ||
		strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return yamlString(s)
	}
	return s
}

// yamlReserved are the words YAML 1.1 or 1.2 read as booleans or null.
var yamlReserved = map[string]bool{
	"y": true, "n": true, "yes": true, "no": true, "on": true, "off": true,
	"true": true, "false": true, "null": true,
}

// frontMatter renders YAML front matter: "---", one "key: value" line per
// pair in order, "---". Keys are SPINE's own; values must come from
// yamlString or yamlScalar.
func frontMatter(pairs ...[2]string) string {
	var b strings.Builder
	b.WriteString("---\n")
	for _, p := range pairs {
		b.WriteString(p[0] + ": " + p[1] + "\n")
	}
	b.WriteString("---\n")
	return b.String()
}
