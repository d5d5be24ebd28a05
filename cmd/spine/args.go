package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// toolArgs are the arguments of `spine call` and `spine bench` as given: --args JSON and k=v
// pairs, checked for their syntax before anything starts, typed once the tool is known.
type toolArgs struct {
	base  map[string]any // from --args
	pairs [][2]string    // k=v, in order; a later one for the same key wins
}

// parseToolArgs checks --args and the k=v pairs.
func parseToolArgs(argsJSON string, pairs []string) (*toolArgs, error) {
	a := &toolArgs{base: map[string]any{}}
	if argsJSON != "" {
		dec := json.NewDecoder(strings.NewReader(argsJSON))
		dec.UseNumber()
		if err := dec.Decode(&a.base); err != nil || a.base == nil {
			if err == nil {
				err = fmt.Errorf("null")
			}
			return nil, badUsage("--args: not a JSON object: %v", err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, badUsage("--args: not a JSON object: more after the object")
		}
	}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, badUsage("argument %q: want key=value", p)
		}
		a.pairs = append(a.pairs, [2]string{k, v})
	}
	return a, nil
}

// typed returns the arguments with each k=v value typed by the tool's input schema (nil when
// the tool is not known): a string parameter takes the value as written; a number, integer,
// boolean, array, object or null parameter takes the value parsed as JSON, and a value that
// is none of the types the parameter allows is refused. For a parameter the schema does not
// type, a value that parses as JSON keeps its type, anything else is a string.
func (a *toolArgs) typed(tool *mcp.Tool) (map[string]any, error) {
	out := make(map[string]any, len(a.base)+len(a.pairs))
	for k, v := range a.base {
		out[k] = v
	}
	for _, kv := range a.pairs {
		k, raw := kv[0], kv[1]
		types := paramTypes(tool, k)
		v, err := typedValue(raw, types)
		if err != nil { // only a typed parameter refuses a value: the tool is known
			return nil, badInput(fmt.Errorf("argument %s=%s: want %s for parameter %q of tool %q", k, raw, typeList(types), k, tool.Name))
		}
		out[k] = v
	}
	return out, nil
}

// typedValue types raw by the JSON Schema types of its parameter (none: unknown).
func typedValue(raw string, types []string) (any, error) {
	parsed, isJSON := parseJSON(raw)
	if len(types) == 0 {
		if isJSON {
			return parsed, nil
		}
		return raw, nil
	}
	if isJSON {
		if _, isString := parsed.(string); !isString && slices.ContainsFunc(types, func(t string) bool { return hasType(parsed, t) }) {
			return parsed, nil
		}
	}
	if slices.Contains(types, "string") {
		return raw, nil
	}
	return nil, fmt.Errorf("not %s", typeList(types))
}

// parseJSON parses s as one JSON value, keeping numbers exact.
func parseJSON(s string) (any, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return v, true
}

// hasType reports whether v, as decoded by parseJSON, is of JSON Schema type t.
func hasType(v any, t string) bool {
	switch v := v.(type) {
	case nil:
		return t == "null"
	case bool:
		return t == "boolean"
	case json.Number:
		if t == "number" {
			return true
		}
		if t != "integer" {
			return false
		}
		if _, err := v.Int64(); err == nil {
			return true
		}
		f, err := v.Float64()
		return err == nil && f == float64(int64(f))
	case string:
		return t == "string"
	case []any:
		return t == "array"
	case map[string]any:
		return t == "object"
	}
	return false
}

// paramTypes returns the JSON Schema types the input schema of tool gives parameter name:
// its "type", a string or a list of strings; nil when the tool, the parameter or its type
// is not known.
func paramTypes(tool *mcp.Tool, name string) []string {
	if tool == nil {
		return nil
	}
	schema, ok := schemaMap(tool.InputSchema)
	if !ok {
		return nil
	}
	props, _ := schema["properties"].(map[string]any)
	prop, _ := props[name].(map[string]any)
	switch t := prop["type"].(type) {
	case string:
		return []string{t}
	case []any:
		var types []string
		for _, x := range t {
			s, ok := x.(string)
			if !ok {
				return nil
			}
			types = append(types, s)
		}
		return types
	}
	return nil
}

// schemaMap returns a tool's schema as a map: a client receives it as one, but a schema built
// by hand (or a json.RawMessage) is decoded first.
func schemaMap(schema any) (map[string]any, bool) {
	if m, ok := schema.(map[string]any); ok {
		return m, true
	}
	if schema == nil {
		return nil, false
	}
	b, err := json.Marshal(schema)
	if err != nil {
		return nil, false
	}
	var m map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(b), &m); err != nil {
		return nil, false
	}
	return m, m != nil
}

// typeList names JSON Schema types for messages: "a number", "a string or null".
func typeList(types []string) string {
	names := make([]string, len(types))
	for i, t := range types {
		switch t {
		case "null":
			names[i] = "null"
		case "integer", "array", "object":
			names[i] = "an " + t
		default:
			names[i] = "a " + t
		}
	}
	return strings.Join(names, " or ")
}
