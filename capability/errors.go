package capability

import (
	"cmp"
	"errors"
	"fmt"
	suggestpkg "github.com/spine-mcp/spine/internal/suggest"
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

// suggest returns the valid key the user most likely meant by key: a known alias, else the
// closest valid key; "" when nothing is close.
func suggest(key string, valid []string, hints map[string]string) string {
	if h, ok := hints[strings.ToLower(key)]; ok {
		return h
	}
	return suggestpkg.Closest(key, valid)
}
