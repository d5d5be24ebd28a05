package actors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// A caller that gives up at its deadline cancels its call just as the call's own deadline
// (the same instant) passes: the call timed out either way, and its session must become
// suspect rather than pass for cancelled by choice.
func TestClassifyCancelAtDeadlineIsTimeout(t *testing.T) {
	deadline := time.Now().Add(5 * time.Millisecond)
	atDeadline, cancel := context.WithDeadline(context.Background(), deadline)
	cancel() // cancelled (context.Canceled) before its deadline timer fires...
	early, cancelEarly := context.WithDeadline(context.Background(), time.Now().Add(time.Hour))
	cancelEarly()

	if c, r := classify(early, early.Err()); c != ClassMaybeRan || r != ReasonCanceled {
		t.Errorf("cancelled an hour before its deadline: %s/%s, want maybe_ran/canceled", c, r)
	}
	<-time.After(time.Until(deadline)) // ...and classified once the clock has passed it
	if atDeadline.Err() != context.Canceled {
		t.Fatalf("ctx.Err() = %v, want context.Canceled", atDeadline.Err())
	}
	if c, _ := classify(atDeadline, atDeadline.Err()); c != ClassTimeout {
		t.Errorf("cancelled at its deadline: %s, want timeout", c)
	}
}

// Every error a call can end with gets the class that says whether it may have run.
func TestClassify(t *testing.T) {
	live := context.Background()
	timedOut, cancel := context.WithCancelCause(live)
	cancel(errCallTimeout)
	tooLong, cancel2 := context.WithCancelCause(live)
	cancel2(errMaxCallTime)
	post := func(err error) error { return &url.Error{Op: "Post", URL: "http://x", Err: err} }
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		err    error
		class  Class
		reason Reason
	}{
		{"refused by a closed connection", live, fmt.Errorf("%w: calling tools/call", mcp.ErrConnectionClosed), ClassNotSent, ReasonSessionLost},
		{"stdio server died mid-call", live, io.EOF, ClassMaybeRan, ReasonSessionLost},
		{"broken pipe", live, syscall.EPIPE, ClassMaybeRan, ReasonSessionLost},
		{"http reset after the write", live, post(&writeError{err: syscall.ECONNRESET, mark: errWritten}), ClassMaybeRan, ReasonTransport},
		{"http dial refused", live, post(&writeError{err: syscall.ECONNREFUSED, mark: errNotWritten}), ClassNotSent, ReasonTransport},
		{"transport error of unknown shape", live, &jsonrpc.Error{Code: codeRejectedByTransport, Message: "rejected"}, ClassMaybeRan, ReasonTransport},
		{"server's JSON-RPC error", live, &jsonrpc.Error{Code: -32602, Message: "unknown tool"}, ClassProtocol, ReasonServerError},
		{"call timeout", timedOut, context.Canceled, ClassTimeout, ReasonCallTimeout},
		{"max_call_time", tooLong, context.Canceled, ClassTimeout, ReasonMaxCallTime},
		{"anything else", live, errors.New("weird"), ClassMaybeRan, ReasonSessionLost},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if c, r := classify(tc.ctx, tc.err); c != tc.class || r != tc.reason {
				t.Errorf("classify(%v) = %s/%s, want %s/%s", tc.err, c, r, tc.class, tc.reason)
			}
		})
	}
}

// The one retry policy: what did not run may run again; what may have run only when it is
// safe or the caller opted in; refusals, protocol errors and cancellations never.
func TestMayRetry(t *testing.T) {
	for _, tc := range []struct {
		f     Failure
		optIn bool
		want  bool
	}{
		{Failure{Class: ClassNotSent, Reason: ReasonSessionLost}, false, true},
		{Failure{Class: ClassNotSent, Reason: ReasonCanceled}, false, false},
		{Failure{Class: ClassMaybeRan, Reason: ReasonSessionLost}, false, false},
		{Failure{Class: ClassMaybeRan, Reason: ReasonSessionLost, Safe: true}, false, true},
		{Failure{Class: ClassMaybeRan, Reason: ReasonSessionLost}, true, true},
		{Failure{Class: ClassTimeout, Reason: ReasonCallTimeout}, false, false},
		{Failure{Class: ClassTimeout, Reason: ReasonCallTimeout, Safe: true}, false, true},
		{Failure{Class: ClassMaybeRan, Reason: ReasonCanceled, Safe: true}, true, false},
		{Failure{Class: ClassRefused, Reason: ReasonPoolExhausted}, true, false},
		{Failure{Class: ClassProtocol, Reason: ReasonServerError, Safe: true}, true, false},
	} {
		if got := MayRetry(&tc.f, tc.optIn); got != tc.want {
			t.Errorf("MayRetry(%s/%s safe=%v, optIn=%v) = %v, want %v", tc.f.Class, tc.f.Reason, tc.f.Safe, tc.optIn, got, tc.want)
		}
	}
}

// Failures match the sentinels callers test for, and nothing else.
func TestFailureIs(t *testing.T) {
	for _, tc := range []struct {
		f    Failure
		is   []error
		isnt []error
	}{
		{Failure{Class: ClassMaybeRan, Reason: ReasonSessionLost}, []error{ErrSessionLost, ErrMaybeRan}, []error{ErrNotSent, context.Canceled}},
		{Failure{Class: ClassNotSent, Reason: ReasonSessionLost}, []error{ErrNotSent}, []error{ErrSessionLost, ErrMaybeRan}},
		{Failure{Class: ClassTimeout, Reason: ReasonCallTimeout}, []error{context.DeadlineExceeded, ErrMaybeRan}, []error{ErrNotSent}},
		{Failure{Class: ClassNotSent, Reason: ReasonDeadline}, []error{context.DeadlineExceeded, ErrNotSent}, []error{ErrMaybeRan}},
		{Failure{Class: ClassRefused, Reason: ReasonPoolExhausted}, []error{ErrPoolExhausted}, []error{ErrNotSent, ErrMaybeRan, ErrClosed}},
		{Failure{Class: ClassMaybeRan, Reason: ReasonClosed}, []error{ErrClosed, ErrMaybeRan}, []error{ErrSessionLost}},
		{Failure{Class: ClassMaybeRan, Reason: ReasonCanceled}, []error{context.Canceled, ErrMaybeRan}, []error{ErrSessionLost}},
	} {
		ce := &CallError{Server: "s", Op: OpCallTool, Tool: "t", Class: tc.f.Class, Err: &tc.f}
		for _, target := range tc.is {
			if !errors.Is(ce, target) {
				t.Errorf("%s/%s: errors.Is(%v) = false", tc.f.Class, tc.f.Reason, target)
			}
		}
		for _, target := range tc.isnt {
			if errors.Is(ce, target) {
				t.Errorf("%s/%s: errors.Is(%v) = true", tc.f.Class, tc.f.Reason, target)
			}
		}
	}
	var wire *jsonrpc.Error
	f := &Failure{Class: ClassProtocol, Code: -32602, Message: "unknown tool"}
	if !errors.As(&CallError{Err: f}, &wire) || wire.Code != -32602 {
		t.Errorf("errors.As(*jsonrpc.Error) = %v", wire)
	}
}
