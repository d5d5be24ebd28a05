package workflows

import (
	"time"

	"github.com/spine-mcp/spine/internal/tomlpos"
)

// Kind says what a step does on its server.
type Kind string

// The three things a step can do, one per step.
const (
	KindTool     Kind = "tool"     // call a tool; Target is the tool name
	KindResource Kind = "resource" // read a resource; Target is its URI
	KindPrompt   Kind = "prompt"   // fetch a prompt; Target is the prompt name
)

// OnError says what a failed step does to the run.
type OnError string

// The on_error policies.
const (
	// OnErrorFail stops the run when the step fails. It is the default.
	OnErrorFail OnError = "fail"
	// OnErrorContinue records the failure and lets the rest of the run go on.
	OnErrorContinue OnError = "continue"
)

// Workflow is a parsed workflow file: what to run, in which order, with which inputs.
// Parse builds one; ApplyVars and Validate complete it before it runs.
type Workflow struct {
	Name        string         // name; defaults to the file's base name without extension
	Description string         // free text
	File        string         // the file name given to Parse, used in messages
	SHA256      string         // hex sha256 of the bytes Parse read: a run's journal keeps it, and a resume compares it
	Timeout     time.Duration  // bound on the whole run; 0 = none
	Vars        map[string]any // the [vars] defaults, then what ApplyVars sets; never nil after Parse

	// Inputs are the [inputs] entries, in file order. InputValues holds their values: the
	// defaults, then what ApplyVars and SetInputs set; never nil after Parse. Templates see
	// them as .inputs.NAME (an optional input without a value as its type's zero value).
	Inputs      []Input
	InputValues map[string]any

	// MaxParallel is the most steps of a run in flight at once (max_parallel, at least 1);
	// 0 = not set.
	MaxParallel int

	// Servers names the inline [servers.*] tables, in file order. Their content belongs to
	// package capability, which reads the same bytes and merges them over the project's servers.
	Servers []string

	Steps   []Step   // in file order
	Outputs []Output // the [outputs] table, in file order

	pos       *tomlpos.Index // where the file defines each key, for errors found after Parse
	templates templateSet    // every template of the steps and outputs, parsed by Parse
}

// Step is one [[steps]] element: one tool call, resource read or prompt fetch.
type Step struct {
	ID     string
	Server string
	Kind   Kind
	// Target is the tool name, the resource URI or the prompt name. It may contain templates.
	Target string
	// Args are the tool or prompt arguments. Every string in them, at any depth, is a template.
	// A prompt's arguments must render to strings: see PromptArgs.
	Args map[string]any
	// Needs lists the steps named in needs, as written.
	Needs []string
	// Deps is every step this one waits for: Needs plus the steps its templates (Target, Args)
	// reference, sorted and without duplicates.
	Deps    []string
	Timeout time.Duration // per attempt; 0 = the server's call timeout
	Retries int           // extra attempts after a failure; 0 = none
	// RetryUnsafe (retry_unsafe = true) widens what the step's retries may repeat. Retries
	// normally repeat only what the retry policy allows (a call that certainly did not reach
	// the server, or a tool annotated readOnlyHint/idempotentHint or listed in the server's
	// idempotent_tools); retry_unsafe = true also repeats a call that may have run.
	RetryUnsafe bool
	OnError     OnError // OnErrorFail unless the file says otherwise
	Line        int     // line of the step's [[steps]] header; 0 if unknown

	// If, when set, is a template rendered once the step's dependencies are done: false
	// (the boolean, or the text "false") skips the step, with the reason "if was false".
	If string
	// ForEach, when set, is a template that yields a list: the step makes one call per item
	// (at most MaxForEachItems), its templates seeing .item and .index, and its result is
	// the list of the items' results (.steps.ID.items), in item order.
	ForEach string
	// MaxParallel bounds the calls of a for_each step in flight at once (max_parallel in
	// the step); 0 = what the run and the pool allow.
	MaxParallel int

	templates templateSet // its workflow's parsed templates; nil for a step built by hand
}

// Output is one entry of the [outputs] table: a named template rendered after the run.
type Output struct {
	Name     string
	Template string
	Line     int // 0 if unknown
}

// Step returns the step with the given id.
func (w *Workflow) Step(id string) (*Step, bool) {
	for i := range w.Steps {
		if w.Steps[i].ID == id {
			return &w.Steps[i], true
		}
	}
	return nil, false
}
