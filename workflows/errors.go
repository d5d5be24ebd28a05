package workflows

import (
	"fmt"
	"github.com/spine-mcp/spine/internal/suggest"
	"strings"

	"github.com/spine-mcp/spine/internal/tomlpos"
)

// Error is a rejected workflow, or a template that failed to render. Every error this package
// returns for a file is an *Error (errors.As finds it), so that callers can point at the place.
//
// It reads like
//
//	triage.toml:14: step "brief": args.topic: template references unknown step "helo" (did you mean "hello"?)
type Error struct {
	File string // the workflow file; empty for errors raised while running
	Step string // id of the step concerned; empty when no step is
	Line int    // 1-based line in File; 0 when there is none
	Key  string // the key concerned, as a path ("args.items[0]", "outputs.summary"); may be empty
	Msg  string // what is wrong, and what to do where that helps
	Err  error  // the underlying error (a *toml.ParseError, a template error), if any
}

// Error formats the error as "file:line: step "id": key: message", leaving out what is unknown.
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		b.WriteString(e.File + ": ")
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Step != "" {
		fmt.Fprintf(&b, "step %q: ", e.Step)
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// lineOf returns the line where the key path is defined, falling back to the closest
// enclosing key that has one (a value inside an array has no line of its own; its array does).
// A nil index knows no lines.
func lineOf(ix *tomlpos.Index, path ...string) int {
	if ix == nil {
		return 0
	}
	for n := len(path); n > 0; n-- {
		if l := ix.Line(path[:n]...); l > 0 {
			return l
		}
	}
	return 0
}

// didYouMean returns ` (did you mean "x"?)` for the candidate closest to name, or "" when none
// is close enough to be a likely typo.
func didYouMean(name string, candidates []string) string {
	if best := suggest.Closest(name, candidates); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}
