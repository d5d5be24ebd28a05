package actors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Sentinel errors. Every error SPINE returns for one of these conditions matches it with
// errors.Is; its message names the server (and tool) and, where it helps, what to do.
var (
	// ErrUnknownServer: no enabled server of that name is configured.
	ErrUnknownServer = errors.New("unknown server")
	// ErrPoolExhausted: no session became free within acquire_timeout.
	ErrPoolExhausted = errors.New("pool exhausted")
	// ErrCircuitOpen: the server failed to start circuit_threshold times in a row; calls fail
	// fast until circuit_reset has passed.
	ErrCircuitOpen = errors.New("circuit open")
	// ErrSessionLost: the session died while the call was in flight and the call may have run;
	// it was not replayed because the tool is not annotated read-only or idempotent.
	ErrSessionLost = errors.New("session lost")
	// ErrClosed: the executor or server is closed or draining.
	ErrClosed = errors.New("closed")
	// ErrToolDisabled: the tool is filtered out by enabled_tools / disabled_tools.
	ErrToolDisabled = errors.New("tool disabled")
)

// errClass is what the one error classifier says about a failed MCP call.
type errClass uint8

const (
	classOK       errClass = iota
	classProtocol          // the server answered with a JSON-RPC error: the session is fine
	classTimeout           // our own deadline passed
	classCanceled          // the caller gave up
	classNotSent           // the session was already dead: the call certainly did not reach the server
	classDead              // the session died with the call in flight: it may have run
	classHiccup            // an HTTP transport error: the session may be fine
)

func (c errClass) String() string {
	return [...]string{"ok", "protocol", "timeout", "canceled", "not_sent", "dead", "hiccup"}[c]
}

// classify is the one place that decides what a call error means. ctx is the call's own
// context; dead says whether the session was already known dead when the call was dispatched.
func classify(ctx context.Context, err error, dead bool) errClass {
	switch {
	case err == nil:
		return classOK
	case dead || errors.Is(err, mcp.ErrConnectionClosed):
		return classNotSent
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, mcp.ErrSessionMissing),
		errors.Is(err, os.ErrClosed), errors.Is(err, syscall.EPIPE):
		return classDead
	case errors.Is(context.Cause(ctx), errCallTimeout):
		return classTimeout
	case ctx.Err() == context.Canceled:
		// A caller that gives up at its deadline cancels the call just as the call's own
		// deadline passes: whichever comes first, the call timed out.
		if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
			return classTimeout
		}
		return classCanceled
	case ctx.Err() == context.DeadlineExceeded, errors.Is(err, context.DeadlineExceeded):
		return classTimeout
	}
	var wire *jsonrpc.Error
	if errors.As(err, &wire) {
		if wire.Code == -32005 { // rejected by transport: an HTTP hiccup
			return classHiccup
		}
		return classProtocol
	}
	return classDead
}

// isMethodNotFound reports whether the server does not implement a method (health chains
// move on to the next method).
func isMethodNotFound(err error) bool {
	var wire *jsonrpc.Error
	return errors.As(err, &wire) && wire.Code == jsonrpc.CodeMethodNotFound
}

// serverError names the server (and the tool) in err, keeping err matchable with errors.Is.
func serverError(server string, req *Request, err error) error {
	if req != nil && req.Op == OpCallTool {
		return fmt.Errorf("server %q: tool %q: %w", server, req.Name, err)
	}
	if req != nil && req.Name != "" {
		return fmt.Errorf("server %q: %s %q: %w", server, req.Op, req.Name, err)
	}
	if req != nil {
		return fmt.Errorf("server %q: %s: %w", server, req.Op, err)
	}
	return fmt.Errorf("server %q: %w", server, err)
}
