package actors

import (
	"context"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"
)

// run starts a call that came through the session's mailbox. The server actor starts its
// calls with begin directly; this path is kept for a dispatch that finds no session to start
// it on directly (the server forgot it), and behaves the same.
func (a *sessionActor) run(_ actor.Context, d *dispatch) { a.begin(d) }

// begin starts one call on one of the session's call runners (long-lived goroutines, one per
// call in flight at most: runners.go says why). The server actor calls it on its own
// goroutine when the pool dispatches to this session, so that a call takes one mailbox hop
// (caller → server actor) before it is written, not two: everything begin touches is guarded
// by the session's mutex. The outcome goes straight to the server actor, so that it is not
// lost if this session stops meanwhile.
//
// A session that is releasing starts nothing and reports nothing: its release tells the
// server actor (sessionReleased) after every call it started was reported, and the server's
// pool answers the calls it had dispatched here that were not — as for a dispatch dropped
// with a stopped actor's mailbox.
//
// A success the server asked to be answered at once (dispatch.reply) goes to the caller
// from the runner, before the server hears of it: the answer does not wait behind the server
// actor's mailbox, which under load holds the arrivals of other calls. The server's pool still
// decides everything else from the callDone that follows; a failure is never answered here,
// since the pool may retry it or name it.
func (a *sessionActor) begin(d *dispatch) {
	root, parent, req := a.system.Root, a.parent, d.req
	a.mu.Lock()
	c, dead := a.conn, a.dead
	if a.released {
		a.mu.Unlock()
		return
	}
	if c == nil || dead {
		a.mu.Unlock()
		root.Send(parent, &callDone{session: a.id, id: req.ID, failure: failure(ClassNotSent, ReasonSessionLost, errNotReady)})
		return
	}
	// Counted under the mutex that release takes before it waits: a call begun is waited for.
	a.calls.Add(1)
	headers := req.Headers
	if len(headers) == 0 {
		headers = a.headers
	}
	callCtx, call := startCall(withCallHeaders(context.Background(), headers), d.deadline, d.timeout, d.maxTime)
	a.inflight[req.ID] = call
	a.mu.Unlock()
	a.workers.Schedule(func() {
		defer a.calls.Done()
		res, f, hint := a.execute(callCtx, req, c, call)
		done := &callDone{session: a.id, id: req.ID, result: res, failure: f, hint: hint}
		if f == nil && d.reply != nil {
			// The server hears first, the caller last: the goroutine readied last runs next
			// on this runner's processor, so the caller does not wait behind the report.
			answer := d.acquired.respond(req.ID, res, nil)
			done.result, done.replied = nil, true
			root.Send(parent, done)
			root.Send(d.reply, answer)
			return
		}
		root.Send(parent, done)
	})
}

// execute runs req, begun on this session (registered as call, counted in calls), on the
// goroutine that calls it, and returns its outcome: the result, or the failure classified
// (a session that died or was released meanwhile makes a sent call one that may have run).
func (a *sessionActor) execute(callCtx context.Context, req *Request, c *conn, call *inflightCall) (any, *Failure, cacheHint) {
	opCtx, hint := withCacheHint(callCtx)
	asking := asks(req.Op)
	if asking { // what the server asks during the call goes to its caller (asks.go)
		if req.Asker != nil {
			opCtx = WithAsker(opCtx, req.Asker)
		}
		askingStarted(c.session, req.ID, req.Asker)
	}
	res, err := runOp(opCtx, c.session, req, a.spec.ListPages())
	if asking {
		askingEnded(c.session, req.ID)
	}
	err = undeclared(err)
	a.mu.Lock()
	delete(a.inflight, req.ID)
	// Released: this session's teardown cancelled the call, which may have run.
	dead := a.dead || a.released
	a.mu.Unlock()
	var f *Failure
	if err != nil && revisionChanged(err) {
		// The server no longer speaks what this session settled on: the next session
		// probes again. The call is answered with the server's error, not re-run.
		a.eras.forget(a.spec)
		// Dead at once, not when the session actor reads sessionDied: a call dispatched
		// here meanwhile is refused unsent and goes to a session that probes again.
		a.markDead()
		a.system.Root.Send(a.self, &sessionDied{gen: a.gen, err: redact(a.spec, fmt.Errorf("the server no longer speaks protocol %s: %w", c.version, err))})
	}
	if err != nil {
		class, reason := classify(callCtx, err)
		if dead && class != ClassNotSent && class != ClassProtocol {
			class, reason = ClassMaybeRan, ReasonSessionLost
		}
		f = failure(class, reason, redact(a.spec, err))
	}
	call.end()
	return res, f, *hint
}
