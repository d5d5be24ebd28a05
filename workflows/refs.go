package workflows

import (
	"fmt"
	"slices"
	"text/template"
	"text/template/parse"
)

// refs are the names a template reads from its data.
type refs struct {
	steps  []string // ids after .steps, in order of appearance
	vars   []string // names after .vars, in order of appearance
	inputs []string // names after .inputs, in order of appearance
	item   bool     // reads .item or .index
}

// stepFields are the fields of .steps.ID.
var stepFields = []string{"text", "json", "is_error", "error", "items", "skipped"}

// dataNames are the names templates see at the top of their data.
var dataNames = []string{"inputs", "vars", "steps", "item", "index"}

// templateRefs parses src and returns the steps and vars it references. References are field
// chains from the top-level data (.steps.ID…, .vars.NAME…, and the same after $) anywhere in
// the template: actions, pipelines, function arguments, if/range/with. Inside range and with
// the dot moves, so chains relative to it are not references. A chain that names .steps
// without an id is an error: the dependencies could not be known before the run.
func templateRefs(src string) (refs, error) {
	var r refs
	if !hasTemplate(src) {
		return r, nil
	}
	t, err := parseTemplate(src, nil)
	if err != nil {
		return r, err
	}
	return refsOf(t)
}

// refsOf returns the steps and vars the parsed template t references (see templateRefs).
func refsOf(t *template.Template) (refs, error) {
	var r refs
	for _, tt := range t.Templates() {
		if tt.Tree == nil {
			continue
		}
		// A {{define}}d template runs on whatever dot it is given, so only $ is known there.
		if err := r.walk(tt.Tree.Root, tt == t); err != nil {
			return r, err
		}
	}
	return r, nil
}

// walk collects references under n. root says whether the dot is the top-level data.
func (r *refs) walk(n parse.Node, root bool) error {
	switch n := n.(type) {
	case nil:
		return nil
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := r.walk(c, root); err != nil {
				return err
			}
		}
	case *parse.ActionNode:
		return r.walk(n.Pipe, root)
	case *parse.PipeNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Cmds {
			if err := r.walk(c, root); err != nil {
				return err
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			if err := r.walk(a, root); err != nil {
				return err
			}
		}
	case *parse.ChainNode:
		return r.walk(n.Node, root)
	case *parse.FieldNode:
		if root {
			return r.chain(n.Ident, ".")
		}
	case *parse.VariableNode:
		if len(n.Ident) > 1 && n.Ident[0] == "$" {
			return r.chain(n.Ident[1:], "$.")
		}
	case *parse.IfNode:
		return r.branch(&n.BranchNode, root, root)
	case *parse.RangeNode:
		return r.branch(&n.BranchNode, false, root)
	case *parse.WithNode:
		return r.branch(&n.BranchNode, false, root)
	case *parse.TemplateNode:
		return r.walk(n.Pipe, root)
	}
	return nil
}

// branch walks an if, range or with: the pipeline sees the current dot, the body sees bodyRoot,
// the else branch the current dot again.
func (r *refs) branch(b *parse.BranchNode, bodyRoot, root bool) error {
	if err := r.walk(b.Pipe, root); err != nil {
		return err
	}
	if err := r.walk(b.List, bodyRoot); err != nil {
		return err
	}
	return r.walk(b.ElseList, root)
}

// chain records the reference a field chain from the top-level data makes.
func (r *refs) chain(ident []string, prefix string) error {
	if len(ident) == 0 {
		return nil
	}
	switch ident[0] {
	case "steps":
		if len(ident) < 2 {
			return fmt.Errorf("%ssteps needs a step id, as in %ssteps.ID.text, so that the step's dependencies are known before the run", prefix, prefix)
		}
		if len(ident) > 2 && !slices.Contains(stepFields, ident[2]) {
			return fmt.Errorf("%ssteps.%s has no field %q%s; a step has .text, .json, .is_error, .error, .items and .skipped",
				prefix, ident[1], ident[2], didYouMean(ident[2], stepFields))
		}
		r.steps = append(r.steps, ident[1])
	case "vars":
		if len(ident) > 1 {
			r.vars = append(r.vars, ident[1])
		}
	case "inputs":
		if len(ident) > 1 {
			r.inputs = append(r.inputs, ident[1])
		}
	case "item", "index":
		r.item = true
	default:
		return fmt.Errorf("unknown data %s%s%s; templates see .inputs, .vars and .steps (and .item and .index in a for_each step)",
			prefix, ident[0], didYouMean(ident[0], dataNames))
	}
	return nil
}
