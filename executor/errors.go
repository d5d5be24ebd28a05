package executor

import "github.com/spine-mcp/spine/actors"

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

// CallError is the error of every failed operation: the server, the tool (or resource URI,
// or prompt name), the outcome Class, and the cause. Get it with errors.As to tell "may have
// run" (ClassMaybeRan, ClassTimeout) from "did not run" (ClassNotSent, ClassRefused):
//
//	var ce *executor.CallError
//	if errors.As(err, &ce) && ce.Class == executor.ClassNotSent { /* safe to call again */ }
type CallError = actors.CallError

// Class is the outcome class of a failed operation. See docs/design.md, "Outcomes".
type Class = actors.Class

// The outcome classes.
const (
	ClassNotSent  = actors.ClassNotSent  // certainly never reached the server
	ClassMaybeRan = actors.ClassMaybeRan // sent; the session or connection broke, or the caller gave up, before the answer
	ClassTimeout  = actors.ClassTimeout  // sent; no answer in time
	ClassRefused  = actors.ClassRefused  // refused by SPINE: circuit open, pool exhausted, closed, tool disabled, unknown server
	ClassProtocol = actors.ClassProtocol // the server answered with a JSON-RPC error
)

// Stats is a snapshot of every server's pool counters. It marshals to the JSON shape that
// every `--output json` of the CLI uses.
type Stats struct {
	Servers map[string]ServerStats `json:"servers"`
}

// ServerStats are one server's counters: sessions by state, sessions created and closed,
// restarts, calls, errors, pool hits and misses, acquire wait, circuit state, list-cache hits
// and misses.
type ServerStats = actors.StatsSnapshot
