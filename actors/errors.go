package actors

import (
	"context"
	"errors"
	"fmt"

	"github.com/spine-mcp/spine/actors/internal/outcome"
	"github.com/spine-mcp/spine/actors/internal/pool"
)

// Sentinel errors. Every error SPINE returns for one of these conditions matches it with
// errors.Is; its message names the server (and tool) and, where it helps, what to do.
var (
	// ErrUnknownServer: no enabled server of that name is configured.
	ErrUnknownServer = outcome.ErrUnknownServer
	// ErrPoolExhausted: no session became free within acquire_timeout.
	ErrPoolExhausted = outcome.ErrPoolExhausted
	// ErrCircuitOpen: the server failed to start circuit_threshold times in a row; calls fail
	// fast until circuit_reset has passed.
	ErrCircuitOpen = outcome.ErrCircuitOpen
	// ErrSessionLost: the session died while the call was in flight, so the call may have run;
	// it was not replayed because the retry policy forbids it (the tool is not annotated
	// readOnlyHint or idempotentHint, nor listed in idempotent_tools).
	ErrSessionLost = outcome.ErrSessionLost
	// ErrStateLost: the session of an affinity key (isolation = "affinity") ended — it died,
	// idled out or was recycled — and the state it held for its caller with it. The first
	// call of the key after that fails with it (not sent), or the call it was running fails
	// with ErrSessionLost; the next call opens a new session.
	ErrStateLost = outcome.ErrStateLost
	// ErrNotSent: the call certainly never reached the server (no session could be had, or
	// the session was already dead); retries, if any, ran out.
	ErrNotSent = outcome.ErrNotSent
	// ErrMaybeRan: the call was sent and no answer came back (the session died, the
	// connection broke, the call timed out or was cancelled in flight): it may have run.
	ErrMaybeRan = outcome.ErrMaybeRan
	// ErrClosed: the executor or server is closed or draining.
	ErrClosed = outcome.ErrClosed
	// ErrToolDisabled: the tool is filtered out by enabled_tools / disabled_tools.
	ErrToolDisabled = outcome.ErrToolDisabled
)

// CallError is a failed operation named after its server (and tool, resource or prompt):
// the error every caller of a server gets. Class says whether the operation may have run; Err
// is the *Failure (or, for a failure outside the pool, the cause), which errors.Is maps to the
// sentinels.
type CallError struct {
	Server string
	Op     Op
	Tool   string // the tool called; the resource URI or prompt name for those operations
	Class  Class
	Err    error
}

func (e *CallError) Error() string {
	switch {
	case e.Op == OpCallTool:
		return fmt.Sprintf("server %q: tool %q: %v", e.Server, e.Tool, e.Err)
	case e.Op != 0 && e.Tool != "":
		return fmt.Sprintf("server %q: %s %q: %v", e.Server, e.Op, e.Tool, e.Err)
	case e.Op != 0:
		return fmt.Sprintf("server %q: %s: %v", e.Server, e.Op, e.Err)
	}
	return fmt.Sprintf("server %q: %v", e.Server, e.Err)
}

func (e *CallError) Unwrap() error { return e.Err }

// The causes of the refusals and losses SPINE decides itself, named once. Each reads well
// after the caller's "server %q: tool %q: ".
var (
	// errDraining refuses a request that arrives, or still waits, once Close has begun: the
	// pool's own refusal, for the requests the server actor refuses before the pool.
	errDraining = pool.ErrDraining
	// errServerGone answers a request whose server actor has stopped: the runtime is closing.
	errServerGone = refused(ReasonClosed, errors.New("closed: the server actor is gone"))
	// errClosing is why nothing new starts (a server process, a run, a scan) once the
	// runtime's Close has begun.
	errClosing = fmt.Errorf("%w: not started, the runtime is closing", ErrClosed)
	// errToolFiltered refuses a call to a tool that enabled_tools / disabled_tools hide.
	errToolFiltered = errors.New("tool disabled: not exposed by this server's enabled_tools / disabled_tools")
)

// errorNamer gives a failure, named after its server and operation by serverError, the
// shape callers see (RuntimeOptions.NameError; nil: the *CallError itself). The runtime's
// calls and the workflow actor's steps name their errors through it, and nothing else
// names one.
type errorNamer func(*CallError) error

func (n errorNamer) name(server string, req *Request, err error) error {
	ce := serverError(server, req, err)
	if n == nil {
		return ce
	}
	return n(ce)
}

// serverError names the server (and the tool) in a failure, keeping it matchable with
// errors.Is. An error that is not a *Failure is taken as a refusal unless it is the caller's
// context ending before anything was sent.
func serverError(server string, req *Request, err error) *CallError {
	ce := &CallError{Server: server, Err: err}
	if req != nil {
		ce.Op, ce.Tool = req.Op, req.Name
	}
	var f *Failure
	switch {
	case errors.As(err, &f):
		ce.Class = f.Class
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		ce.Class = ClassNotSent
	default:
		ce.Class = ClassRefused
	}
	return ce
}

// Refusal is the error of an operation SPINE refuses before sending it anywhere (the executor
// is closed, the arguments don't marshal, …).
func Refusal(server string, op Op, name string, reason Reason, err error) *CallError {
	return &CallError{Server: server, Op: op, Tool: name, Class: ClassRefused, Err: refused(reason, err)}
}
