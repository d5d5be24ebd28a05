// Package workflows is the model of a SPINE workflow file (`spine run workflow.toml`): it parses
// and checks the file, plans the order of its steps, and renders the templates that pass data
// from step to step. It knows nothing of actors or sessions, and its only I/O is [ReadFile],
// which reads a file of at most [MaxFileSize] bytes: callers hand [Parse] the file's bytes and
// the results of the calls they made.
//
// # Types
//
// A [Workflow] holds [Step]s (each one tool call, resource read or prompt fetch on a named
// server) and [Output]s. A step's Deps are the steps it waits for: the ones its needs list
// names and the ones its templates reference. [Workflow.Order] and [Workflow.Ready] plan the
// run from them, and a [Schedule] does what Ready does as the run goes, without looking at
// every step each time; steps with no dependency between them may run in parallel.
//
// A workflow may declare typed [Input]s ([inputs]: string, integer, number, boolean, array,
// object; with a description, a default or required = true), filled by [ApplyVars] (from text,
// parsed by type) or [SetInputs] (from Go values) and checked before anything runs;
// [Workflow.InputSchema] is their JSON Schema. A step may have an if ([Step.RenderIf]: false
// skips it) and a for_each ([Step.RenderForEach]: one call per item, at most
// [MaxForEachItems], rendered with [Step.RenderItem], which adds .item and .index).
//
// Templates are text/template with missingkey=error, executed on a [Scope]: .inputs.NAME,
// .vars.NAME, .steps.ID.text, .steps.ID.json, .steps.ID.is_error, .steps.ID.error,
// .steps.ID.skipped and .steps.ID.items, where a step's [Result] comes from
// [ToolResult], [ResourceResult] or [PromptResult]. A string that is exactly one action, such
// as "{{ .steps.list.json.items }}", keeps its value's type (number, list, map); any other
// string renders to text. Besides the built-ins, templates may call json, which encodes a value
// as JSON text. Parse parses each template once and keeps it with the workflow, so rendering
// parses nothing; [Scope.Set] records a result and keeps the data templates see up to date.
//
// Rendering is bounded, so that a runaway template fails with an [*Error] instead of running
// on or filling memory: one render writes at most [MaxTemplateOutput] bytes (1 MiB), makes at
// most [MaxTemplateIterations] loop iterations and template calls, and no print, printf,
// println, html, js, urlquery or json call returns more than MaxTemplateOutput. Parse rejects
// a range over an integer literal past MaxTemplateIterations, such as {{ range 2000000000 }}.
//
// # Checks
//
// Every problem with a file is an [*Error] that names the file, the line and the step, and is
// found before anything runs: [Parse] checks syntax, keys, types, ids, and references between
// steps (unknown steps, cycles); [Workflow.Validate] checks servers and vars, once
// [ApplyVars] has added the command line's.
//
// # Example
//
//	data, err := workflows.ReadFile("triage.toml")
//	if err != nil {
//		return err // e.g. triage.toml: larger than 4 MiB, the most a workflow file may hold
//	}
//	w, err := workflows.Parse("triage.toml", data)
//	if err != nil {
//		return err // triage.toml:14: step "brief": args.topic: template references unknown step "helo" (did you mean "hello"?)
//	}
//	if err := workflows.ApplyVars(w, map[string]string{"topic": "pooling"}); err != nil {
//		return err
//	}
//	if err := w.Validate(serverNames); err != nil {
//		return err
//	}
//	schedule := w.Schedule()
//	scope := w.NewScope()
//	for ready := schedule.Next(); len(ready) > 0; ready = schedule.Next() {
//		for _, s := range ready { // these could run in parallel
//			target, args, err := s.Render(scope)
//			if err != nil {
//				return err
//			}
//			res, err := callTool(s.Server, target, args) // the caller's I/O
//			if err != nil {
//				return err
//			}
//			scope.Set(s.ID, workflows.ToolResult(res))
//			schedule.Done(s.ID)
//		}
//	}
//	outputs, err := workflows.RenderOutputs(w, scope)
package workflows
