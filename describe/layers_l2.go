package describe

import (
	"fmt"
	"strconv"
	"strings"
)

// promptDefs writes L2: a typical-workflow prompt when there is more than one
// tool, a use_<tool> prompt for each tool that takes arguments, and a
// workflow_<name> prompt for each project workflow that uses the server.
// Names never clash with the server's own prompts or with each other.
func (m *model) promptDefs(c *condensed) []PromptDef {
	taken := map[string]bool{}
	for _, p := range m.prompts {
		taken[p.Name] = true
	}
	unique := func(name string) string {
		n := name
		for i := 2; taken[n]; i++ {
			n = name + "_" + strconv.Itoa(i)
		}
		taken[n] = true
		return n
	}
	// prompts.json holds the prompts in this order while it is within
	// maxJSONBytes; the rest are left out. Each prompt notes what it
	// condensed in a condensed of its own, kept only with the prompt.
	out := []PromptDef{}
	used, left := jsonSize([]PromptDef{}, 0), 0
	add := func(build func(*condensed) PromptDef) {
		if left > 0 {
			left++
			return
		}
		var pc condensed
		p := build(&pc)
		if size := jsonSize(p, 1); used+size <= maxJSONBytes {
			used += size
			out = append(out, p)
			c.merge(&pc)
			return
		}
		left++
	}
	if len(m.tools) > 1 {
		add(func(pc *condensed) PromptDef { return m.typicalWorkflowPrompt(unique("typical_workflow"), pc) })
	}
	for _, t := range m.tools {
		if topLevel(t.params) > 0 {
			add(func(pc *condensed) PromptDef { return m.useToolPrompt(unique("use_"+slug(t.Name, '_')), t, pc) })
		}
	}
	for _, w := range m.workflows {
		add(func(pc *condensed) PromptDef { return m.workflowPrompt(unique("workflow_"+slug(w.Name, '_')), w, pc) })
	}
	if left > 0 {
		c.add("l2", fmt.Sprintf("%d %s left out: prompts.json stops at %s", left, plural("prompt", left), sizeName(maxJSONBytes)), "", "")
	}
	return out
}

func topLevel(params []param) int {
	n := 0
	for _, p := range params {
		if !p.nested {
			n++
		}
	}
	return n
}

func (m *model) typicalWorkflowPrompt(name string, c *condensed) PromptDef {
	p := PromptDef{
		Name:        name,
		Description: "Work towards a goal with " + m.cfg.Server + " in the usual order: context, look-ups, changes, checks.",
		Arguments:   []PromptArgument{{Name: "goal", Description: "What the user wants done.", Required: true}},
		Steps:       m.workflowSteps(8),
	}
	intro := "Goal: {{goal}}\n\nReach it with the MCP server " + code(m.cfg.Server) + ", in this order:"
	p.Text = m.fitPrompt(p, intro, intro, steps("", p.Steps), steps("", m.workflowSteps(3)), c)
	return p
}

func (m *model) useToolPrompt(name string, t toolInfo, c *condensed) PromptDef {
	p := PromptDef{Name: name, Description: "Call " + t.Name + " on " + m.cfg.Server + " step by step."}
	if t.summary != "" {
		p.Description = "Call " + t.Name + " on " + m.cfg.Server + ": " + lowerFirst(t.summary)
	}
	var given []string
	for _, prm := range t.params {
		if prm.nested {
			continue
		}
		p.Arguments = append(p.Arguments, PromptArgument{
			Name:        prm.name,
			Description: cmpOrStr(firstSentence(prm.description), "A "+prm.typ+"."),
			Required:    prm.required,
		})
		given = append(given, prm.name+" = {{"+prm.name+"}}")
	}
	if t.role == roleDestroy {
		p.Steps = append(p.Steps, "Confirm with the user: "+code(t.Name)+" is destructive.")
	}
	p.Steps = append(p.Steps,
		"Check the arguments against the parameter reference of "+code(t.Name)+" in "+code(m.schemaURI)+".",
		"Call "+code(t.Name)+" with "+strings.Join(given, ", ")+"; leave out optional arguments that were not given.",
	)
	if t.idempotent() {
		p.Steps = append(p.Steps, "If the result is marked isError, correct the arguments from its message and call again.")
	} else {
		p.Steps = append(p.Steps, "If the result is marked isError, correct the arguments from its message; after a timeout, check what happened before calling again.")
	}
	if len(t.outputs) > 0 {
		names := make([]string, 0, len(t.outputs))
		for _, o := range t.outputs {
			if !o.nested {
				names = append(names, o.name)
			}
		}
		p.Steps = append(p.Steps, "Read the structured result: "+firstNames(names, 8)+".")
	} else {
		p.Steps = append(p.Steps, "Report what the tool returned.")
	}
	intro := "Use the tool " + code(t.Name) + " of the MCP server " + code(m.cfg.Server) + "."
	if t.summary != "" {
		intro += " " + inline(t.summary)
	}
	intro += "\n\n" + argumentsBlock(p.Arguments, true)
	short := "Use the tool " + code(t.Name) + " of the MCP server " + code(m.cfg.Server) + ".\n\n" + argumentsBlock(p.Arguments, false)
	list := steps("Steps:", p.Steps)
	p.Text = m.fitPrompt(p, intro, short, list, list, c)
	return p
}

