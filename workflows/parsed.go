package workflows

import (
	"io"
	"sync"
	"text/template"
	"text/template/parse"
)

// templateSet holds a workflow's templates, parsed once by Parse and keyed by their source, so
// that rendering a step, on every attempt of every run, parses nothing. Parse fills it; after
// that it is only read, so renders may share it from any number of goroutines. A string it
// does not hold (a step built or changed by hand) is parsed when it is rendered.
type templateSet map[string]*parsedTemplate

// parsedTemplate is one template string, parsed for the ways Parse found it rendered. A
// workflow keeps one for each of its templates as long as it lives, so it keeps no more than
// it needs: every object kept is one more for the collector to mark at each cycle, which a
// process making many calls pays on every call (measured in BENCHMARKS.md).
type parsedTemplate struct {
	refs refs // what it reads
	sole bool // the string is one action (see soleAction)

	// chain is the field chain of a string that is one action and reads only that, such as
	// "{{ .steps.a.text }}", the most common template: rendered to its value by following
	// the chain through the data's maps (see lookup), with no template kept for it.
	chain []string

	// text renders the string as text: set for a string that is not one action, which renders
	// as text wherever it is, and for one that is when it is a step's Target.
	text *template.Template

	// value renders a string that is one action to the action's value: its action ends in a
	// call of captureFunc. Each execution takes a capture, a copy of value bound to a
	// captureFunc of its own, so that concurrent renders do not share what they capture.
	// value and spare are nil unless the string is one action, other than a field chain,
	// rendered to its value.
	value *template.Template
	mu    sync.Mutex
	spare []*capture // captures not in use
}

// capture is a template whose only action ends in a call of captureFunc, and what that call
// received in the template's last execution.
type capture struct {
	t *template.Template
	v any
}

// add parses src for rendering as text (a step's Target) or to its value (args, outputs),
// keeps it, and returns its references. A string without an action is not kept: it renders
// to itself. The error is the parse's, or the one of templateRefs.
func (ts templateSet) add(src string, asText bool) (refs, error) {
	if !hasTemplate(src) {
		return refs{}, nil
	}
	p := ts[src]
	if p == nil {
		t, err := parseTemplate(src, nil)
		if err != nil {
			return refs{}, err
		}
		r, err := refsOf(t)
		if err != nil {
			return refs{}, err
		}
		p = &parsedTemplate{refs: r, sole: soleAction(t.Tree) != nil, chain: fieldChain(t)}
		switch {
		case !p.sole || asText:
			p.text = t
		case p.chain == nil:
			p.setValue(t)
		}
		ts[src] = p
		return p.refs, nil
	}
	if p.sole && (asText && p.text == nil || !asText && p.value == nil && p.chain == nil) {
		t, err := parseTemplate(src, nil) // parsed before, so no error
		if err != nil {
			return refs{}, err
		}
		if asText {
			p.text = t
		} else {
			p.setValue(t)
		}
	}
	return p.refs, nil
}

// refs returns what src references: kept by add, or found by parsing it now.
func (ts templateSet) refs(src string) (refs, error) {
	if p := ts[src]; p != nil {
		return p.refs, nil
	}
	return templateRefs(src)
}

// setValue makes t, freshly parsed from a string that is one action, the value template, and
// its first capture.
func (p *parsedTemplate) setValue(t *template.Template) {
	p.value = withCapture(t)
	p.spare = []*capture{bindCapture(p.value)}
}

// fieldChain returns the field chain of t's only action when the action is that chain alone
// ("{{ .steps.a.text }}": no function, no pipe, no variable); otherwise nil.
func fieldChain(t *template.Template) []string {
	a := soleAction(t.Tree)
	if a == nil || len(a.Pipe.Cmds) != 1 || len(a.Pipe.Cmds[0].Args) != 1 {
		return nil
	}
	if f, ok := a.Pipe.Cmds[0].Args[0].(*parse.FieldNode); ok {
		return f.Ident
	}
	return nil
}

// lookup follows chain through data's nested maps, which is what text/template does with a
// field chain on them. It reports false as soon as it meets anything else, a missing key or
// a value that is not a map[string]any, for text/template to evaluate or explain.
func lookup(data map[string]any, chain []string) (any, bool) {
	var v any = data
	for _, name := range chain {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[name]; !ok {
			return nil, false
		}
	}
	return v, true
}

// withCapture appends a call of captureFunc to the only action of t, which must have one.
func withCapture(t *template.Template) *template.Template {
	a := soleAction(t.Tree)
	a.Pipe.Cmds = append(a.Pipe.Cmds, &parse.CommandNode{
		NodeType: parse.NodeCommand,
		Pos:      a.Pos,
		Args:     []parse.Node{parse.NewIdentifier(captureFunc).SetTree(t.Tree).SetPos(a.Pos)},
	})
	return t
}

// bindCapture binds t's captureFunc to a new capture.
func bindCapture(t *template.Template) *capture {
	c := &capture{}
	c.t = t.Funcs(template.FuncMap{captureFunc: func(v any) string {
		c.v = v
		return ""
	}})
	return c
}

// execute runs the capture's template and returns what it captured.
func (c *capture) execute(data map[string]any) (any, error) {
	defer func() { c.v = nil }()
	if err := c.t.Execute(io.Discard, data); err != nil {
		return nil, err
	}
	return c.v, nil
}

// executeValue renders the string, one action, to its value.
func (p *parsedTemplate) executeValue(data map[string]any) (any, error) {
	c := p.take()
	v, err := c.execute(data)
	p.mu.Lock()
	p.spare = append(p.spare, c)
	p.mu.Unlock()
	return v, err
}

// take returns a capture for one execution: a spare one, or a new copy of value.
func (p *parsedTemplate) take() *capture {
	p.mu.Lock()
	if n := len(p.spare); n > 0 {
		c := p.spare[n-1]
		p.spare = p.spare[:n-1]
		p.mu.Unlock()
		return c
	}
	p.mu.Unlock()
	t, _ := p.value.Clone() // Clone returns no error
	return bindCapture(t)
}

// executeText renders t as text, within MaxTemplateOutput and MaxTemplateIterations.
func executeText(t *template.Template, data map[string]any) (string, error) {
	var w textWriter
	if err := t.Execute(&w, data); err != nil {
		return "", err
	}
	return w.String(), nil
}
