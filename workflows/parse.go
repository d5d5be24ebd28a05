package workflows

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/spine-mcp/spine/internal/tomlpos"
)

// The keys a workflow file may use, at the top level and in a [[steps]] element.
var (
	topKeys  = []string{"name", "description", "timeout", "max_parallel", "inputs", "vars", "servers", "steps", "outputs"}
	stepKeys = []string{"id", "server", "tool", "resource", "prompt", "args", "needs", "timeout", "retries", "retry_unsafe", "on_error",
		"if", "for_each", "max_parallel"}
	kinds = []Kind{KindTool, KindResource, KindPrompt}
)

// Parse reads a workflow file's bytes (see ReadFile). file names it in messages and gives the
// default Name.
//
// Parse rejects data larger than MaxFileSize and, each with an *Error that names the file, the
// line and the step: TOML syntax, unknown keys, values of the wrong type, bad durations, a
// max_parallel below 1, a step with two or none of tool/resource/prompt, missing, malformed
// or duplicate step ids, negative retries, an unknown on_error, template syntax, a range over
// an integer literal past MaxTemplateIterations, references to unknown steps (in needs or in
// templates), a step that depends on itself, and dependency cycles. It reports the first
// problem it finds.
//
// References to vars are checked by Validate instead, because ApplyVars may add vars after
// Parse. Servers are checked by Validate too, once the caller knows them.
func Parse(file string, data []byte) (*Workflow, error) {
	if len(data) > MaxFileSize {
		return nil, tooLarge(file)
	}
	p := &parser{file: file, src: data, pos: tomlpos.NewIndex(data)}
	return p.parse()
}

// parser holds what every error needs: the file's name and bytes.
type parser struct {
	file string
	src  []byte
	pos  *tomlpos.Index
	keys []toml.Key // every key, in file order
}

// table is a TOML table being read, with the key path that locates it in the file.
type table struct {
	p    *parser
	m    map[string]any
	path []string // key path of the table, for line numbers
	step string   // the step's id, once known
	key  string   // prefix of keys in messages ("steps[2]." before the id is known)
}

func (p *parser) parse() (*Workflow, error) {
	var raw map[string]any
	md, err := toml.Decode(string(p.src), &raw)
	if err != nil {
		return nil, p.syntaxError(err)
	}
	p.keys = md.Keys()
	top := &table{p: p, m: raw}
	if err := top.onlyKeys(topKeys); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(p.src)
	w := &Workflow{File: p.file, Name: defaultName(p.file), SHA256: hex.EncodeToString(sum[:]), pos: p.pos, templates: templateSet{}}
	if s, ok, err := top.string("name"); err != nil {
		return nil, err
	} else if ok && s != "" {
		w.Name = s
	}
	if w.Description, _, err = top.string("description"); err != nil {
		return nil, err
	}
	if w.Timeout, err = top.duration("timeout"); err != nil {
		return nil, err
	}
	if n, ok, err := top.integer("max_parallel"); err != nil {
		return nil, err
	} else if ok {
		if n < 1 {
			return nil, top.errorf("max_parallel", "must be at least 1 (got %d): it is the most steps in flight at once", n)
		}
		w.MaxParallel = int(min(n, maxInt))
	}
	if w.Vars, err = top.table("vars"); err != nil {
		return nil, err
	}
	if w.Vars == nil {
		w.Vars = map[string]any{}
	}
	if w.Inputs, err = p.inputs(top); err != nil {
		return nil, err
	}
	w.InputValues = make(map[string]any, len(w.Inputs))
	for _, in := range w.Inputs {
		if _, dup := w.Vars[in.Name]; dup {
			return nil, p.errorAt([]string{"inputs", in.Name}, "", "inputs."+in.Name,
				"%q is both an input and a var (in [vars]): --var would not know which to set; rename one", in.Name)
		}
		if in.HasDefault {
			w.InputValues[in.Name] = in.Default
		}
	}
	if w.Servers, err = p.servers(top); err != nil {
		return nil, err
	}
	if w.Steps, err = p.steps(top); err != nil {
		return nil, err
	}
	if err := p.link(w); err != nil {
		return nil, err
	}
	if w.Outputs, err = p.outputs(top, w); err != nil {
		return nil, err
	}
	if err := p.checkCycles(w); err != nil {
		return nil, err
	}
	return w, nil
}