// argumentsBlock lists a prompt's arguments with their placeholders.
func argumentsBlock(args []PromptArgument, withDesc bool) string {
	var b strings.Builder
	b.WriteString("Arguments:\n")
	for _, a := range args {
		req := "optional"
		if a.Required {
			req = "required"
		}
		line := "- " + plain(a.Name) + " (" + req + "): {{" + a.Name + "}}"
		if withDesc && a.Description != "" {
			line += " — " + inline(a.Description)
		}
		b.WriteString(line + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (m *model) workflowPrompt(name string, w Workflow, c *condensed) PromptDef {
	p := PromptDef{Name: name, Description: "Follow the project workflow " + w.Name + " step by step."}
	if d := firstSentence(w.Description); d != "" {
		p.Description = "Follow the project workflow " + w.Name + ": " + lowerFirst(d)
	}
	for _, s := range w.Steps {
		p.Steps = append(p.Steps, m.stepLine(s))
	}
	if w.File != "" {
		p.Steps = append(p.Steps, "To run the whole workflow at once instead: "+code("spine run "+w.File)+".")
	}
	intro := "Project workflow " + code(w.Name)
	if w.File != "" {
		intro += " (" + code(w.File) + ")"
	}
	intro += "."
	if d := summary(w.Description); d != "" {
		intro += " " + inline(d)
	}
	short := p.Steps
	if len(short) > 12 {
		file := "the workflow file"
		if w.File != "" {
			file = code(w.File)
		}
		short = append(short[:10:10], fmt.Sprintf("… and %d more steps (see %s).", len(p.Steps)-10, file))
	}
	p.Text = m.fitPrompt(p, intro, intro, steps("Steps:", p.Steps), steps("Steps:", short), c)
	return p
}

// stepLine describes one workflow step as an instruction.
func (m *model) stepLine(s WorkflowStep) string {
	server := cmpOrStr(s.Server, m.cfg.Server)
	id := ""
	if s.ID != "" {
		id = code(s.ID) + ": "
	}
	switch s.Kind {
	case StepTool:
		line := id + "call the tool " + code(s.Target) + " on " + code(server) + "."
		if server == m.cfg.Server && m.tool(s.Target).role == roleDestroy {
			line += " It is destructive: confirm with the user first."
		}
		return line
	case StepResource:
		return id + "read the resource " + code(s.Target) + " from " + code(server) + "."
	case StepPrompt:
		return id + "get the prompt " + code(s.Target) + " from " + code(server) + "."
	}
	return id + plain(s.Kind) + " " + code(s.Target) + " on " + code(server) + "."
}

// fitPrompt fits a prompt's text within the per-prompt budget: the
// reference line goes first, then the intro and the steps get their
// shorter forms (a form equal to the full one is no form).
func (m *model) fitPrompt(p PromptDef, intro, shortIntro, stepsFull, stepsShort string, c *condensed) string {
	sections := []*section{
		newSection("intro", intro).or(shortIntro, "argument descriptions dropped"),
		newSection("steps", stepsFull).or(stepsShort, "steps shortened"),
		newSection("reference", "Parameters of every tool: resource "+code(m.schemaURI)+".").
			or("", "pointer to the parameter reference dropped"),
	}
	text, notes, ok := fit(m.budgets.L2, sections, "reference", "intro", "steps")
	for _, n := range notes {
		c.add("l2", n, "prompt", p.Name)
	}
	if !ok {
		c.add("l2", "still over budget after condensing", "prompt", p.Name)
	}
	return text
}
