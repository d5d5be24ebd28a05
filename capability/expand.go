package capability

import "strings"

// expandEnv replaces ${VAR} and ${VAR:-default} in s with values from lookup.
//
// As in a shell, an unset ${VAR} becomes "", and the default is used when VAR is unset or
// empty. Anything else is kept as written: a lone $, $$, $VAR without braces, ${} with a
// name that is not [A-Za-z_][A-Za-z0-9_]*, and an unclosed ${. Defaults do not nest.
func expandEnv(s string, lookup func(string) (string, bool)) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		rest := s[i+2:]
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			b.WriteString(s[i:])
			return b.String()
		}
		name, def, hasDef := strings.Cut(rest[:end], ":-")
		if !isEnvName(name) {
			b.WriteString("${")
			s = rest
			continue
		}
		v, _ := lookup(name)
		if hasDef && v == "" {
			v = def
		}
		b.WriteString(v)
		s = rest[end+1:]
	}
}

func isEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, c := range name {
		letter := c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
