package describe

import (
	"cmp"
	"fmt"
	"slices"
)

// input is what the generator takes from a Config: every string cleaned
// (see clean) and cut to its bound (see limits.go), at most maxItems of
// each list. What it cut or left out is noted under "input", so that
// Metadata.Condensed says so.
type input struct {
	caps   textCaps
	notes  condensed
	totals struct{ tools, resources, templates, prompts int }
}

// name cleans a name to one line of at most maxNameRunes; what names
// the kind of name for the note ("tool names").
func (in *input) name(s, what string) string {
	if _, was := cut(s, maxNameRunes); was {
		in.notes.add("input", fmt.Sprintf("%s cut to %d characters", what, maxNameRunes), "", "")
	}
	return boundName(s)
}

// boundName is the name s as the generator shows it: on one line, cut to
// maxNameRunes.
func boundName(s string) string {
	s, _ = cut(s, maxNameRunes)
	return oneLine(s)
}

// title cleans a title to one line of at most maxTitleRunes.
func (in *input) title(s, what, kind, unit string) string {
	s, was := cut(s, maxTitleRunes)
	if was {
		in.notes.add("input", fmt.Sprintf("%s cut to %d characters", what, maxTitleRunes), kind, unit)
	}
	return oneLine(s)
}

// text cleans free text, keeping its lines, and cuts it to n runes. It
// cuts before it cleans, so that it never reads more of a huge text than it
// keeps, and after, since a tab becomes four spaces.
func (in *input) text(s string, n int, what, kind, unit string) string {
	s, before := cut(s, n)
	s, after := cut(clean(s), n)
	if before || after {
		in.notes.add("input", fmt.Sprintf("%s cut to %d characters", what, n), kind, unit)
	}
	return s
}

// list keeps the first maxItems of items, sorted by key, and notes how
// many it left out.
func list[T any](in *input, items []T, kind string, key func(T) string) []T {
	items = slices.Clone(items)
	slices.SortStableFunc(items, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
	if n := len(items); n > maxItems {
		in.notes.add("input", fmt.Sprintf("%d %ss left out: %d listed, the first %d by name described", n-maxItems, kind, n, maxItems), "", "")
		items = items[:maxItems]
	}
	return items
}

// config returns cfg with every string made safe and bounded.
func (in *input) config(cfg Config) Config {
	out := Config{
		Server:       in.name(cfg.Server, "server names"),
		Title:        in.title(cfg.Title, "the server's title", "", ""),
		Version:      in.name(cfg.Version, "versions"),
		Description:  in.text(cfg.Description, in.caps.serverDesc, "the server's description", "", ""),
		Instructions: in.text(cfg.Instructions, in.caps.instructions, "the server's instructions", "", ""),
		Budgets:      cfg.Budgets,
		SourceHash:   cfg.SourceHash,
	}
	in.totals.tools, in.totals.resources = len(cfg.Tools), len(cfg.Resources)
	in.totals.templates, in.totals.prompts = len(cfg.ResourceTemplates), len(cfg.Prompts)

	caps := cfg.Capabilities
	if len(caps) > maxItems {
		in.notes.add("input", fmt.Sprintf("%d capabilities left out", len(caps)-maxItems), "", "")
		caps = caps[:maxItems]
	}
	for _, c := range caps {
		out.Capabilities = append(out.Capabilities, in.name(c, "capability names"))
	}
	for _, t := range list(in, cfg.Tools, "tool", func(t Tool) string { return t.Name }) {
		name := in.name(t.Name, "tool names")
		st := Tool{
			Name:         name,
			Title:        in.title(t.Title, "tool titles", "tool", name),
			Description:  in.text(t.Description, in.caps.toolDesc, "tool descriptions", "tool", name),
			InputSchema:  t.InputSchema,
			OutputSchema: t.OutputSchema,
		}
		if a := t.Annotations; a != nil {
			sa := *a
			sa.Title = in.title(a.Title, "tool titles", "tool", name)
			st.Annotations = &sa
		}
		out.Tools = append(out.Tools, st)
	}
	for _, r := range list(in, cfg.Resources, "resource", func(r Resource) string { return r.URI }) {
		uri := in.name(r.URI, "resource URIs and names")
		out.Resources = append(out.Resources, Resource{
			URI:         uri,
			Name:        in.name(r.Name, "resource URIs and names"),
			Title:       in.title(r.Title, "resource titles", "resource", uri),
			Description: in.text(r.Description, in.caps.itemDesc, "resource descriptions", "resource", uri),
			MIMEType:    in.name(r.MIMEType, "MIME types"),
		})
	}
	for _, t := range list(in, cfg.ResourceTemplates, "resource template", func(t ResourceTemplate) string { return t.URITemplate }) {
		uri := in.name(t.URITemplate, "resource template URIs and names")
		out.ResourceTemplates = append(out.ResourceTemplates, ResourceTemplate{
			URITemplate: uri,
			Name:        in.name(t.Name, "resource template URIs and names"),
			Title:       in.title(t.Title, "resource template titles", "resource template", uri),
			Description: in.text(t.Description, in.caps.itemDesc, "resource template descriptions", "resource template", uri),
			MIMEType:    in.name(t.MIMEType, "MIME types"),
		})
	}
	for _, p := range list(in, cfg.Prompts, "prompt", func(p Prompt) string { return p.Name }) {
		name := in.name(p.Name, "prompt names")
		sp := Prompt{
			Name:        name,
			Title:       in.title(p.Title, "prompt titles", "prompt", name),
			Description: in.text(p.Description, in.caps.itemDesc, "prompt descriptions", "prompt", name),
		}
		args := p.Arguments
		if len(args) > maxParams {
			in.notes.add("input", fmt.Sprintf("prompt arguments past the first %d left out", maxParams), "prompt", name)
			args = args[:maxParams]
		}
		for _, a := range args {
			sp.Arguments = append(sp.Arguments, PromptArgument{
				Name:        in.name(a.Name, "argument names"),
				Description: in.text(a.Description, in.caps.paramDesc, "argument descriptions", "prompt", name),
				Required:    a.Required,
			})
		}
		out.Prompts = append(out.Prompts, sp)
	}
	for _, w := range cfg.Workflows {
		name := in.name(w.Name, "workflow names")
		sw := Workflow{
			Name:        name,
			Description: in.text(w.Description, in.caps.workflowDesc, "workflow descriptions", "workflow", name),
			File:        in.name(w.File, "workflow file names"),
			Steps:       make([]WorkflowStep, 0, len(w.Steps)),
		}
		for _, s := range w.Steps {
			sw.Steps = append(sw.Steps, WorkflowStep{
				ID:     in.name(s.ID, "step IDs"),
				Kind:   in.name(s.Kind, "step kinds"),
				Target: in.name(s.Target, "step targets"),
				Server: in.name(s.Server, "server names"),
			})
		}
		out.Workflows = append(out.Workflows, sw)
	}
	return out
}