// defaultName is the file's base name without its extension.
func defaultName(file string) string {
	if file == "" {
		return ""
	}
	base := filepath.Base(file)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

func (p *parser) syntaxError(err error) error {
	e := &Error{File: p.file, Line: 1, Msg: err.Error(), Err: err}
	var pe toml.ParseError
	if errors.As(err, &pe) {
		e.Msg = "syntax error: " + pe.Message
		if pe.Position.Line > 0 {
			e.Line = pe.Position.Line
		}
	}
	return e
}

// errorAt returns an *Error located at the key path (or the closest enclosing key that has a line).
func (p *parser) errorAt(path []string, step, key, format string, args ...any) *Error {
	return &Error{File: p.file, Line: lineOf(p.pos, path...), Step: step, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// orderedKeys returns the keys of the table at path in the order the file defines them.
func (p *parser) orderedKeys(path []string, m map[string]any) []string {
	seen := make(map[string]bool, len(m))
	var out []string
	for _, k := range p.keys {
		if len(k) == len(path)+1 && slices.Equal(k[:len(path)], path) && !seen[k[len(path)]] {
			if _, ok := m[k[len(path)]]; ok {
				seen[k[len(path)]] = true
				out = append(out, k[len(path)])
			}
		}
	}
	var rest []string
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

func (t *table) errorf(key, format string, args ...any) *Error {
	path := t.path
	if key != "" {
		path = append(slices.Clip(t.path), key)
	}
	return t.p.errorAt(path, t.step, strings.TrimSuffix(t.key+key, "."), format, args...)
}

// onlyKeys rejects the first key (in file order) that is not among allowed.
func (t *table) onlyKeys(allowed []string) error {
	type bad struct {
		key  string
		line int
	}
	var unknown []bad
	for k := range t.m {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, bad{k, lineOf(t.p.pos, append(slices.Clip(t.path), k)...)})
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.SortFunc(unknown, func(a, b bad) int {
		return cmp.Or(cmp.Compare(a.line, b.line), strings.Compare(a.key, b.key))
	})
	k := unknown[0].key
	msg := "unknown key" + didYouMean(k, allowed)
	if !strings.HasPrefix(msg, "unknown key (") {
		msg += " (known: " + strings.Join(allowed, ", ") + ")"
	}
	return t.errorf(k, "%s", msg)
}

// string returns the string at key; ok is false when the key is absent.
func (t *table) string(key string) (s string, ok bool, err error) {
	v, ok := t.m[key]
	if !ok {
		return "", false, nil
	}
	s, isString := v.(string)
	if !isString {
		return "", true, t.errorf(key, "must be a string, not %s", typeName(v))
	}
	return s, true, nil
}

// duration returns the duration at key (a string such as "30s"); 0 when absent.
func (t *table) duration(key string) (time.Duration, error) {
	s, ok, err := t.string(key)
	if !ok || err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, t.errorf(key, "%q is not a duration (write e.g. \"30s\", \"2m\", \"1h30m\")", s)
	}
	if d < 0 {
		return 0, t.errorf(key, "%q is negative", s)
	}
	return d, nil
}

// maxInt is the largest int, for integers that may not fit one on a 32-bit platform.
const maxInt = int64(^uint(0) >> 1)

// integer returns the integer at key; ok is false when the key is absent.
func (t *table) integer(key string) (n int64, ok bool, err error) {
	v, ok := t.m[key]
	if !ok {
		return 0, false, nil
	}
	n, isInt := v.(int64)
	if !isInt {
		return 0, true, t.errorf(key, "must be an integer, not %s", typeName(v))
	}
	return n, true, nil
}

// boolean returns the boolean at key; false when absent.
func (t *table) boolean(key string) (bool, error) {
	v, ok := t.m[key]
	if !ok {
		return false, nil
	}
	b, isBool := v.(bool)
	if !isBool {
		return false, t.errorf(key, "must be true or false, not %s", typeName(v))
	}
	return b, nil
}

// table returns the table at key; nil when absent.
func (t *table) table(key string) (map[string]any, error) {
	v, ok := t.m[key]
	if !ok {
		return nil, nil
	}
	m, isTable := v.(map[string]any)
	if !isTable {
		return nil, t.errorf(key, "must be a table, not %s", typeName(v))
	}
	return m, nil
}

// strings returns the array of strings at key; nil when absent.
func (t *table) strings(key string) ([]string, error) {
	v, ok := t.m[key]
	if !ok {
		return nil, nil
	}
	list, isList := v.([]any)
	if !isList {
		return nil, t.errorf(key, "must be an array of strings, not %s", typeName(v))
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		s, isString := e.(string)
		if !isString {
			return nil, t.errorf(key, "element %d must be a string, not %s", i, typeName(e))
		}
		out = append(out, s)
	}
	return out, nil
}

// servers returns the names of the inline [servers.*] tables, in file order. Their keys are
// capability's to check.
func (p *parser) servers(top *table) ([]string, error) {
	m, err := top.table("servers")
	if err != nil || m == nil {
		return nil, err
	}
	names := p.orderedKeys([]string{"servers"}, m)
	for _, name := range names {
		if _, ok := m[name].(map[string]any); !ok {
			return nil, p.errorAt([]string{"servers", name}, "", "servers."+name,
				"must be a table of server settings, not %s", typeName(m[name]))
		}
	}
	return names, nil
}

// outputs reads [outputs]: names to templates, which may reference any step.
func (p *parser) outputs(top *table, w *Workflow) ([]Output, error) {
	m, err := top.table("outputs")
	if err != nil || m == nil {
		return nil, err
	}
	var out []Output
	index := indexOf(w.Steps)
	for _, name := range p.orderedKeys([]string{"outputs"}, m) {
		path := []string{"outputs", name}
		src, ok := m[name].(string)
		if !ok {
			return nil, p.errorAt(path, "", "outputs."+name, "must be a string (a template), not %s", typeName(m[name]))
		}
		o := Output{Name: name, Template: src, Line: lineOf(p.pos, path...)}
		r, err := w.templates.add(src, false)
		if err != nil {
			return nil, p.errorAt(path, "", "outputs."+name, "template: %s", templateMessage(err))
		}
		if msg := checkData(w, r, false); msg != "" {
			return nil, p.errorAt(path, "", "outputs."+name, "%s", msg)
		}
		for _, id := range r.steps {
			if _, ok := index[id]; !ok {
				return nil, p.errorAt(path, "", "outputs."+name, "template references unknown step %q%s", id, didYouMean(id, stepIDs(w)))
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// typeName names a decoded TOML value's type as TOML does.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		return "a datetime"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// stepPath is the key path of the i-th (0-based) [[steps]] element, for line numbers.
func stepPath(i int) []string {
	return []string{"steps", strconv.Itoa(i)}
}

func stepIDs(w *Workflow) []string {
	ids := make([]string, len(w.Steps))
	for i, s := range w.Steps {
		ids[i] = s.ID
	}
	return ids
}
