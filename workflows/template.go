package workflows

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"text/template"
	"text/template/parse"
)

// tmplName names every parsed template, so that its prefix can be cut from error messages.
const tmplName = "tmpl"

// captureFunc is appended to a string's only action to take its value with its Go type.
const captureFunc = "__capture"

// hasTemplate reports whether s holds any action at all; strings without one are taken as they are.
func hasTemplate(s string) bool { return strings.Contains(s, "{{") }

// parseTemplate parses src as a text/template with the workflow's functions (and extra ones),
// prepared to render within the bounds (see bound).
func parseTemplate(src string, extra template.FuncMap) (*template.Template, error) {
	t := template.New(tmplName).Option("missingkey=error").Funcs(funcs)
	if extra != nil {
		t.Funcs(extra)
	}
	t, err := t.Parse(src)
	if err != nil {
		return nil, err
	}
	if err := bound(t); err != nil {
		return nil, err
	}
	return t, nil
}

// render renders one string. A string that is exactly one action (surrounding whitespace
// aside) yields the action's value with its Go type, so that numbers, lists and maps pass
// between steps unchanged; any other string yields text.
func (ts templateSet) render(src string, data map[string]any) (v any, err error) {
	if !hasTemplate(src) {
		return src, nil
	}
	defer func() {
		// text/template lets runtime errors through; a template must not take the run down.
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("template panicked: %v", r)
		}
	}()
	switch p := ts[src]; {
	case p != nil && p.chain != nil:
		if v, ok := lookup(data, p.chain); ok {
			return v, nil
		}
		return renderNow(src, data) // for its error, or for what lookup does not follow
	case p == nil || p.sole && p.value == nil:
		return renderNow(src, data)
	case p.sole:
		return p.executeValue(data)
	default:
		return executeText(p.text, data)
	}
}

// renderNow parses src and renders it as render does: for a string Parse did not keep in the
// form render needs, and for a field chain that lookup could not follow.
func renderNow(src string, data map[string]any) (any, error) {
	t, err := parseTemplate(src, nil)
	if err != nil {
		return nil, err
	}
	if soleAction(t.Tree) == nil {
		return executeText(t, data)
	}
	return bindCapture(withCapture(t)).execute(data)
}

// renderText renders src as text, whatever its shape.
func (ts templateSet) renderText(src string, data map[string]any) (string, error) {
	if !hasTemplate(src) {
		return src, nil
	}
	if p := ts[src]; p != nil && p.text != nil {
		return executeText(p.text, data)
	}
	t, err := parseTemplate(src, nil)
	if err != nil {
		return "", err
	}
	return executeText(t, data)
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
// (on retry) or concurrently with other steps. Errors are *Error naming the step and the key,
// among them a string whose render goes past MaxTemplateOutput or MaxTemplateIterations.
func (s *Step) Render(scope Scope) (target string, args map[string]any, err error) {
	return s.render(scope.data())
}

func (s *Step) render(data map[string]any) (target string, args map[string]any, err error) {
	target, err = s.templates.renderText(s.Target, data)
	if err != nil {
		return "", nil, s.renderError(string(s.Kind), err)
	}
	if s.Args == nil {
		return target, nil, nil
	}
	v, err := s.templates.renderValue(s.Args, data)
	if err != nil {
		var ke *keyedError
		if errors.As(err, &ke) {
			return "", nil, s.renderError("args"+ke.key, ke.err)
		}
		return "", nil, s.renderError("args", err)
	}
	args, _ = v.(map[string]any)
	return target, args, nil
}

func (s *Step) renderError(key string, err error) error {
	return &Error{Step: s.ID, Key: key, Msg: templateMessage(err), Err: err}
}

// keyedError carries the key of the string that failed out of renderValue: the path below
// the value renderValue was given (".items[0]"), built as the error goes up.
type keyedError struct {
	key string
	err error
}

func (e *keyedError) Error() string { return e.key + ": " + e.err.Error() }
func (e *keyedError) Unwrap() error { return e.err }

// renderValue returns a copy of v with every string rendered, at any depth.
func (ts templateSet) renderValue(v any, data map[string]any) (any, error) {
	switch v := v.(type) {
	case string:
		out, err := ts.render(v, data)
		if err != nil {
			return nil, &keyedError{"", err}
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			r, err := ts.renderValue(e, data)
			if err != nil {
				return nil, under("."+k, err)
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			r, err := ts.renderValue(e, data)
			if err != nil {
				return nil, under(fmt.Sprintf("[%d]", i), err)
			}
			out[i] = r
		}
		return out, nil
	case []map[string]any:
		out := make([]any, len(v))
		for i, e := range v {
			r, err := ts.renderValue(e, data)
			if err != nil {
				return nil, under(fmt.Sprintf("[%d]", i), err)
			}
			out[i] = r
		}
		return out, nil
	default:
		return v, nil
	}
}

// under puts the key of a failed string below key, on its way up renderValue.
func under(key string, err error) error {
	if ke, ok := err.(*keyedError); ok {
		ke.key = key + ke.key
	}
	return err
}

// RenderOutputs renders the workflow's [outputs] against scope, each with the same rule as
// step args (a string that is one action keeps its value's type). It renders every output it
// can: on failure it returns those that rendered together with the errors, joined.
//
// An output that references a skipped step (a Result with Skipped set) and does not render
// is empty (""), not an error: the step did not run, so there is nothing to show.
func RenderOutputs(w *Workflow, scope Scope) (map[string]any, error) {
	data := scope.data()
	out := make(map[string]any, len(w.Outputs))
	var errs []error
	for _, o := range w.Outputs {
		v, err := w.templates.render(o.Template, data)
		if err != nil && readsSkipped(w, o.Template, scope) {
			out[o.Name] = ""
			continue
		}
		if err != nil {
			errs = append(errs, &Error{Key: "outputs." + o.Name, Msg: templateMessage(err), Err: err})
			continue
		}
		out[o.Name] = v
	}
	return out, errors.Join(errs...)
}

// readsSkipped reports whether the template references a step that was skipped.
func readsSkipped(w *Workflow, src string, scope Scope) bool {
	r, err := w.templates.refs(src)
	if err != nil {
		return false
	}
	for _, id := range r.steps {
		if res, ok := scope.Steps[id]; ok && res.Skipped {
			return true
		}
	}
	return false
}

// templatePrefix matches what text/template puts before its messages: our template's name and
// a position within a one-line string, which say nothing a reader needs.
var templatePrefix = regexp.MustCompile(`^template: ` + tmplName + `:[0-9:]*: (executing "` + tmplName + `" at )?`)

// templateMessage is err's message without text/template's prefix.
func templateMessage(err error) string {
	return templatePrefix.ReplaceAllString(err.Error(), "")
}
