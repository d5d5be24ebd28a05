package actors

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/actors/internal/outcome"
)

// Class says of a failed operation whether it may have run on the server: decided once,
// where the failure happens, and carried as data in a *Failure. docs/design.md, "Outcomes".
type Class = outcome.Class

// The outcome classes (actors/internal/outcome documents each). A tool result with isError is
// a result, not a failure.
const (
	ClassNotSent  = outcome.ClassNotSent
	ClassMaybeRan = outcome.ClassMaybeRan
	ClassTimeout  = outcome.ClassTimeout
	ClassRefused  = outcome.ClassRefused
	ClassProtocol = outcome.ClassProtocol
)

// Reason is the cause of a failure within its class; it picks the sentinel error the failure
// matches with errors.Is.
type Reason = outcome.Reason

// The reasons of failures (actors/internal/outcome documents each).
const (
	ReasonSessionLost   = outcome.ReasonSessionLost
	ReasonStateLost     = outcome.ReasonStateLost
	ReasonConnect       = outcome.ReasonConnect
	ReasonConnectTime   = outcome.ReasonConnectTime
	ReasonTransport     = outcome.ReasonTransport
	ReasonCanceled      = outcome.ReasonCanceled
	ReasonDeadline      = outcome.ReasonDeadline
	ReasonCallTimeout   = outcome.ReasonCallTimeout
	ReasonMaxCallTime   = outcome.ReasonMaxCallTime
	ReasonPoolExhausted = outcome.ReasonPoolExhausted
	ReasonCircuitOpen   = outcome.ReasonCircuitOpen
	ReasonClosed        = outcome.ReasonClosed
	ReasonToolDisabled  = outcome.ReasonToolDisabled
	ReasonUnknownServer = outcome.ReasonUnknownServer
	ReasonInvalid       = outcome.ReasonInvalid
	ReasonServerError   = outcome.ReasonServerError
	ReasonTooLarge      = outcome.ReasonTooLarge
)

// Failure is a failed operation as data: class, reason, JSON-RPC code, a redacted message,
// whether it is safe to run twice and how many times it was sent. errors.Is maps it to the
// sentinels; errors.As gives a *jsonrpc.Error for protocol failures. It lives in
// actors/internal/outcome so that the pool state machine decides with the same type.
type Failure = outcome.Failure

// failure builds a *Failure whose message is err's text.
func failure(class Class, reason Reason, err error) *Failure { return outcome.New(class, reason, err) }

// refused builds the failure of an operation SPINE did not send.
func refused(reason Reason, err error) *Failure { return outcome.Refused(reason, err) }

// MayRetry is the one retry policy, used by the pool and by workflow steps: an operation that
// certainly did not reach the server may run again; one that may have run (maybe_ran,
// timeout) only when it is safe to run twice or the caller opted in (retry_unsafe); refusals
// and protocol errors would meet the same fate again. The caller's own bounds (attempts,
// deadline, pinning) come on top. It is outcome.MayRetry.
func MayRetry(f *Failure, optIn bool) bool { return outcome.MayRetry(f, optIn) }

// classify is the one place that decides what a call error means. ctx is the call's own
// context.
func classify(ctx context.Context, err error) (Class, Reason) {
	if err == nil {
		return "", ""
	}
	switch {
	case errors.Is(err, mcp.ErrConnectionClosed): // refused by the SDK before writing
		return ClassNotSent, ReasonSessionLost
	case errors.Is(err, errInvalidRequest):
		return ClassRefused, ReasonInvalid
	case errors.Is(err, errTooManyPages):
		return ClassProtocol, ReasonTooLarge
	}
	var cross *crossOriginError
	if errors.As(err, &cross) { // refused by SPINE's own transport, before any byte was sent
		return ClassRefused, ReasonInvalid
	}
	sent := ClassMaybeRan
	if errors.Is(err, errNotWritten) {
		sent = ClassNotSent
	}
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errMaxCallTime):
		return ClassTimeout, ReasonMaxCallTime
	case errors.Is(cause, errCallTimeout):
		return ClassTimeout, ReasonCallTimeout
	case ctx.Err() == context.Canceled:
		// A caller that gives up at its deadline cancels the call just as the call's own
		// deadline passes: whichever comes first, the call timed out.
		if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
			return ClassTimeout, ReasonDeadline
		}
		return sent, ReasonCanceled
	case ctx.Err() == context.DeadlineExceeded, errors.Is(err, context.DeadlineExceeded):
		if sent == ClassNotSent {
			return ClassNotSent, ReasonDeadline
		}
		return ClassTimeout, ReasonDeadline
	case errors.Is(err, errNotWritten), errors.Is(err, errWritten):
		return sent, ReasonTransport
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, mcp.ErrSessionMissing),
		errors.Is(err, os.ErrClosed), errors.Is(err, syscall.EPIPE):
		return ClassMaybeRan, ReasonSessionLost
	}
	var wire *jsonrpc.Error
	if errors.As(err, &wire) {
		if wire.Code == codeRejectedByTransport {
			// The SDK's HTTP transport failed the request. Where SPINE's transport saw
			// whether it was written, that was said above; otherwise (a response that could
			// not be read) it may have been: assume the worst.
			return ClassMaybeRan, ReasonTransport
		}
		return ClassProtocol, ReasonServerError
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return ClassMaybeRan, ReasonTransport
	}
	return ClassMaybeRan, ReasonSessionLost
}

// codeRejectedByTransport is the JSON-RPC code of go-sdk's transport failures ("rejected by
// transport").
const codeRejectedByTransport = -32005

// isMethodNotFound reports whether the server does not implement a method (health chains
// move on to the next method).
func isMethodNotFound(err error) bool {
	var wire *jsonrpc.Error
	return errors.As(err, &wire) && wire.Code == jsonrpc.CodeMethodNotFound
}
