package workflows

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// InputType is the type of a workflow input: the JSON Schema type names.
type InputType string

// The types an input may have.
const (
	InputString  InputType = "string"
	InputInteger InputType = "integer"
	InputNumber  InputType = "number"
	InputBoolean InputType = "boolean"
	InputArray   InputType = "array"
	InputObject  InputType = "object"
)

var inputTypes = []string{"string", "integer", "number", "boolean", "array", "object"}

// inputKeys are the keys of one [inputs] entry.
var inputKeys = []string{"type", "description", "default", "required"}

// Input is one entry of the [inputs] table: a typed value the caller gives the run (with
// --var NAME=VALUE on the command line), which templates read as .inputs.NAME.
type Input struct {
	Name        string
	Type        InputType // "string" when the file does not say
	Description string
	Default     any  // the default, of Type; nil when there is none
	HasDefault  bool // the file gives a default
	Required    bool // the run refuses to start without a value
	Line        int  // line of the entry; 0 if unknown
}

// inputs reads the [inputs] table: each entry a table of type, description, default and
// required. A required input may not have a default, and a default must have the input's type.
func (p *parser) inputs(top *table) ([]Input, error) {
	m, err := top.table("inputs")
	if err != nil || m == nil {
		return nil, err
	}
	var out []Input
	for _, name := range p.orderedKeys([]string{"inputs"}, m) {
		path := []string{"inputs", name}
		key := "inputs." + name
		if !validID(name) {
			return nil, p.errorAt(path, "", key, "%q is not a valid input name: use letters, digits and _, not starting with a digit "+
				"(templates refer to it as .inputs.NAME)", name)
		}
		entry, ok := m[name].(map[string]any)
		if !ok {
			return nil, p.errorAt(path, "", key, "must be a table such as { type = \"string\", required = true }, not %s", typeName(m[name]))
		}
		t := &table{p: p, m: entry, path: path, key: key + "."}
		if err := t.onlyKeys(inputKeys); err != nil {
			return nil, err
		}
		in := Input{Name: name, Type: InputString, Line: lineOf(p.pos, path...)}
		if s, ok, err := t.string("type"); err != nil {
			return nil, err
		} else if ok {
			if !slices.Contains(inputTypes, s) {
				return nil, t.errorf("type", "%q is not a type: use one of %s%s", s, strings.Join(inputTypes, ", "), didYouMean(s, inputTypes))
			}
			in.Type = InputType(s)
		}
		if in.Description, _, err = t.string("description"); err != nil {
			return nil, err
		}
		if in.Required, err = t.boolean("required"); err != nil {
			return nil, err
		}
		if def, ok := entry["default"]; ok {
			if in.Required {
				return nil, t.errorf("default", "a required input has no default: drop one of required and default")
			}
			v, err := checkInput(in.Type, def)
			if err != nil {
				return nil, t.errorf("default", "%v", err)
			}
			in.Default, in.HasDefault = v, true
		}
		out = append(out, in)
	}
	return out, nil
}

// checkInput checks that v, a decoded TOML or JSON value, has type typ, and returns it in the
// form templates see: integers as int64, numbers as float64 (an integer is a number too),
// arrays as []any, objects as map[string]any.
func checkInput(typ InputType, v any) (any, error) {
	bad := func() (any, error) {
		return nil, fmt.Errorf("want %s, not %s", typeArticle(typ), valueTypeName(v))
	}
	switch typ {
	case InputString:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case InputBoolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case InputInteger:
		switch n := v.(type) {
		case int64:
			return n, nil
		case int:
			return int64(n), nil
		case float64: // from JSON
			if n == float64(int64(n)) {
				return int64(n), nil
			}
		}
	case InputNumber:
		switch n := v.(type) {
		case float64:
			return n, nil
		case int64:
			return float64(n), nil
		case int:
			return float64(n), nil
		}
	case InputArray:
		switch l := v.(type) {
		case []any:
			return l, nil
		case []map[string]any:
			out := make([]any, len(l))
			for i, e := range l {
				out[i] = e
			}
			return out, nil
		}
	case InputObject:
		if m, ok := v.(map[string]any); ok {
			return m, nil
		}
	}
	return bad()
}

