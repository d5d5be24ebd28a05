package describe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// param is one row of a parameter table, flattened from a JSON Schema.
type param struct {
	name        string // "text", or a path into an object: "filter.status", "items[].id"
	typ         string // readable: "string", "array of integer", "string or null"
	required    bool
	description string   // collapsed to one line
	notes       []string // constraints as sentences: "One of: `a`, `b`.", "Default: `1`."
	example     any      // a value to show in an example call (default, enum, const), or nil
	nested      bool     // a property of a property
}

// maxDepth bounds how far nested objects are flattened into rows.
const maxDepth = 2

// decodeJSON decodes raw keeping numbers exact.
func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// encodeJSON marshals v with sorted map keys and without HTML escaping.
func encodeJSON(v any, indent bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// normaliseJSON re-encodes raw with sorted keys, so that two schemas that
// differ only in key order or spacing give the same bytes.
func normaliseJSON(raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, err
	}
	return encodeJSON(v, false)
}

// schemaParams flattens the properties of an object schema into rows:
// required ones first, each followed by its nested properties.
func schemaParams(raw json.RawMessage) []param {
	if len(raw) == 0 {
		return nil
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil
	}
	obj, _ := v.(map[string]any)
	return objectParams(obj, "", 0)
}

func objectParams(obj map[string]any, prefix string, depth int) []param {
	props, _ := obj["properties"].(map[string]any)
	if len(props) == 0 {
		return nil
	}
	required := map[string]bool{}
	if req, ok := obj["required"].([]any); ok {
		for _, r := range req {
			if s, ok := r.(string); ok {
				required[s] = true
			}
		}
	}
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if required[names[i]] != required[names[j]] {
			return required[names[i]]
		}
		return names[i] < names[j]
	})
	var out []param
	for _, n := range names {
		prop, _ := props[n].(map[string]any)
		p := param{
			name:        prefix + n,
			typ:         typeOf(prop),
			required:    required[n],
			description: collapse(str(prop["description"])),
			nested:      depth > 0,
		}
		p.notes, p.example = constraints(prop)
		out = append(out, p)
		if depth+1 >= maxDepth {
			continue
		}
		switch {
		case prop["properties"] != nil:
			out = append(out, objectParams(prop, p.name+".", depth+1)...)
		case prop["items"] != nil:
			if items, ok := prop["items"].(map[string]any); ok {
				out = append(out, objectParams(items, p.name+"[].", depth+1)...)
			}
		}
	}
	return out
}

// typeOf renders the type of a schema for people.
func typeOf(s map[string]any) string {
	if s == nil {
		return "any"
	}
	if ref, ok := s["$ref"].(string); ok {
		return ref[strings.LastIndexByte(ref, '/')+1:]
	}
	var base string
	switch t := s["type"].(type) {
	case string:
		base = t
	case []any:
		var kinds []string
		nullable := false
		for _, k := range t {
			if ks, ok := k.(string); ok && ks == "null" {
				nullable = true
			} else if ok {
				kinds = append(kinds, ks)
			}
		}
		base = strings.Join(kinds, " or ")
		switch {
		case nullable && base == "":
			base = "null"
		case nullable:
			base += " or null"
		}
	}
	switch {
	case base == "array":
		if items, ok := s["items"].(map[string]any); ok {
			if it := typeOf(items); it != "any" {
				return "array of " + it
			}
		}
	case base == "":
		for _, key := range []string{"anyOf", "oneOf"} {
			if alts, ok := s[key].([]any); ok && len(alts) > 0 {
				var kinds []string
				for _, a := range alts {
					am, _ := a.(map[string]any)
					if k := typeOf(am); !slices.Contains(kinds, k) {
						kinds = append(kinds, k)
					}
				}
				return strings.Join(kinds, " or ")
			}
		}
		if _, ok := s["enum"]; ok {
			return "enum"
		}
		return "any"
	}
	if f, ok := s["format"].(string); ok && f != "" {
		return base + " (" + f + ")"
	}
	return base
}

// constraints states a property's enum, const, default and range as
// sentences, and picks a value for example calls. Values are cut to
// maxLiteralRunes; one too long for that is no example.
func constraints(s map[string]any) (notes []string, example any) {
	if s == nil {
		return nil, nil
	}
	pick := func(v any) {
		if _, was := cut(literal(v), maxLiteralRunes); !was {
			example = v
		}
	}
	if enum, ok := s["enum"].([]any); ok && len(enum) > 0 {
		vals := make([]string, 0, min(len(enum), 11))
		for _, e := range enum[:min(len(enum), 11)] {
			vals = append(vals, shortLiteral(e))
		}
		more := ""
		if len(enum) > 10 {
			more = " and " + strconv.Itoa(len(enum)-10) + " more"
			vals = vals[:10]
		}
		notes = append(notes, "One of: "+codeList(vals)+more+".")
		pick(enum[0])
	}
	if c, ok := s["const"]; ok {
		notes = append(notes, "Always "+code(shortLiteral(c))+".")
		pick(c)
	}
	if d, ok := s["default"]; ok {
		notes = append(notes, "Default: "+code(shortLiteral(d))+".")
		pick(d)
	}
	lo, hasLo := s["minimum"]
	hi, hasHi := s["maximum"]
	switch {
	case hasLo && hasHi:
		notes = append(notes, fmt.Sprintf("From %s to %s.", plain(shortLiteral(lo)), plain(shortLiteral(hi))))
	case hasLo:
		notes = append(notes, fmt.Sprintf("At least %s.", plain(shortLiteral(lo))))
	case hasHi:
		notes = append(notes, fmt.Sprintf("At most %s.", plain(shortLiteral(hi))))
	}
	return notes, example
}

// literal renders a JSON value compactly: strings bare, the rest as JSON.
func literal(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	data, err := encodeJSON(v, false)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// shortLiteral is literal cut to maxLiteralRunes, on one line.
func shortLiteral(v any) string {
	s, _ := cut(literal(v), maxLiteralRunes)
	return oneLine(s)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// exampleArgs is a JSON object of the required top-level parameters with
// values to replace: a default or allowed value where the schema gives
// one, else a placeholder of the right type.
func exampleArgs(params []param) string {
	var parts []string
	for _, p := range params {
		if p.nested || !p.required {
			continue
		}
		v := p.example
		if v == nil {
			v = placeholder(p)
		}
		key, _ := encodeJSON(p.name, false)
		val, err := encodeJSON(v, false)
		if err != nil {
			continue
		}
		parts = append(parts, string(key)+": "+string(val))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func placeholder(p param) any {
	switch t, _, _ := strings.Cut(p.typ, " "); t {
	case "integer", "number":
		return json.Number("1")
	case "boolean":
		return false
	case "array":
		return []any{}
	case "object":
		return map[string]any{}
	}
	return "<" + p.name + ">"
}
