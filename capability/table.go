package capability

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// table is one table of a config file as decoded (TOML or JSON values), with what messages
// need to point into the file. Its readers report wrong types and bad values to errs and
// return ok=false, so that one pass finds every problem.
type table struct {
	file    string                      // for messages
	dir     string                      // absolute directory of file, for relative paths
	path    []string                    // key path of the table in its file, e.g. servers, demo
	vals    map[string]any              // the table's keys as decoded
	lines   func(path ...string) int    // line of a key path in file; 0 when unknown
	json    bool                        // name types as JSON does (object, number)
	aliases map[string]string           // resolved key -> key as written here, for messages
	env     func(string) (string, bool) // environment for ${VAR}
	errs    *problems
	unknown int // unknown keys found by checkKeys
}

// sub returns the table at key, which holds vals.
func (t *table) sub(key string, vals map[string]any) *table {
	c := *t
	c.path = append(slices.Clone(t.path), key)
	c.vals = vals
	c.aliases = nil
	c.unknown = 0
	return &c
}

func (t *table) has(key string) bool {
	_, ok := t.vals[key]
	return ok
}

// line returns the line of key below the table, or of its closest parent that has one.
func (t *table) line(key ...string) int {
	p := append(slices.Clone(t.path), key...)
	for ; len(p) > 0; p = p[:len(p)-1] {
		if l := t.lines(p...); l > 0 {
			return l
		}
	}
	return 0
}

// fail reports msg about key (a path below the table; none for the table itself).
func (t *table) fail(msg string, key ...string) {
	t.errs.add(&ConfigError{
		File: t.file,
		Line: t.line(key...),
		Key:  keyPath(append(slices.Clone(t.path), key...)),
		Msg:  msg,
	})
}

// checkKeys reports every key of the table that is not in valid.
func (t *table) checkKeys(valid []string, hints map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(t.vals)) {
		if !slices.Contains(valid, k) {
			t.fail(unknownKey(k, valid, hints), k)
			t.unknown++
		}
	}
}

// report maps problems found in resolved values back to the keys of this table that caused
// them. A problem about a key the table does not set was inherited, and was reported where
// that key is set; unless it is structural (always), then it is reported on the table.
func (t *table) report(probs []problem) {
	for _, pr := range probs {
		if pr.missing && t.unknown > 0 {
			continue
		}
		if len(pr.key) == 0 {
			t.fail(pr.msg)
			continue
		}
		reported := false
		for _, k := range []string{pr.key[0], t.aliases[pr.key[0]], pr.alt} {
			if k != "" && t.has(k) {
				t.fail(pr.msg, append([]string{k}, pr.key[1:]...)...)
				reported = true
				break
			}
		}
		if !reported && pr.always {
			t.fail(pr.msg)
		}
	}
}

// wrongType reports that key holds the wrong kind of value. It never shows the value.
func (t *table) wrongType(key, want string, v any) {
	t.fail(fmt.Sprintf("want %s, got %s", t.word(want), t.word(typeName(v))), key)
}

// word names a type as the file's format does.
func (t *table) word(s string) string {
	if t.json {
		s = strings.NewReplacer("a table", "an object", "table", "object", "an integer", "a number", "integer", "number").Replace(s)
	}
	return s
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "float"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case time.Time:
		return "datetime"
	case []any, []map[string]any:
		return "array"
	case map[string]any:
		return "table"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// subTable returns the table at key, if it is set and is a table.
func (t *table) subTable(key string) (*table, bool) {
	v, ok := t.vals[key]
	if !ok {
		return nil, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.wrongType(key, "a table", v)
		return nil, false
	}
	return t.sub(key, m), true
}

// str reads a string; expand replaces ${VAR} from the environment.
func (t *table) str(key string, expand bool) (string, bool) {
	v, ok := t.vals[key]
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		t.wrongType(key, "a string", v)
		return "", false
	}
	if expand {
		s = expandEnv(s, t.env)
	}
	return s, true
}

func (t *table) boolean(key string) (bool, bool) {
	v, ok := t.vals[key]
	if !ok {
		return false, false
	}
	b, ok := v.(bool)
	if !ok {
		t.wrongType(key, "a boolean", v)
	}
	return b, ok
}

// integer reads a whole number; range checks happen on the resolved value.
func (t *table) integer(key string) (int, bool) {
	v, ok := t.vals[key]
	if !ok {
		return 0, false
	}
	n, ok := v.(int64)
	if !ok {
		t.wrongType(key, "an integer", v)
		return 0, false
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		t.fail(fmt.Sprintf("%d is out of range", n), key)
		return 0, false
	}
	return int(n), true
}

// strList reads an array of strings.
func (t *table) strList(key string, expand bool) ([]string, bool) {
	v, ok := t.vals[key]
	if !ok {
		return nil, false
	}
	arr, ok := v.([]any)
	if !ok {
		t.wrongType(key, "an array of strings", v)
		return nil, false
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			t.fail(fmt.Sprintf("element %d: want a string, got %s", i+1, t.word(typeName(e))), key, strconv.Itoa(i))
			return nil, false
		}
		if expand {
			s = expandEnv(s, t.env)
		}
		out = append(out, s)
	}
	return out, true
}

// strMap reads a table of strings (env, headers). Values are expanded and never shown.
func (t *table) strMap(key string) (map[string]string, bool) {
	sub, ok := t.subTable(key)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(sub.vals))
	good := true
	for _, k := range slices.Sorted(maps.Keys(sub.vals)) {
		s, ok := sub.str(k, true)
		if !ok {
			good = false
			continue
		}
		out[k] = s
	}
	return out, good
}

// duration reads a Go duration string such as "30s".
func (t *table) duration(key string) (time.Duration, bool) {
	v, ok := t.vals[key]
	if !ok {
		return 0, false
	}
	s, ok := v.(string)
	if !ok {
		t.fail(fmt.Sprintf("want a duration string such as \"30s\", got %s", t.word(typeName(v))), key)
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		t.fail(fmt.Sprintf("bad duration %q (want a Go duration such as \"30s\" or \"5m\")", s), key)
		return 0, false
	}
	return d, true
}

// durationMap reads a table of durations (tool_timeouts).
func (t *table) durationMap(key string) (map[string]time.Duration, bool) {
	sub, ok := t.subTable(key)
	if !ok {
		return nil, false
	}
	out := make(map[string]time.Duration, len(sub.vals))
	good := true
	for _, k := range slices.Sorted(maps.Keys(sub.vals)) {
		d, ok := sub.duration(k)
		if !ok {
			good = false
			continue
		}
		out[k] = d
	}
	return out, good
}

// seconds reads a number of seconds (Codex's startup_timeout_sec, tool_timeout_sec).
func (t *table) seconds(key string) (time.Duration, bool) {
	v, ok := t.vals[key]
	if !ok {
		return 0, false
	}
	var f float64
	switch n := v.(type) {
	case int64:
		f = float64(n)
	case float64:
		f = n
	default:
		t.wrongType(key, "a number of seconds", v)
		return 0, false
	}
	if math.IsNaN(f) || math.Abs(f) > 1e9 {
		t.fail("number of seconds out of range", key)
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}

// keyPath writes a key path as TOML does: dotted, quoting parts that are not bare keys.
func keyPath(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = p
		if !isBareKey(p) {
			parts[i] = strconv.Quote(p)
		}
	}
	return strings.Join(parts, ".")
}

func isBareKey(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c == '-' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}
