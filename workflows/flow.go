package workflows

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// MaxForEachItems is the most items one for_each may yield: 10,000. A list longer than that
// fails the step ("for_each: 12000 items, more than 10000"), so that a runaway list costs a
// bounded number of calls and a bounded report.
const MaxForEachItems = 10_000

// parseCondition reads the value of an if: a boolean, or the text "true" or "false" (any case,
// surrounding spaces aside).
func parseCondition(v any) (bool, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return false, fmt.Errorf("want true or false, got %q", v)
	}
	return false, fmt.Errorf("want true or false, got %s", valueTypeName(v))
}

// RenderIf renders the step's if against scope: true when the step has none. An if that
// does not yield true or false is an *Error naming the step and the key "if".
func (s *Step) RenderIf(scope Scope) (bool, error) {
	if s.If == "" {
		return true, nil
	}
	v, err := s.templates.render(s.If, scope.data())
	if err != nil {
		return false, s.renderError("if", err)
	}
	ok, err := parseCondition(v)
	if err != nil {
		return false, s.renderError("if", err)
	}
	return ok, nil
}

// RenderForEach renders the step's for_each against scope to its list of items: a list
// value, or text that is a JSON array. Anything else, or more than MaxForEachItems items, is
// an *Error naming the step and the key "for_each". A step without for_each has no items.
func (s *Step) RenderForEach(scope Scope) ([]any, error) {
	if s.ForEach == "" {
		return nil, nil
	}
	v, err := s.templates.render(s.ForEach, scope.data())
	if err != nil {
		return nil, s.renderError("for_each", err)
	}
	items, err := asList(v)
	if err != nil {
		return nil, s.renderError("for_each", err)
	}
	if len(items) > MaxForEachItems {
		return nil, s.renderError("for_each", fmt.Errorf("%d items, more than %d (workflows.MaxForEachItems): split the list", len(items), MaxForEachItems))
	}
	return items, nil
}

// asList returns v as a list: a []any as it is, another slice element by element, text that
// is a JSON array decoded.
func asList(v any) ([]any, error) {
	switch v := v.(type) {
	case []any:
		return v, nil
	case nil:
		return nil, fmt.Errorf("want a list, got nothing (null)")
	case string:
		var l []any
		if err := json.Unmarshal([]byte(strings.TrimSpace(v)), &l); err != nil {
			short := v
			if len(short) > 60 {
				short = short[:60] + "…"
			}
			return nil, fmt.Errorf("want a list, got the text %q (write the template as one action, such as \"{{ .inputs.topics }}\", to pass a list)", short)
		}
		return l, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a list, got %s", valueTypeName(v))
}

// RenderItem renders the step's Target and Args as Render does, for one item of its
// for_each: the templates see .item (the item) and .index (its position, from 0) besides
// what scope holds.
func (s *Step) RenderItem(scope Scope, index int, item any) (target string, args map[string]any, err error) {
	data := scope.data()
	data["item"] = item
	data["index"] = index
	return s.render(data)
}

// NewScope returns the scope a run of w starts with: its vars and inputs, no results yet.
func (w *Workflow) NewScope() Scope {
	return Scope{Vars: w.Vars, Inputs: w.inputData(), Steps: map[string]Result{}}
}
