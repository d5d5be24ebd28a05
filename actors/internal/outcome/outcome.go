package outcome

import (
	"context"
	"errors"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// Class says of a failed operation whether it may have run on the server. It is decided once,
// where the failure happens (the session actor for calls, the pool for refusals), and travels
// as data in a *Failure up to the caller. docs/design.md, "Outcomes".
type Class string

// The outcome classes. A tool result with isError is a result, not a failure.
const (
	// ClassNotSent: the operation certainly never reached the server.
	ClassNotSent Class = "not_sent"
	// ClassMaybeRan: it was sent, and the session died, the connection broke or the caller
	// gave up before the answer: it may have run.
	ClassMaybeRan Class = "maybe_ran"
	// ClassTimeout: it was sent and no answer came within its timeout: it may have run.
	ClassTimeout Class = "timeout"
	// ClassRefused: SPINE refused it before sending it anywhere: circuit open, pool
	// exhausted, closed, tool disabled, unknown server, invalid arguments.
	ClassRefused Class = "refused"
	// ClassProtocol: the server answered with a JSON-RPC error.
	ClassProtocol Class = "protocol"
)

// Reason is the cause of a failure within its class; it picks the sentinel error the failure
// matches with errors.Is.
type Reason string

// The reasons of failures.
const (
	ReasonSessionLost   Reason = "session_lost"    // the session died (before or during the call)
	ReasonStateLost     Reason = "state_lost"      // an affinity key's session ended: its caller's state is gone
	ReasonConnect       Reason = "connect_failed"  // no session could be opened
	ReasonConnectTime   Reason = "connect_timeout" // no session opened within connect_timeout
	ReasonTransport     Reason = "transport"       // an HTTP transport error
	ReasonCanceled      Reason = "canceled"        // the caller gave up
	ReasonDeadline      Reason = "deadline"        // the caller's deadline passed
	ReasonCallTimeout   Reason = "call_timeout"    // call_timeout / tool_timeouts without news
	ReasonMaxCallTime   Reason = "max_call_time"   // the call outlived max_call_time
	ReasonPoolExhausted Reason = "pool_exhausted"
	ReasonCircuitOpen   Reason = "circuit_open"
	ReasonClosed        Reason = "closed"
	ReasonToolDisabled  Reason = "tool_disabled"
	ReasonUnknownServer Reason = "unknown_server"
	ReasonInvalid       Reason = "invalid" // the request itself is malformed
	ReasonServerError   Reason = "server_error"
	ReasonTooLarge      Reason = "too_large" // a bound was reached (list pages, ...)
)

// Sentinel errors. Every error SPINE returns for one of these conditions matches it with
// errors.Is; package actors re-exports them with their documentation.
var (
	ErrUnknownServer = errors.New("unknown server")
	ErrPoolExhausted = errors.New("pool exhausted")
	ErrCircuitOpen   = errors.New("circuit open")
	ErrSessionLost   = errors.New("session lost")
	ErrStateLost     = errors.New("the server's state was lost: its session ended; the next call opens a new session, starting from scratch")
	ErrNotSent       = errors.New("not sent")
	ErrMaybeRan      = errors.New("may have run")
	ErrClosed        = errors.New("closed")
	ErrToolDisabled  = errors.New("tool disabled")
)

// Failure is a failed operation as data: its class, its reason, the JSON-RPC error code for
// protocol errors and a message (redacted; it names no server, the caller's error does).
// Safe says that the operation may be run again even if it ran (reads and lists, and tools
// annotated readOnlyHint or idempotentHint or listed in idempotent_tools): the one retry
// policy (MayRetry) reads it.
//
// A *Failure is an error: errors.Is maps it to the sentinels (ErrSessionLost, ErrNotSent,
// ErrPoolExhausted, …, context.DeadlineExceeded, context.Canceled) and errors.As gives a
// *jsonrpc.Error for protocol failures.
type Failure struct {
	Class    Class
	Reason   Reason
	Code     int64 // JSON-RPC error code (ClassProtocol), else 0
	Message  string
	Safe     bool
	Attempts int // sends of the operation to a session, retries included
}

func (f *Failure) Error() string { return f.Message }

// Is maps a failure to the sentinel errors: the one place where classes and reasons meet
// the errors callers test for.
func (f *Failure) Is(target error) bool {
	switch target {
	case ErrNotSent:
		return f.Class == ClassNotSent
	case ErrSessionLost:
		return f.Class == ClassMaybeRan && f.Reason == ReasonSessionLost
	case ErrStateLost:
		return f.Reason == ReasonStateLost
	case ErrMaybeRan:
		return f.Class == ClassMaybeRan || f.Class == ClassTimeout
	case context.DeadlineExceeded:
		return f.Class == ClassTimeout || f.Reason == ReasonDeadline || f.Reason == ReasonConnectTime
	case context.Canceled:
		return f.Reason == ReasonCanceled
	case ErrPoolExhausted:
		return f.Reason == ReasonPoolExhausted
	case ErrCircuitOpen:
		return f.Reason == ReasonCircuitOpen
	case ErrClosed:
		return f.Reason == ReasonClosed
	case ErrToolDisabled:
		return f.Reason == ReasonToolDisabled
	case ErrUnknownServer:
		return f.Reason == ReasonUnknownServer
	}
	return false
}

// As gives a protocol failure as the *jsonrpc.Error the server sent.
func (f *Failure) As(target any) bool {
	if p, ok := target.(**jsonrpc.Error); ok && f.Class == ClassProtocol {
		*p = &jsonrpc.Error{Code: f.Code, Message: f.Message}
		return true
	}
	return false
}

// New builds a *Failure whose message is err's text.
func New(class Class, reason Reason, err error) *Failure {
	f := &Failure{Class: class, Reason: reason}
	if err != nil {
		f.Message = err.Error()
		var wire *jsonrpc.Error
		if class == ClassProtocol && errors.As(err, &wire) {
			f.Code = wire.Code
		}
	}
	return f
}

// Refused builds the failure of an operation SPINE did not send.
func Refused(reason Reason, err error) *Failure { return New(ClassRefused, reason, err) }

// MayRetry is the one retry policy, used by the pool and by workflow steps: an operation that
// certainly did not reach the server may run again; one that may have run (maybe_ran,
// timeout) only when it is safe to run twice or the caller opted in (retry_unsafe); refusals
// and protocol errors would meet the same fate again. The caller's own bounds (attempts,
// deadline, pinning) come on top.
func MayRetry(f *Failure, optIn bool) bool {
	switch {
	case f == nil || f.Reason == ReasonCanceled || f.Reason == ReasonDeadline || f.Reason == ReasonClosed:
		return false
	case f.Class == ClassNotSent:
		return true
	case f.Class == ClassMaybeRan, f.Class == ClassTimeout:
		return f.Safe || optIn
	}
	return false
}
