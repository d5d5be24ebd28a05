// Package describe writes the 4-layer self-description of an MCP server
// from what a capability scan found, so that an agent knows when and how
// to use the server before it calls anything:
//
//   - L0, the server instructions: identity, when to use it, a tool
//     selection guide ("to add two numbers, use `add`"), a typical
//     workflow, safety and retry notes, triggers.
//   - L1, the resource <server>://schema: the parameters of every tool as
//     JSON Schema and as readable tables.
//   - L2, prompts: workflows as steps an agent follows (a typical
//     workflow, use_<tool> for each tool that takes arguments, one per
//     project workflow file that uses the server).
//   - L3, static documents: README.md, SKILL.md (with YAML front matter)
//     and MCP_INFO.md.
//
// A Config holds what the generator knows about one server; FromCapability
// makes one from a capability.Snapshot. A Generator writes the layers in
// standalone mode: pure Go, no I/O, the same bytes for the same Config.
// Delegate asks a builder tool on an MCP server instead, and falls back to
// standalone, saying why, when the builder is missing, fails or answers
// something invalid. NewBuilderServer is the builder SPINE ships.
//
// Every layer has a token budget (Budgets). Text that would exceed it is
// condensed a section at a time (lower-value sections go first,
// descriptions shrink to their first sentence, tools are listed by name);
// nothing is cut mid-sentence, and Metadata.Condensed says what was done.
//
// Server text is untrusted, and enters markdown in one place (escape.go).
// Control and bidirectional control characters are dropped. Names are code
// spans on one line; names and titles shown as text have every markup
// character escaped. Free text keeps its emphasis, code spans and links,
// but not a backtick run that opens no code span nor a '<' that could
// start HTML; on one line its start can't open a block, and with its
// lines it is a block quote in which no line opens a heading, a fence, a
// thematic break or HTML. Table cells escape '|'. YAML front matter quotes
// every value as a one-line double-quoted scalar (yaml.go).
//
// Server text is bounded too (limits.go). A text is cut, on a rune boundary
// and ending "… (truncated)", to the budget of the layer that shows it in
// full: with the default budgets 4,096 runes for the instructions and the
// server's, resources' and prompts' descriptions, 2,048 for a tool's or a
// parameter's description; names and titles to 256 runes. At most 1,000
// tools, resources, templates and prompts are described, and 100
// parameters per schema; a schema over 64 KiB is a stub in schema.json.
// Whatever the budgets, each markdown file stays within 1 MiB, and
// schema.json and prompts.json within 4 MiB. Metadata.Condensed lists
// what was cut or left out.
//
// Built on a description:
//
//   - Compose writes one L0 for many servers, for a client that reaches
//     them through one endpoint (a gateway's instructions): which server to
//     use for what, then each server's guide and its own instructions,
//     condensed round-robin within the L0 budget and never dropped.
//   - NewScaffold writes a Go module that serves a server's description (L0
//     as instructions, L1 as <server>://schema, L2 as prompts, L3 as
//     <server>://docs/<file>) and forwards tool calls to the real server
//     over one persistent session, with tests that pass as generated.
//     WriteScaffold writes it with a manifest, refusing to touch a file it
//     did not generate. DelegateScaffold asks a builder for the files and
//     checks them as standalone output is checked.
//
// A Result keeps the Config it was made from as Source, for both.
//
// The package knows nothing of actors: where it needs to call a server it
// takes a ToolCaller, which the executor satisfies.
//
//	cfg := describe.FromCapability(snapshot)
//	cfg.Workflows = workflowsUsing(snapshot.Server)
//	var g describe.Generator
//	r, err := g.Generate(cfg)
//	if err != nil {
//		return err
//	}
//	err = describe.WriteDir("describe-out", r)
//
//	l0, err := describe.Compose([]describe.Result{demo, files}, describe.ComposeOptions{})
//	s, err := describe.NewScaffold(r, describe.ScaffoldOptions{
//		Upstream: describe.Upstream{Command: "spine", Args: []string{"demo-server"}},
//	})
//	_, err = describe.WriteScaffold("demo-described", s, false)
package describe
