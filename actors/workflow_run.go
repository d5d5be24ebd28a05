package actors

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/spine-mcp/spine/workflows"
)

// Messages a workflow actor sends itself from its timers.
type (
	stepRetryDue struct{ step string }
	runExpired   struct{}
)

// workflowActor runs one workflow (see NewWorkflowProps). Everything happens in Receive:
// requests go out with the actor as sender, answers come back as *Response, timers come back
// as messages, so no state is shared with another goroutine.
type workflowActor struct {
	spec WorkflowSpec
	wf   *workflows.Workflow

	started  time.Time
	deadline time.Time // the run's deadline; zero = none
	steps    []*stepRun
	byID     map[string]*stepRun
	inflight map[uint64]*stepRun // by request id
	busy     map[string]int      // requests in flight per server
	queue    []*stepRun          // ready steps (or retries) waiting for capacity, in order
	schedule *workflows.Schedule // hands out the steps whose dependencies succeeded
	blocking bool                // a step ended other than ok since skipBlocked last ran
	scope    workflows.Scope     // the results templates see
	timer    *time.Timer         // the run deadline
	stopped  error               // why the run stopped starting steps; nil while it runs
	done     bool                // the report is sent
	leaving  bool                // the actor is stopping (from outside)
}

// stepRun is one step's state in a run.
type stepRun struct {
	step     *workflows.Step
	status   StepStatus
	target   string
	attempts int
	started  time.Time
	finished time.Time
	retry    *time.Timer
	result   any
	text     string
	err      error
}

// Receive implements actor.Actor.
func (a *workflowActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		a.begin(ctx)
	case *Response:
		a.answered(ctx, m)
	case *actor.DeadLetterResponse:
		// A server actor is gone: the runtime is closing. The dead letter does not say which
		// request it was, so every request in flight is answered here; late answers are ignored.
		for id := range a.inflight {
			a.answered(ctx, &Response{ID: id, Failure: errServerGone})
		}
	case *stepRetryDue:
		if sr := a.byID[m.step]; sr != nil && sr.status == StepRetrying {
			sr.retry = nil
			a.queue = append(a.queue, sr)
			a.advance(ctx)
		}
	case *runExpired:
		a.stop(ctx, fmt.Errorf("run timeout: %w", context.DeadlineExceeded))
	case *CancelRun:
		a.stop(ctx, cancelError(m))
	case *actor.Stopping:
		if !a.done { // stopped from outside: report what is known rather than nothing
			a.leaving = true
			a.stop(ctx, fmt.Errorf("%w: the workflow actor was stopped", ErrClosed))
			a.finish(ctx)
		}
	}
}

// cancelError says why a run was cancelled, matching context.Canceled or, when the caller's
// deadline passed, context.DeadlineExceeded.
func cancelError(m *CancelRun) error {
	what, cause := "cancelled", context.Canceled
	if m.Timeout {
		what, cause = "deadline passed", context.DeadlineExceeded
	}
	if m.Reason == "" || m.Reason == cause.Error() {
		return fmt.Errorf("%s: %w", what, cause)
	}
	return fmt.Errorf("%s: %s: %w", what, m.Reason, cause)
}

func (a *workflowActor) begin(ctx actor.Context) {
	a.wf = a.spec.Workflow
	a.started = time.Now()
	a.deadline = a.spec.Deadline
	if a.wf.Timeout > 0 {
		if d := a.started.Add(a.wf.Timeout); a.deadline.IsZero() || d.Before(a.deadline) {
			a.deadline = d
		}
	}
	a.byID = make(map[string]*stepRun, len(a.wf.Steps))
	a.inflight = map[uint64]*stepRun{}
	a.busy = map[string]int{}
	a.schedule = a.wf.Schedule()
	a.scope = a.wf.NewScope()
	for i := range a.wf.Steps {
		s := &a.wf.Steps[i]
		sr := &stepRun{step: s, status: StepPending, target: s.Target}
		a.steps = append(a.steps, sr)
		a.byID[s.ID] = sr
	}
	if !a.deadline.IsZero() {
		root, self := ctx.ActorSystem().Root, ctx.Self()
		a.timer = time.AfterFunc(time.Until(a.deadline), func() { root.Send(self, &runExpired{}) })
	}
	a.advance(ctx)
}

// advance starts every step that may start, skips the steps that never will, and finishes
// the run once nothing is in flight or waiting to retry. Every step the schedule hands out is
// started, unless the run stops first (then stop skips it), so the schedule hands out what
// Workflow.Ready would with done = the steps that succeeded, started = those not pending.
func (a *workflowActor) advance(ctx actor.Context) {
	for a.stopped == nil {
		a.skipBlocked()
		ready := a.schedule.Next()
		for _, s := range ready {
			a.queue = append(a.queue, a.byID[s.ID])
		}
		if !a.startQueued(ctx) && len(ready) == 0 {
			break
		}
	}
	if a.done || len(a.inflight) > 0 {
		return
	}
	for _, sr := range a.steps {
		if sr.status == StepRetrying {
			return
		}
	}
	a.finish(ctx)
}