// parseInput parses a command-line value by the input's type: text as it is for a string,
// a number or a boolean as written, JSON for an array or an object.
func parseInput(typ InputType, s string) (any, error) {
	switch typ {
	case InputString:
		return s, nil
	case InputInteger:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("not an integer")
		}
		return n, nil
	case InputNumber:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("not a number")
		}
		return f, nil
	case InputBoolean:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("not a boolean (true or false)")
		}
		return b, nil
	case InputArray, InputObject:
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			example := `["a","b"]`
			if typ == InputObject {
				example = `{"k":"v"}`
			}
			return nil, fmt.Errorf("not JSON (an %s input takes JSON, such as %s)", typ, example)
		}
		return checkInput(typ, v)
	}
	return nil, fmt.Errorf("unknown type %q", typ)
}

// zeroInput is the value of an optional input that has no default and was not given.
func zeroInput(typ InputType) any {
	switch typ {
	case InputInteger:
		return int64(0)
	case InputNumber:
		return float64(0)
	case InputBoolean:
		return false
	case InputArray:
		return []any{}
	case InputObject:
		return map[string]any{}
	}
	return ""
}

func typeArticle(typ InputType) string {
	switch typ {
	case InputInteger, InputArray, InputObject:
		return "an " + string(typ)
	}
	return "a " + string(typ)
}

// valueTypeName names the type of a value from TOML or JSON.
func valueTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case float64:
		return "a number"
	case int:
		return "an integer"
	}
	return typeName(v)
}

// Input returns the input with the given name.
func (w *Workflow) Input(name string) (*Input, bool) {
	for i := range w.Inputs {
		if w.Inputs[i].Name == name {
			return &w.Inputs[i], true
		}
	}
	return nil, false
}

// SetInputs sets input values given as Go values (decoded JSON, say: the arguments of a
// workflow called as a tool), each checked against its input's type. A name that is not an
// input is an error. Call it after Parse and before Validate.
func SetInputs(w *Workflow, values map[string]any) error {
	for _, name := range slices.Sorted(maps.Keys(values)) {
		in, ok := w.Input(name)
		if !ok {
			return &Error{File: w.File, Key: "inputs." + name, Msg: fmt.Sprintf("unknown input %q%s", name, didYouMean(name, inputNames(w)))}
		}
		v, err := checkInput(in.Type, values[name])
		if err != nil {
			return &Error{File: w.File, Line: in.Line, Key: "inputs." + name, Msg: err.Error()}
		}
		w.InputValues[name] = v
	}
	return nil
}

// checkInputs reports the first required input without a value, and the first value that
// does not have its input's type (a value set on InputValues by hand).
func (w *Workflow) checkInputs() error {
	for _, in := range w.Inputs {
		v, ok := w.InputValues[in.Name]
		if !ok {
			if in.Required {
				return &Error{File: w.File, Line: in.Line, Key: "inputs." + in.Name,
					Msg: fmt.Sprintf("required input not given: pass --var %s=...", in.Name)}
			}
			continue
		}
		if _, err := checkInput(in.Type, v); err != nil {
			return &Error{File: w.File, Line: in.Line, Key: "inputs." + in.Name, Msg: err.Error()}
		}
	}
	return nil
}

// inputData is what templates see as .inputs: the values given, the defaults, and the zero
// value of the type for an optional input without either.
func (w *Workflow) inputData() map[string]any {
	out := make(map[string]any, len(w.Inputs))
	for _, in := range w.Inputs {
		if v, ok := w.InputValues[in.Name]; ok {
			out[in.Name] = v
		} else {
			out[in.Name] = zeroInput(in.Type)
		}
	}
	return out
}

func inputNames(w *Workflow) []string {
	names := make([]string, len(w.Inputs))
	for i, in := range w.Inputs {
		names[i] = in.Name
	}
	return names
}

// InputSchema returns the JSON Schema of the workflow's inputs: an object with a property
// per input (its type, description and default) and the required ones listed.
func (w *Workflow) InputSchema() map[string]any {
	props := make(map[string]any, len(w.Inputs))
	required := []string{}
	for _, in := range w.Inputs {
		p := map[string]any{"type": string(in.Type)}
		if in.Description != "" {
			p["description"] = in.Description
		}
		if in.HasDefault {
			p["default"] = in.Default
		}
		props[in.Name] = p
		if in.Required {
			required = append(required, in.Name)
		}
	}
	schema := map[string]any{
		"type":                 "object",
		"properties":           props,
		"required":             required,
		"additionalProperties": false,
	}
	if w.Description != "" {
		schema["description"] = w.Description
	}
	if w.Name != "" {
		schema["title"] = w.Name
	}
	return schema
}
