package workflows

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// steps reads the [[steps]] array.
func (p *parser) steps(top *table) ([]Step, error) {
	v, ok := top.m["steps"]
	if !ok {
		return nil, &Error{File: p.file, Msg: "no steps: add at least one [[steps]] table"}
	}
	var elems []any
	switch v := v.(type) {
	case []map[string]any:
		for _, m := range v {
			elems = append(elems, m)
		}
	case []any:
		elems = v
	default:
		return nil, top.errorf("steps", "must be an array of tables ([[steps]]), not %s", typeName(v))
	}
	if len(elems) == 0 {
		return nil, top.errorf("steps", "no steps: add at least one [[steps]] table")
	}
	steps := make([]Step, 0, len(elems))
	firstLine := make(map[string]int, len(elems))
	for i, e := range elems {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, p.errorAt(stepPath(i), "", fmt.Sprintf("steps[%d]", i), "must be a table, not %s", typeName(e))
		}
		s, err := p.step(i, m)
		if err != nil {
			return nil, err
		}
		if l, dup := firstLine[s.ID]; dup {
			return nil, p.errorAt(append(stepPath(i), "id"), s.ID, "id",
				"duplicate id (the first step with it is at line %d); ids must be unique", l)
		}
		firstLine[s.ID] = s.Line
		steps = append(steps, s)
	}
	return steps, nil
}

// step reads the i-th [[steps]] element, on its own: references to other steps are checked
// by link once every step is known.
func (p *parser) step(i int, m map[string]any) (Step, error) {
	t := &table{p: p, m: m, path: stepPath(i), key: fmt.Sprintf("steps[%d].", i)}
	s := Step{Line: lineOf(p.pos, t.path...), OnError: OnErrorFail}

	id, ok, err := t.string("id")
	switch {
	case err != nil:
		return s, err
	case !ok:
		return s, t.errorf("", "missing id: every step needs one (id = \"...\")")
	case !validID(id):
		return s, t.errorf("id", "%q is not a valid id: use letters, digits and _, not starting with a digit "+
			"(templates refer to it as .steps.ID)", id)
	}
	s.ID, t.step, t.key = id, id, ""

	if err := t.onlyKeys(stepKeys); err != nil {
		return s, err
	}
	switch s.Server, ok, err = t.string("server"); {
	case err != nil:
		return s, err
	case !ok || s.Server == "":
		return s, t.errorf("", "missing server: say which server the step runs on (server = \"...\")")
	}
	if err := s.readKind(t); err != nil {
		return s, err
	}
	if s.Args, err = t.table("args"); err != nil {
		return s, err
	}
	if s.Kind == KindResource && s.Args != nil {
		return s, t.errorf("args", "a resource read takes no arguments (put parameters in the URI)")
	}
	if s.Needs, err = t.strings("needs"); err != nil {
		return s, err
	}
	if s.Timeout, err = t.duration("timeout"); err != nil {
		return s, err
	}
	if n, ok, err := t.integer("retries"); err != nil {
		return s, err
	} else if ok {
		switch {
		case n < 0:
			return s, t.errorf("retries", "must not be negative (got %d)", n)
		case n > 1000:
			return s, t.errorf("retries", "%d is too many (at most 1000)", n)
		}
		s.Retries = int(n)
	}
	if s.RetryUnsafe, err = t.boolean("retry_unsafe"); err != nil {
		return s, err
	}
	if err := s.readFlow(t); err != nil {
		return s, err
	}
	if onErr, ok, err := t.string("on_error"); err != nil {
		return s, err
	} else if ok {
		s.OnError = OnError(onErr)
		if s.OnError != OnErrorFail && s.OnError != OnErrorContinue {
			return s, t.errorf("on_error", "%q is not a policy: use \"fail\" (stop the run) or \"continue\"%s",
				onErr, didYouMean(onErr, []string{string(OnErrorFail), string(OnErrorContinue)}))
		}
	}
	return s, nil
}