// startQueued starts the queued steps the run's capacity allows, in order, and says whether
// it started any. A run holds at most max_parallel requests in flight, and no more for a
// server than its pool can serve at once, so that steps queue here rather than fail at
// acquire_timeout in the pool.
func (a *workflowActor) startQueued(ctx actor.Context) bool {
	started := false
	kept := a.queue[:0]
	for _, sr := range a.queue {
		switch {
		case a.stopped != nil || (sr.status != StepPending && sr.status != StepRetrying):
			// stopped or settled meanwhile: drop it
		case a.canStart(sr.step.Server):
			a.attempt(ctx, sr)
			started = true
		default:
			kept = append(kept, sr)
		}
	}
	clear(a.queue[len(kept):])
	a.queue = kept
	return started
}

func (a *workflowActor) canStart(server string) bool {
	if a.spec.MaxParallel > 0 && len(a.inflight) >= a.spec.MaxParallel {
		return false
	}
	c := a.spec.Capacity[server]
	return c <= 0 || a.busy[server] < c
}

// skipBlocked skips pending steps that wait for a step that did not succeed, until no more
// can be skipped (a skipped step blocks its own dependents in turn). Only a step that ends
// other than ok can block one, so it has nothing to do unless one did since it last ran.
func (a *workflowActor) skipBlocked() {
	if !a.blocking {
		return
	}
	for changed := true; changed; {
		changed = false
		for _, sr := range a.steps {
			if sr.status != StepPending {
				continue
			}
			for _, d := range sr.step.Deps {
				if dep := a.byID[d]; dep != nil && dep.status.Finished() && dep.status != StepOK {
					a.settle(sr, StepSkipped, fmt.Errorf("not run: step %q %s", d, dep.status))
					changed = true
					break
				}
			}
		}
	}
	a.blocking = false
}

// setStatus moves a step on from pending to st, and tells advance what changed: a step that
// succeeded is done for the schedule, one that ended otherwise may block others.
func (a *workflowActor) setStatus(sr *stepRun, st StepStatus) {
	sr.status = st
	switch {
	case st == StepOK:
		a.schedule.Done(sr.step.ID)
	case st.Finished():
		a.blocking = true
	}
}

// attempt renders the step against the results so far and sends it to its server. A step
// that cannot be rendered or sent fails without an attempt being counted.
func (a *workflowActor) attempt(ctx actor.Context, sr *stepRun) {
	now := time.Now()
	if sr.started.IsZero() {
		sr.started = now
	}
	req, err := a.request(sr)
	if err != nil {
		a.failed(ctx, sr, err)
		return
	}
	pid := a.spec.Servers[sr.step.Server]
	if pid == nil {
		a.failed(ctx, sr, serverError(sr.step.Server, req, ErrUnknownServer))
		return
	}
	sr.attempts++
	a.setStatus(sr, StepRunning)
	a.inflight[req.ID] = sr
	a.busy[sr.step.Server]++
	ctx.Request(pid, req)
	a.emit(sr, "")
}

