package actors

import (
	"context"

	"github.com/asynkron/protoactor-go/actor"
)

// run starts one call on one of the session's call runners (long-lived goroutines, one per
// call in flight at most: runners.go says why). The outcome goes straight to the server
// actor, so that it is not lost if this session stops meanwhile.
//
// A success the server asked to be answered at once (dispatch.reply) goes to the caller
// from here, before the server hears of it: the answer does not wait for the server actor's
// mailbox, which under load holds the arrivals of other calls. The server's pool still
// decides everything else from the callDone that follows — a failure is never answered
// here, since the pool may retry it or name it.
func (a *sessionActor) run(ctx actor.Context, d *dispatch) {
	a.mu.Lock()
	c, dead := a.conn, a.dead || a.released
	a.mu.Unlock()
	if c == nil || dead {
		ctx.Send(a.parent, &callDone{session: a.id, id: d.req.ID, failure: failure(ClassNotSent, ReasonSessionLost, errNotReady)})
		return
	}
	headers := d.req.Headers
	if len(headers) == 0 {
		headers = a.headers
	}
	callCtx, call := startCall(withCallHeaders(context.Background(), headers), d.deadline, d.timeout, d.maxTime)
	a.mu.Lock()
	a.inflight[d.req.ID] = call
	a.mu.Unlock()
	root, parent, req := a.system.Root, a.parent, d.req
	a.calls.Add(1)
	a.workers.Schedule(func() {
		defer a.calls.Done()
		res, err := runOp(callCtx, c.session, req, a.spec.ListPages())
		a.mu.Lock()
		delete(a.inflight, req.ID)
		// Released: this session's teardown cancelled the call, which may have run.
		dead := a.dead || a.released
		a.mu.Unlock()
		var f *Failure
		if err != nil {
			class, reason := classify(callCtx, err)
			if dead && class != ClassNotSent && class != ClassProtocol {
				class, reason = ClassMaybeRan, ReasonSessionLost
			}
			f = failure(class, reason, redact(a.spec, err))
		}
		call.end()
		done := &callDone{session: a.id, id: req.ID, result: res, failure: f}
		if f == nil && d.reply != nil {
			root.Send(d.reply, &Response{ID: req.ID, Result: res})
			done.result, done.replied = nil, true
		}
		root.Send(parent, done)
	})
}