// readFlow reads if, for_each and max_parallel.
func (s *Step) readFlow(t *table) error {
	switch v := t.m["if"].(type) {
	case nil:
	case bool:
		s.If = strconv.FormatBool(v)
	case string:
		if strings.TrimSpace(v) == "" {
			return t.errorf("if", "must not be empty: write a template such as \"{{ not .steps.check.is_error }}\"")
		}
		if !hasTemplate(v) {
			if _, err := parseCondition(v); err != nil {
				return t.errorf("if", "%q is neither a template nor true or false", v)
			}
		}
		s.If = v
	default:
		return t.errorf("if", "must be a template (a string) or true or false, not %s", typeName(v))
	}
	switch v := t.m["for_each"].(type) {
	case nil:
	case []any, []map[string]any: // a list written out: kept as its JSON text
		b, err := json.Marshal(v)
		if err != nil {
			return t.errorf("for_each", "%v", err)
		}
		s.ForEach = string(b)
	case string:
		if !hasTemplate(v) {
			if _, err := asList(v); err != nil {
				return t.errorf("for_each", "must be a list, or a template that yields one, such as \"{{ .inputs.topics }}\" or \"{{ .steps.list.json.items }}\"")
			}
		}
		s.ForEach = v
	default:
		return t.errorf("for_each", "must be a list, or a template that yields one (a string), not %s", typeName(v))
	}
	if n, ok, err := t.integer("max_parallel"); err != nil {
		return err
	} else if ok {
		switch {
		case s.ForEach == "":
			return t.errorf("max_parallel", "bounds the calls of a for_each step, and this step has no for_each "+
				"(the run's own max_parallel goes at the top of the file)")
		case n < 1:
			return t.errorf("max_parallel", "must be at least 1 (got %d): it is the most items in flight at once", n)
		}
		s.MaxParallel = int(min(n, maxInt))
	}
	return nil
}

// readKind sets Kind and Target from the one key among tool, resource and prompt.
func (s *Step) readKind(t *table) error {
	var found []Kind
	for _, k := range kinds {
		v, ok, err := t.string(string(k))
		if err != nil {
			return err
		}
		if ok {
			found = append(found, k)
			s.Kind, s.Target = k, v
		}
	}
	switch len(found) {
	case 0:
		return t.errorf("", "say what the step does: one of tool, resource or prompt")
	case 1:
		if s.Target == "" {
			return t.errorf(string(s.Kind), "must not be empty")
		}
		return nil
	default:
		// Point at the second one in the file: the first is most likely the one meant.
		slices.SortStableFunc(found, func(a, b Kind) int {
			return cmp.Compare(lineOf(t.p.pos, append(slices.Clip(t.path), string(a))...),
				lineOf(t.p.pos, append(slices.Clip(t.path), string(b))...))
		})
		names := make([]string, len(found))
		for i, k := range found {
			names[i] = string(k)
		}
		list := strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
		return t.errorf(string(found[1]), "a step does one thing, and this one has %s: keep one of them", list)
	}
}

// validID reports whether id can be written in a template field chain (.steps.ID).
func validID(id string) bool {
	if id == "" {
		return false
	}
	for i, r := range id {
		switch {
		case r == '_', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case '0' <= r && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// field is a templated string of a step, with where it sits in the step.
type field struct {
	key  string   // for messages: "args.items[0]"
	path []string // for line numbers, relative to the step
	src  string
	text bool // rendered as text (the Target), not to its value (args)
	item bool // rendered once per item of a for_each: .item and .index are there
}

// fields returns the step's templated strings: Target and every string in Args, at any depth,
// and its if and for_each.
func (s *Step) fields() []field {
	each := s.ForEach != ""
	fs := []field{{key: string(s.Kind), path: []string{string(s.Kind)}, src: s.Target, text: true, item: each}}
	if s.Args != nil {
		start := len(fs)
		collectFields(s.Args, "args", []string{"args"}, &fs)
		for i := start; i < len(fs); i++ {
			fs[i].item = each
		}
	}
	if s.If != "" {
		fs = append(fs, field{key: "if", path: []string{"if"}, src: s.If})
	}
	if each {
		fs = append(fs, field{key: "for_each", path: []string{"for_each"}, src: s.ForEach})
	}
	return fs
}

func collectFields(v any, key string, path []string, fs *[]field) {
	switch v := v.(type) {
	case string:
		*fs = append(*fs, field{key: key, path: path, src: v})
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			collectFields(v[k], key+"."+k, append(slices.Clip(path), k), fs)
		}
	case []any:
		for i, e := range v {
			collectFields(e, fmt.Sprintf("%s[%d]", key, i), append(slices.Clip(path), strconv.Itoa(i)), fs)
		}
	case []map[string]any:
		for i, e := range v {
			collectFields(e, fmt.Sprintf("%s[%d]", key, i), append(slices.Clip(path), strconv.Itoa(i)), fs)
		}
	}
}
