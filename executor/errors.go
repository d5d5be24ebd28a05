package executor

import (
	"fmt"

	"github.com/spine-mcp/spine/actors"
)

// The errors an Executor returns match these with errors.Is. Timeouts match
// context.DeadlineExceeded, cancellations context.Canceled.
var (
	// ErrUnknownServer: no enabled server of that name is configured.
	ErrUnknownServer = actors.ErrUnknownServer
	// ErrPoolExhausted: no session became free within acquire_timeout (or no session slot
	// under max_total_sessions).
	ErrPoolExhausted = actors.ErrPoolExhausted
	// ErrCircuitOpen: the server failed to start repeatedly; calls fail fast until circuit_reset.
	ErrCircuitOpen = actors.ErrCircuitOpen
	// ErrSessionLost: the session died during a call that may have run and is not safe to
	// replay (class maybe_ran).
	ErrSessionLost = actors.ErrSessionLost
	// ErrStateLost: the dedicated session of an affinity key (WithAffinity) ended — it died,
	// idled out or was recycled — and the state it held with it. The key's first call after
	// that fails with it (class not_sent), unless a call running on the session already
	// failed with the loss; the next call opens a new session. Never hidden, never twice.
	ErrStateLost = actors.ErrStateLost
	// ErrNotSent: the call certainly never reached the server (class not_sent): it is safe to
	// try again.
	ErrNotSent = actors.ErrNotSent
	// ErrMaybeRan: the call was sent and no answer came (classes maybe_ran and timeout): it
	// may have run.
	ErrMaybeRan = actors.ErrMaybeRan
	// ErrClosed: the executor is closed or closing.
	ErrClosed = actors.ErrClosed
	// ErrToolDisabled: the tool is filtered out by enabled_tools / disabled_tools.
	ErrToolDisabled = actors.ErrToolDisabled
)

// CallError is the error of every failed operation: the server, the operation and its tool
// (or resource URI, or prompt name), the outcome Class, and the cause. Get it with errors.As
// to tell "may have run" (ClassMaybeRan, ClassTimeout) from "did not run" (ClassNotSent,
// ClassRefused):
//
//	var ce *executor.CallError
//	if errors.As(err, &ce) && ce.Class == executor.ClassNotSent { /* safe to call again */ }
//
// A CallError is found with errors.As at any depth, also inside the errors of a workflow
// run's report. Err matches the sentinels of this package with errors.Is, and gives the
// *jsonrpc.Error the server sent with errors.As for ClassProtocol.
type CallError struct {
	Server string
	Op     Op     // the operation; "" when the failure is not about one (a batch's pin, a reconnect)
	Tool   string // the tool called; the resource URI or prompt name for those operations
	Class  Class
	Err    error
}

func (e *CallError) Error() string {
	switch {
	case e.Op == OpCallTool:
		return fmt.Sprintf("server %q: tool %q: %v", e.Server, e.Tool, e.Err)
	case e.Op != "" && e.Tool != "":
		return fmt.Sprintf("server %q: %s %q: %v", e.Server, e.Op, e.Tool, e.Err)
	case e.Op != "":
		return fmt.Sprintf("server %q: %s: %v", e.Server, e.Op, e.Err)
	}
	return fmt.Sprintf("server %q: %v", e.Server, e.Err)
}

func (e *CallError) Unwrap() error { return e.Err }

// Class is the outcome class of a failed operation. See docs/design.md, "Outcomes".
type Class string

// The outcome classes.
const (
	ClassNotSent  Class = "not_sent"  // certainly never reached the server
	ClassMaybeRan Class = "maybe_ran" // sent; the session or connection broke, or the caller gave up, before the answer
	ClassTimeout  Class = "timeout"   // sent; no answer in time
	ClassRefused  Class = "refused"   // refused by SPINE: circuit open, pool exhausted, closed, tool disabled, unknown server
	ClassProtocol Class = "protocol"  // the server answered with a JSON-RPC error
)

// Op names the operation a CallError is about.
type Op string

// The operations.
const (
	OpCallTool              Op = "call_tool"
	OpReadResource          Op = "read_resource"
	OpGetPrompt             Op = "get_prompt"
	OpListTools             Op = "list_tools"
	OpListResources         Op = "list_resources"
	OpListResourceTemplates Op = "list_resource_templates"
	OpListPrompts           Op = "list_prompts"
	OpServerInfo            Op = "server_info"
)

// callErrorOf is the one conversion of the runtime's failures into the executor's error: the
// runtime applies it where it names a failure (actors.RuntimeOptions.NameError).
func callErrorOf(ce *actors.CallError) error {
	out := &CallError{Server: ce.Server, Tool: ce.Tool, Class: Class(ce.Class), Err: ce.Err}
	if ce.Op != 0 {
		out.Op = Op(ce.Op.String())
	}
	return out
}

// refusal is the error of an operation the executor refuses itself (it is closed, the
// arguments don't marshal).
func refusal(server string, op actors.Op, name string, reason actors.Reason, err error) error {
	return callErrorOf(actors.Refusal(server, op, name, reason, err))
}
