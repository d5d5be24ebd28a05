package workflows

import (
	"fmt"
	"slices"
	"strings"
)

// Validate finishes the checks Parse cannot make alone. Call it after ApplyVars and after the
// workflow's inline servers are merged with the project's, and before anything runs:
//
//   - every step's server is among servers (the project's names plus the inline ones);
//   - every template (step targets and args, outputs) references only vars that exist,
//     [vars] defaults or names added by ApplyVars;
//   - every required input has a value, and every value has its input's type.
//
// It reports the first problem as an *Error naming the file, the step and the line, with a
// "did you mean" suggestion where a name is close to a known one.
func (w *Workflow) Validate(servers []string) error {
	if err := w.checkInputs(); err != nil {
		return err
	}
	known := make(map[string]bool, len(servers))
	for _, name := range servers {
		known[name] = true
	}
	for i := range w.Steps {
		s := &w.Steps[i]
		if !known[s.Server] {
			return &Error{File: w.File, Line: w.line(i, "server"), Step: s.ID, Key: "server",
				Msg: fmt.Sprintf("unknown server %q%s", s.Server, serverHint(s.Server, servers))}
		}
	}
	vars := make([]string, 0, len(w.Vars))
	for k := range w.Vars {
		vars = append(vars, k)
	}
	slices.Sort(vars)
	for i := range w.Steps {
		s := &w.Steps[i]
		for _, f := range s.fields() {
			if msg := w.checkVars(f.src, vars); msg != "" {
				return &Error{File: w.File, Line: w.line(i, f.path...), Step: s.ID, Key: f.key, Msg: msg}
			}
		}
	}
	for _, o := range w.Outputs {
		if msg := w.checkVars(o.Template, vars); msg != "" {
			return &Error{File: w.File, Line: o.Line, Key: "outputs." + o.Name, Msg: msg}
		}
	}
	return nil
}

// checkVars returns what is wrong with the var references of one template, or "".
func (w *Workflow) checkVars(src string, vars []string) string {
	r, err := w.templates.refs(src)
	if err != nil {
		return "template: " + templateMessage(err)
	}
	for _, v := range r.vars {
		if _, ok := w.Vars[v]; !ok {
			hint := didYouMean(v, vars)
			if hint == "" {
				hint = fmt.Sprintf(" (define it in [vars] or pass --var %s=...)", v)
			}
			return fmt.Sprintf("template references unknown var %q%s", v, hint)
		}
	}
	return ""
}

// line returns the line of a key of the i-th step, or of the step itself.
func (w *Workflow) line(i int, path ...string) int {
	if l := lineOf(w.pos, append(stepPath(i), path...)...); l > 0 {
		return l
	}
	return w.Steps[i].Line
}

func serverHint(name string, servers []string) string {
	if hint := didYouMean(name, servers); hint != "" {
		return hint
	}
	if len(servers) == 0 {
		return " (no servers are configured: add [servers." + name + "] to spine.toml or to this file)"
	}
	return " (known: " + strings.Join(servers, ", ") + ")"
}
