package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/template"
	"text/template/parse"
)

// Scope is what templates see when a step or an output is rendered: the run's vars and the
// results of the steps that have finished.
type Scope struct {
	Vars  map[string]any
	Steps map[string]Result // by step id
}

// tmplName names every parsed template, so that its prefix can be cut from error messages.
const tmplName = "tmpl"

// captureFunc is appended to a string's only action to take its value with its Go type.
const captureFunc = "__capture"

// funcs are the functions templates may call, besides text/template's built-ins.
var funcs = template.FuncMap{
	// json encodes a value as JSON text: "{{ json .steps.a.json }}".
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
}

// hasTemplate reports whether s holds any action at all; strings without one are taken as they are.
func hasTemplate(s string) bool { return strings.Contains(s, "{{") }

// parseTemplate parses src as a text/template with the workflow's functions (and extra ones).
func parseTemplate(src string, extra template.FuncMap) (*template.Template, error) {
	t := template.New(tmplName).Option("missingkey=error").Funcs(funcs)
	if extra != nil {
		t.Funcs(extra)
	}
	return t.Parse(src)
}

// data builds the value templates are executed on: nested maps, so that the lowercase names
// .vars.X, .steps.ID.text, .steps.ID.json and .steps.ID.is_error resolve.
func (s Scope) data() map[string]any {
	steps := make(map[string]any, len(s.Steps))
	for id, r := range s.Steps {
		steps[id] = map[string]any{"text": r.Text, "json": r.JSON, "is_error": r.IsError}
	}
	vars := s.Vars
	if vars == nil {
		vars = map[string]any{}
	}
	return map[string]any{"vars": vars, "steps": steps}
}

// render renders one string. A string that is exactly one action (surrounding whitespace
// aside) yields the action's value with its Go type, so that numbers, lists and maps pass
// between steps unchanged; any other string yields text.
func render(src string, data map[string]any) (v any, err error) {
	if !hasTemplate(src) {
		return src, nil
	}
	var captured any
	t, err := parseTemplate(src, template.FuncMap{captureFunc: func(v any) string {
		captured = v
		return ""
	}})
	if err != nil {
		return nil, err
	}
	defer func() {
		// text/template lets runtime errors through; a template must not take the run down.
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("template panicked: %v", r)
		}
	}()
	if a := soleAction(t.Tree); a != nil {
		a.Pipe.Cmds = append(a.Pipe.Cmds, &parse.CommandNode{
			NodeType: parse.NodeCommand,
			Pos:      a.Pos,
			Args:     []parse.Node{parse.NewIdentifier(captureFunc).SetTree(t.Tree).SetPos(a.Pos)},
		})
		if err := t.Execute(io.Discard, data); err != nil {
			return nil, err
		}
		return captured, nil
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return nil, err
	}
	return b.String(), nil
}

// renderText renders src as text, whatever its shape.
func renderText(src string, data map[string]any) (string, error) {
	if !hasTemplate(src) {
		return src, nil
	}
	t, err := parseTemplate(src, nil)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

// soleAction returns the tree's only action when, whitespace aside, the template is that one
// action and it declares no variable; otherwise nil.
func soleAction(tree *parse.Tree) *parse.ActionNode {
	if tree == nil || tree.Root == nil {
		return nil
	}
	var action *parse.ActionNode
	for _, n := range tree.Root.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			if len(strings.TrimSpace(string(n.Text))) > 0 {
				return nil
			}
		case *parse.ActionNode:
			if action != nil || len(n.Pipe.Decl) > 0 {
				return nil
			}
			action = n
		default:
			return nil
		}
	}
	return action
}

// Render renders the step's Target (as text) and every string in its Args, at any depth, against
// scope. It returns fresh values and leaves the step untouched, so a step can be rendered again
// (on retry) or concurrently with other steps. Errors are *Error naming the step and the key.
func (s *Step) Render(scope Scope) (target string, args map[string]any, err error) {
	data := scope.data()
	target, err = renderText(s.Target, data)
	if err != nil {
		return "", nil, s.renderError(string(s.Kind), err)
	}
	if s.Args == nil {
		return target, nil, nil
	}
	v, err := renderValue(s.Args, "args", data)
	if err != nil {
		var ke *keyedError
		if errors.As(err, &ke) {
			return "", nil, s.renderError(ke.key, ke.err)
		}
		return "", nil, s.renderError("args", err)
	}
	args, _ = v.(map[string]any)
	return target, args, nil
}

func (s *Step) renderError(key string, err error) error {
	return &Error{Step: s.ID, Key: key, Msg: templateMessage(err), Err: err}
}

// keyedError carries the key of the string that failed out of renderValue.
type keyedError struct {
	key string
	err error
}

func (e *keyedError) Error() string { return e.key + ": " + e.err.Error() }
func (e *keyedError) Unwrap() error { return e.err }

// renderValue returns a copy of v with every string rendered, at any depth.
func renderValue(v any, key string, data map[string]any) (any, error) {
	switch v := v.(type) {
	case string:
		out, err := render(v, data)
		if err != nil {
			return nil, &keyedError{key, err}
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			r, err := renderValue(e, key+"."+k, data)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			r, err := renderValue(e, fmt.Sprintf("%s[%d]", key, i), data)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case []map[string]any:
		out := make([]any, len(v))
		for i, e := range v {
			r, err := renderValue(e, fmt.Sprintf("%s[%d]", key, i), data)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	default:
		return v, nil
	}
}

// RenderOutputs renders the workflow's [outputs] against scope, each with the same rule as
// step args (a string that is one action keeps its value's type). It renders every output it
// can: on failure it returns those that rendered together with the errors, joined.
func RenderOutputs(w *Workflow, scope Scope) (map[string]any, error) {
	data := scope.data()
	out := make(map[string]any, len(w.Outputs))
	var errs []error
	for _, o := range w.Outputs {
		v, err := render(o.Template, data)
		if err != nil {
			errs = append(errs, &Error{Key: "outputs." + o.Name, Msg: templateMessage(err), Err: err})
			continue
		}
		out[o.Name] = v
	}
	return out, errors.Join(errs...)
}

// templatePrefix matches what text/template puts before its messages: our template's name and
// a position within a one-line string, which say nothing a reader needs.
var templatePrefix = regexp.MustCompile(`^template: ` + tmplName + `:[0-9:]*: (executing "` + tmplName + `" at )?`)

// templateMessage is err's message without text/template's prefix.
func templateMessage(err error) string {
	return templatePrefix.ReplaceAllString(err.Error(), "")
}