// request builds the next attempt's request: fresh args (the SDK writes into its params),
// the run id as affinity key, and the earlier of the step's and the run's deadlines.
func (a *workflowActor) request(sr *stepRun) (*Request, error) {
	s := sr.step
	target, args, err := s.Render(a.scope)
	if err != nil {
		return nil, err
	}
	sr.target = target
	req := &Request{ID: a.spec.NextID(), Name: target, Affinity: a.spec.RunID, Deadline: a.deadline}
	switch s.Kind {
	case workflows.KindTool:
		req.Op = OpCallTool
		if args != nil {
			req.Args, err = json.Marshal(args)
		}
	case workflows.KindResource:
		req.Op = OpReadResource
	case workflows.KindPrompt:
		req.Op = OpGetPrompt
		if args != nil {
			req.Args, err = json.Marshal(workflows.PromptArgs(args))
		}
	default:
		return nil, fmt.Errorf("step %q: unknown kind %q", s.ID, s.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("step %q: args: %w", s.ID, err)
	}
	if s.Timeout > 0 {
		if d := time.Now().Add(s.Timeout); req.Deadline.IsZero() || d.Before(req.Deadline) {
			req.Deadline = d
		}
	}
	if sc, ok := a.spec.Scopes[s.Server]; ok {
		req.Identity, req.Headers = sc.Identity, sc.Headers
	}
	return req, nil
}

// answered takes a server's answer to an attempt.
func (a *workflowActor) answered(ctx actor.Context, m *Response) {
	sr := a.inflight[m.ID]
	if sr == nil {
		return // answered already (a dead letter came first)
	}
	delete(a.inflight, m.ID)
	a.busy[sr.step.Server]--
	if m.Failure == nil {
		a.succeeded(ctx, sr, m.Result)
		a.advance(ctx)
		return
	}
	err := a.stepError(sr, m.Failure)
	switch {
	case a.stopped != nil:
		a.settle(sr, StepCancelled, err)
	case !a.deadline.IsZero() && !time.Now().Before(a.deadline):
		// The run's deadline, not the step's, cut the attempt: say so rather than blame the step.
		a.stop(ctx, fmt.Errorf("run timeout: %w", context.DeadlineExceeded))
		a.settle(sr, StepCancelled, err)
	default:
		if wait, ok := a.retryAfter(sr, m.Failure); ok {
			a.scheduleRetry(ctx, sr, err, wait)
		} else {
			a.failed(ctx, sr, err)
		}
	}
	a.advance(ctx)
}

// stepError names the step's server and target in a failure.
func (a *workflowActor) stepError(sr *stepRun, f *Failure) error {
	op := OpCallTool
	switch sr.step.Kind {
	case workflows.KindResource:
		op = OpReadResource
	case workflows.KindPrompt:
		op = OpGetPrompt
	}
	return serverError(sr.step.Server, &Request{Op: op, Name: sr.target}, f)
}

func (a *workflowActor) succeeded(ctx actor.Context, sr *stepRun, result any) {
	res := resultOf(result)
	sr.result, sr.text = result, res.Text
	a.scope.Set(sr.step.ID, res)
	if res.IsError {
		a.failed(ctx, sr, fmt.Errorf("server %q: tool %q returned an error: %s", sr.step.Server, sr.target, res.Text))
		return
	}
	a.settle(sr, StepOK, nil)
}

// failed records a step failure. Under on_error = "fail" the run stops; under "continue" the
// failure stays the step's own and only its dependents are skipped (by advance).
func (a *workflowActor) failed(ctx actor.Context, sr *stepRun, err error) {
	if _, ok := a.scope.Steps[sr.step.ID]; !ok {
		// Outputs may look at a failed step: .steps.ID.is_error is true, .text says why.
		a.scope.Set(sr.step.ID, workflows.Result{Text: err.Error(), IsError: true})
	}
	a.settle(sr, StepFailed, err)
	if sr.step.OnError != workflows.OnErrorContinue {
		a.stop(ctx, fmt.Errorf("step %q failed: %w", sr.step.ID, err))
	}
}

// retryAfter applies the one retry policy (MayRetry) to a step, with the step's
// retry_unsafe as the caller's opt-in: a step is attempted again, up to its retries, only if
// its call certainly did not run, is safe to run twice, or the step says so; and only if the
// backoff ends before the run's deadline. An isError result never gets here: see
// NewWorkflowProps.
func (a *workflowActor) retryAfter(sr *stepRun, f *Failure) (time.Duration, bool) {
	if sr.attempts > sr.step.Retries || !MayRetry(f, sr.step.RetryUnsafe) {
		return 0, false
	}
	wait := stepBackoff.delay(sr.attempts)
	return wait, a.deadline.IsZero() || time.Now().Add(wait).Before(a.deadline)
}

func (a *workflowActor) scheduleRetry(ctx actor.Context, sr *stepRun, err error, wait time.Duration) {
	a.setStatus(sr, StepRetrying)
	sr.err = err
	root, self, id := ctx.ActorSystem().Root, ctx.Self(), sr.step.ID
	sr.retry = time.AfterFunc(wait, func() { root.Send(self, &stepRetryDue{step: id}) })
	a.emit(sr, err.Error())
}

// stop makes the run start no more steps: requests in flight are cancelled on their servers
// (which answer them, so the run still ends only when all are answered), steps waiting to
// retry are cancelled, and pending steps are skipped. The first reason wins.
func (a *workflowActor) stop(ctx actor.Context, reason error) {
	if a.stopped != nil || a.done {
		return
	}
	a.stopped = reason
	for id, sr := range a.inflight {
		ctx.Send(a.spec.Servers[sr.step.Server], &Cancel{ID: id})
	}
	for _, sr := range a.steps {
		switch sr.status {
		case StepRetrying:
			if sr.retry != nil { // nil: its retry waits in the queue
				sr.retry.Stop()
				sr.retry = nil
			}
			a.settle(sr, StepCancelled, fmt.Errorf("not retried: %w", reason))
		case StepPending:
			a.settle(sr, StepSkipped, fmt.Errorf("not run: %w", reason))
		}
	}
}

// settle gives a step its final status and reports it.
func (a *workflowActor) settle(sr *stepRun, st StepStatus, err error) {
	a.setStatus(sr, st)
	sr.err = err
	if !sr.started.IsZero() {
		sr.finished = time.Now()
	}
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	a.emit(sr, msg)
}

func (a *workflowActor) emit(sr *stepRun, errText string) {
	if a.spec.Progress == nil {
		return
	}
	now := time.Now()
	ev := StepEvent{
		RunID: a.spec.RunID, Step: sr.step.ID, Kind: sr.step.Kind, Server: sr.step.Server, Target: sr.target,
		Status: sr.status, Attempt: sr.attempts, Err: errText, Time: now,
	}
	if !sr.started.IsZero() {
		end := sr.finished
		if end.IsZero() {
			end = now
		}
		ev.Elapsed = end.Sub(sr.started)
	}
	a.spec.Progress(ev)
}
