package workflows

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// ApplyVars sets inputs and vars from the command line (--var k=v), over the defaults. Call
// it after Parse and before Validate.
//
// A name that [inputs] declares sets that input, parsed by its type: text for a string, a
// number or a boolean as written for an integer, number or boolean, JSON for an array or an
// object ("--var limit=5" is the integer 5 for an integer input). A value that does not parse
// is an *Error naming the input, the file and the input's line. Once the values are set, a
// required input without one is an error too.
//
// Other names set vars.
// A value takes the type of the default it replaces, so that "{{ .vars.limit }}" stays a
// number: over an integer, float or boolean default it must parse as one. A name that [vars]
// does not define is added as a string, so a template may use a var that only the command line
// sets; Validate still reports a template var that nobody defined. Defaults that are arrays,
// tables or datetimes cannot be replaced from the command line. Errors are *Error.
func ApplyVars(w *Workflow, overrides map[string]string) error {
	if w.Vars == nil {
		w.Vars = map[string]any{}
	}
	for _, name := range slices.Sorted(maps.Keys(overrides)) {
		if name == "" {
			return &Error{File: w.File, Msg: fmt.Sprintf("--var =%s: a var needs a name (--var NAME=VALUE)", overrides[name])}
		}
		if in, ok := w.Input(name); ok {
			v, err := parseInput(in.Type, overrides[name])
			if err != nil {
				return &Error{File: w.File, Line: in.Line, Key: "inputs." + name,
					Msg: fmt.Sprintf("--var %s=%s: %v (the input has type = %q)", name, overrides[name], err, in.Type)}
			}
			if w.InputValues == nil {
				w.InputValues = map[string]any{}
			}
			w.InputValues[name] = v
			continue
		}
		v, err := convertVar(w.Vars[name], overrides[name])
		if err != nil {
			return &Error{File: w.File, Line: lineOf(w.pos, "vars", name), Key: "vars." + name,
				Msg: fmt.Sprintf("--var %s=%s: %v", name, overrides[name], err)}
		}
		w.Vars[name] = v
	}
	return w.checkInputs()
}

// convertVar converts a command-line value to the type of the default it replaces.
func convertVar(def any, s string) (any, error) {
	switch def := def.(type) {
	case nil, string:
		return s, nil
	case int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("not an integer, as the default %d in [vars] is", def)
		}
		return n, nil
	case float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("not a number, as the default %v in [vars] is", def)
		}
		return f, nil
	case bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("not a boolean (true or false), as the default %t in [vars] is", def)
		}
		return b, nil
	default:
		return nil, fmt.Errorf("the default in [vars] is %s, which cannot be set from the command line", typeName(def))
	}
}
