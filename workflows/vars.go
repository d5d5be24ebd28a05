package workflows

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// ApplyVars sets vars from the command line (--var k=v), over the [vars] defaults. Call it
// after Parse and before Validate.
//
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
		v, err := convertVar(w.Vars[name], overrides[name])
		if err != nil {
			return &Error{File: w.File, Line: lineOf(w.pos, "vars", name), Key: "vars." + name,
				Msg: fmt.Sprintf("--var %s=%s: %v", name, overrides[name], err)}
		}
		w.Vars[name] = v
	}
	return nil
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
