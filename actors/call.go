package actors

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// errCallTimeout is the cause of a call cancelled by its own timeout, errMaxCallTime of one
// that outlived max_call_time; both match context.DeadlineExceeded.
var (
	errCallTimeout = fmt.Errorf("call timeout: %w", context.DeadlineExceeded)
	errMaxCallTime = fmt.Errorf("max_call_time: %w", context.DeadlineExceeded)
)

// inflightCall is the running part of one call on a session: its cancellation and its
// timeout, which progress notifications renew (a server that reports progress is alive).
// The caller's deadline is never extended.
type inflightCall struct {
	cancel  context.CancelCauseFunc
	stop    context.CancelFunc // releases the caller-deadline context
	timeout time.Duration

	mu    sync.Mutex
	timer *time.Timer
	limit *time.Timer // max_call_time, which news never renews
}

// startCall returns the context of a call that ends after timeout without news, after
// maxTime in any case (0 = no such bound), at the caller's deadline (zero for none), or when
// cancelled.
func startCall(parent context.Context, deadline time.Time, timeout, maxTime time.Duration) (context.Context, *inflightCall) {
	stop := func() {}
	if !deadline.IsZero() {
		parent, stop = context.WithDeadline(parent, deadline)
	}
	ctx, cancel := context.WithCancelCause(parent)
	c := &inflightCall{cancel: cancel, stop: stop, timeout: timeout}
	c.timer = time.AfterFunc(timeout, func() { cancel(errCallTimeout) })
	if maxTime > 0 {
		c.limit = time.AfterFunc(maxTime, func() { cancel(errMaxCallTime) })
	}
	return ctx, c
}

// alive renews the call's timeout.
func (c *inflightCall) alive() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timer.Reset(c.timeout)
}

// end releases the call's timer and contexts once it has returned.
func (c *inflightCall) end() {
	c.mu.Lock()
	c.timer.Stop()
	if c.limit != nil {
		c.limit.Stop()
	}
	c.mu.Unlock()
	c.cancel(context.Canceled)
	c.stop()
}
