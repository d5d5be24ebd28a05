package capability

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// ConfigError is a problem in a config file (spine.toml, .mcp.json, or the [servers.*]
// tables of a workflow). Messages name keys, never the values of env or headers, which hold
// secrets. When a file has several problems, the loaders return them joined with errors.Join;
// errors.As finds the first.
type ConfigError struct {
	File string // the file, as given to the loader
	Line int    // 1-based line, or 0 when unknown
	Key  string // dotted key path, e.g. servers.demo.command; empty for the whole file
	Msg  string // what is wrong, and what to do where that helps
	Err  error  // the underlying error, if any (e.g. from reading the file)
}

// Error formats the problem as "file:line: key: message", leaving out what is unknown.
func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error, if any.
func (e *ConfigError) Unwrap() error { return e.Err }

// readError describes a failure to read file, without repeating its path.
func readError(file string, err error) *ConfigError {
	msg := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		msg = pe.Op + ": " + pe.Err.Error()
	}
	return &ConfigError{File: file, Msg: msg, Err: err}
}

// problems collects the config errors found in one pass over one or more files.
type problems struct {
	list []*ConfigError
}

func (p *problems) add(e *ConfigError) { p.list = append(p.list, e) }

// addErr adds what err holds: a *ConfigError, or several joined.
func (p *problems) addErr(err error) {
	if err == nil {
		return
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			p.addErr(e)
		}
		return
	}
	var ce *ConfigError
	if errors.As(err, &ce) {
		p.add(ce)
		return
	}
	p.add(&ConfigError{Msg: err.Error(), Err: err})
}

// err returns nil, the one problem, or all of them joined, ordered by line within each file.
func (p *problems) err() error {
	switch len(p.list) {
	case 0:
		return nil
	case 1:
		return p.list[0]
	}
	var files []string
	for _, e := range p.list {
		if !slices.Contains(files, e.File) {
			files = append(files, e.File)
		}
	}
	slices.SortStableFunc(p.list, func(a, b *ConfigError) int {
		return cmp.Or(
			cmp.Compare(slices.Index(files, a.File), slices.Index(files, b.File)),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Key, b.Key))
	})
	errs := make([]error, len(p.list))
	for i, e := range p.list {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// unknownKey says key is not one of valid, suggesting the closest valid key.
func unknownKey(key string, valid []string, hints map[string]string) string {
	if s := suggest(key, valid, hints); s != "" {
		return fmt.Sprintf("unknown key (did you mean %q?)", s)
	}
	return "unknown key"
}

// suggest returns the valid key the user most likely meant by key: a known alias, the
// closest key within an edit distance of 2, or else the shortest key that key is a prefix
// of (or that is a prefix of key). It returns "" when nothing is close.
func suggest(key string, valid []string, hints map[string]string) string {
	if h, ok := hints[strings.ToLower(key)]; ok {
		return h
	}
	best, bestDist := "", 3
	for _, v := range valid {
		if d := editDistance(strings.ToLower(key), v); d < bestDist {
			best, bestDist = v, d
		}
	}
	if best != "" {
		return best
	}
	if len(key) < 3 {
		return ""
	}
	lower := strings.ToLower(key)
	for _, v := range valid {
		if (strings.HasPrefix(v, lower) || strings.HasPrefix(lower, v)) && (best == "" || len(v) < len(best)) {
			best = v
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
