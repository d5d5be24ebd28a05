package capability

import (
	"net/url"
	"regexp"
	"strings"
)

// Redacted is what a secret is replaced with wherever SPINE shows text that held one.
const Redacted = "[redacted]"

// RedactURL returns raw fit to print: the user info (user:password@), every query value and
// the fragment replaced with [redacted]; scheme, host, port, path and query names are kept,
// e.g. "https://[redacted]@example.com/mcp?api_key=[redacted]". A server's url may carry a
// token in any of those parts, so SPINE never prints one unredacted. It works on the text, so
// it never fails, and redacting twice changes nothing.
func RedactURL(raw string) string {
	rest, fragment, hasFragment := strings.Cut(raw, "#")
	rest, query, hasQuery := strings.Cut(rest, "?")
	if i := strings.Index(rest, "//"); i >= 0 {
		authority := rest[i+2:]
		if j := strings.IndexByte(authority, '/'); j >= 0 {
			authority = authority[:j]
		}
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			rest = rest[:i+2] + Redacted + rest[i+2+at:]
		}
	}
	if hasQuery {
		rest += "?" + redactQuery(query)
	}
	if hasFragment {
		if fragment != "" {
			fragment = Redacted
		}
		rest += "#" + fragment
	}
	return rest
}

// redactQuery replaces the value of every name=value pair of a raw query with [redacted]; a
// part without "=" may be a bare token and is replaced whole.
func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		switch name, _, ok := strings.Cut(p, "="); {
		case ok:
			parts[i] = name + "=" + Redacted
		case p != "":
			parts[i] = Redacted
		}
	}
	return strings.Join(parts, "&")
}

// urlInText finds the http(s) URLs quoted in free text, such as the `Post "http://…": dial
// tcp …` of Go's net/http errors.
var urlInText = regexp.MustCompile(`(?i)\bhttps?://[^\s"'<>` + "`" + `]+`)

// RedactURLs applies RedactURL to every http:// or https:// URL in text (an error message,
// a log line). Punctuation that ends a sentence after a URL stays outside it.
func RedactURLs(text string) string {
	if !strings.Contains(text, "://") {
		return text
	}
	return urlInText.ReplaceAllStringFunc(text, func(m string) string {
		trimmed := strings.TrimRight(m, ".,;:)")
		return RedactURL(trimmed) + m[len(trimmed):]
	})
}

// URLSecrets returns the parts of raw that may be credentials, as they may appear in text:
// the user name, password and whole user info, each query value and the fragment, both as
// written and decoded. Loaders never print a URL; the runtime redacts these from errors.
func URLSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	var out []string
	add := func(escaped string, decode func(string) (string, error)) {
		if escaped == "" {
			return
		}
		out = append(out, escaped)
		if d, err := decode(escaped); err == nil && d != escaped {
			out = append(out, d)
		}
	}
	if u.User != nil {
		authority := raw[strings.Index(raw, "//")+2:]
		if i := strings.IndexAny(authority, "/?#"); i >= 0 {
			authority = authority[:i]
		}
		user := authority[:max(0, strings.LastIndex(authority, "@"))]
		add(user, url.PathUnescape)
		name, pass, _ := strings.Cut(user, ":")
		add(name, url.PathUnescape)
		add(pass, url.PathUnescape)
	}
	for _, p := range strings.Split(u.RawQuery, "&") {
		_, v, ok := strings.Cut(p, "=")
		if !ok {
			v = p
		}
		add(v, url.QueryUnescape)
	}
	add(u.EscapedFragment(), url.PathUnescape)
	return out
}
