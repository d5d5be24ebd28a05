package actors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/workflows"
	"github.com/spine-mcp/spine/workflows/journal"
)

// Messages a workflow actor sends itself from its timers.
type (
	stepRetryDue struct {
		step string
		item int // the for_each item; -1 for a step's only call
	}
	runExpired struct{}
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
	inflight map[uint64]call     // by request id
	busy     map[string]int      // requests in flight per server
	queue    []call              // ready steps (or retries) waiting for capacity, in order
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

	// A for_each step: its items once rendered (each, non-nil from then on), the next one
	// to start, and how many are in flight, waiting to retry, and not finished.
	each     bool
	items    []*itemRun
	next     int
	running  int
	retrying int
	left     int
	halted   bool // an item failed under on_error = "fail": start no more
	resumed  bool // finished by an earlier process of the run
}

// itemRun is one item of a for_each step.
type itemRun struct {
	index    int
	value    any
	status   StepStatus
	target   string
	attempts int
	started  time.Time
	finished time.Time
	retry    *time.Timer
	result   any
	res      workflows.Result
	err      error
}

// call is one call a step makes: its only one, or one of its for_each items (item set). In
// the queue, a for_each step with item nil stands for its items not started yet.
type call struct {
	sr   *stepRun
	item *itemRun
	op   Op
	sent time.Time // set only for WorkflowSpec.Answered
}

// Receive implements actor.Actor.
func (a *workflowActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		a.begin(ctx)
	case *Response:
		a.answered(ctx, m)
		a.flush(ctx)
	case *actor.DeadLetterResponse:
		// A server actor is gone: the runtime is closing. The dead letter does not say which
		// request it was, so every request in flight is answered here; late answers are ignored.
		for id := range a.inflight {
			a.answered(ctx, &Response{ID: id, Failure: errServerGone})
		}
	case *stepRetryDue:
		sr := a.byID[m.step]
		switch {
		case sr == nil:
		case m.item >= 0 && m.item < len(sr.items) && sr.items[m.item].status == StepRetrying:
			sr.items[m.item].retry = nil
			a.queue = append(a.queue, call{sr: sr, item: sr.items[m.item]})
			a.advance(ctx)
		case m.item < 0 && sr.status == StepRetrying:
			sr.retry = nil
			a.queue = append(a.queue, call{sr: sr})
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
	a.inflight = map[uint64]call{}
	a.busy = map[string]int{}
	a.schedule = a.wf.Schedule()
	a.scope = a.wf.NewScope()
	for i := range a.wf.Steps {
		s := &a.wf.Steps[i]
		sr := &stepRun{step: s, status: StepPending, target: s.Target}
		a.steps = append(a.steps, sr)
		a.byID[s.ID] = sr
	}
	a.resume()
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
			a.ready(ctx, a.byID[s.ID])
		}
		if !a.startQueued(ctx) && len(ready) == 0 {
			break
		}
	}
	if a.done || len(a.inflight) > 0 {
		return
	}
	for _, sr := range a.steps {
		if sr.status == StepRetrying || sr.retrying > 0 && !sr.status.Finished() {
			return
		}
	}
	a.finish(ctx)
}

// resume settles the steps an earlier process of the run finished, as the journal tells:
// their results feed the templates, and their dependents may start.
func (a *workflowActor) resume() {
	for _, sr := range a.steps {
		rs, ok := a.spec.Resume[sr.step.ID]
		if !ok || !rs.Done {
			continue
		}
		var res workflows.Result
		if sr.step.ForEach != "" {
			sr.each = true
			n := 0
			for i := range rs.Items {
				n = max(n, i+1)
			}
			sr.items = make([]*itemRun, n)
			for i := range sr.items {
				sr.items[i] = &itemRun{index: i, status: StepSkipped}
				if ri, ok := rs.Items[i]; ok {
					sr.items[i].status, sr.items[i].result, sr.items[i].res = ri.Status, ri.Result, resumedResult(ri.Result, ri.Status, ri.Error)
				}
			}
			res = a.itemsResult(sr)
		} else {
			res = resumedResult(rs.Result, rs.Status, rs.Error)
		}
		if rs.Status == StepFailed {
			res.IsError = true
			if res.Error == "" {
				res.Error = rs.Error
			}
		}
		sr.resumed, sr.result, sr.text = true, rs.Result, res.Text
		if rs.Error != "" {
			sr.err = errors.New(rs.Error)
		}
		a.scope.Set(sr.step.ID, res)
		a.setStatus(sr, rs.Status)
	}
}

// resumedResult is what templates see of a call an earlier process finished.
func resumedResult(result any, st StepStatus, errText string) workflows.Result {
	res := resultOf(result)
	if st == StepFailed {
		res.IsError, res.Error = true, errText
		if result == nil {
			res.Text = errText
		}
	}
	return res
}

// ready takes a step whose dependencies are done: its if decides whether it runs, its
// for_each how many calls it makes; then it waits in the queue for capacity.
func (a *workflowActor) ready(ctx actor.Context, sr *stepRun) {
	if a.stopped != nil || sr.status != StepPending {
		return
	}
	run, err := sr.step.RenderIf(a.scope)
	if err != nil {
		a.failed(ctx, sr, err)
		return
	}
	if !run {
		a.skip(sr, errors.New("if was false"))
		return
	}
	if sr.step.ForEach != "" {
		values, err := sr.step.RenderForEach(a.scope)
		if err != nil {
			a.failed(ctx, sr, err)
			return
		}
		sr.each = true
		sr.items = make([]*itemRun, len(values))
		sr.left = len(values)
		done := a.spec.Resume[sr.step.ID].Items
		for i, v := range values {
			it := &itemRun{index: i, value: v, status: StepPending}
			if ri, ok := done[i]; ok { // finished by an earlier process of the run
				it.status, it.result, it.res = ri.Status, ri.Result, resumedResult(ri.Result, ri.Status, ri.Error)
				if ri.Error != "" {
					it.err = errors.New(ri.Error)
				}
				sr.left--
			}
			sr.items[i] = it
		}
		if sr.left == 0 {
			sr.started = time.Now()
			a.itemsDone(ctx, sr)
			return
		}
	}
	a.queue = append(a.queue, call{sr: sr})
}

// skip settles a pending step as skipped, with what templates see of a step that did not run.
func (a *workflowActor) skip(sr *stepRun, reason error) {
	a.scope.Set(sr.step.ID, workflows.Result{Skipped: true})
	a.settle(sr, StepSkipped, reason)
}

// startQueued starts the queued steps the run's capacity allows, in order, and says whether
// it started any. A run holds at most max_parallel requests in flight, and no more for a
// server than its pool can serve at once, so that steps queue here rather than fail at
// acquire_timeout in the pool.
func (a *workflowActor) startQueued(ctx actor.Context) bool {
	started := false
	kept := a.queue[:0]
	for _, q := range a.queue {
		sr := q.sr
		switch {
		case a.stopped != nil || sr.status.Finished():
			// stopped or settled meanwhile: drop it
		case q.item != nil: // an item's retry
			switch {
			case q.item.status != StepRetrying || sr.halted:
			case a.canStart(sr):
				sr.retrying--
				a.attempt(ctx, sr, q.item)
				started = true
			default:
				kept = append(kept, q)
			}
		case sr.each: // the items not started yet, in order
			for sr.next < len(sr.items) && !sr.halted && a.stopped == nil && a.canStart(sr) {
				sr.next++
				if it := sr.items[sr.next-1]; it.status == StepPending {
					a.attempt(ctx, sr, it)
					started = true
				}
			}
			if sr.next < len(sr.items) && !sr.halted && !sr.status.Finished() {
				kept = append(kept, q)
			}
		case sr.status != StepPending && sr.status != StepRetrying:
		case a.canStart(sr):
			a.attempt(ctx, sr, nil)
			started = true
		default:
			kept = append(kept, q)
		}
	}
	clear(a.queue[len(kept):])
	a.queue = kept
	return started
}

// canStart says whether one more call of the step fits: the run's max_parallel, what the
// step's server can serve, and a for_each step's own max_parallel.
func (a *workflowActor) canStart(sr *stepRun) bool {
	if a.spec.MaxParallel > 0 && len(a.inflight) >= a.spec.MaxParallel {
		return false
	}
	if sr.each && sr.step.MaxParallel > 0 && sr.running >= sr.step.MaxParallel {
		return false
	}
	c := a.spec.Capacity[sr.step.Server]
	return c <= 0 || a.busy[sr.step.Server] < c
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
				if dep := a.byID[d]; dep != nil && dep.status.Finished() && !dep.done() {
					a.skip(sr, fmt.Errorf("not run: step %q %s", d, dep.status))
					changed = true
					break
				}
			}
		}
	}
	a.blocking = false
}

// done says whether the step counts as finished for its dependents: it succeeded, or it
// failed under on_error = "continue" (its dependents then run and see .is_error).
func (sr *stepRun) done() bool {
	return sr.status == StepOK || sr.status == StepFailed && sr.step.OnError == workflows.OnErrorContinue
}

// setStatus moves a step on from pending to st, and tells advance what changed: a step that
// is done is done for the schedule, one that ended otherwise may block others.
func (a *workflowActor) setStatus(sr *stepRun, st StepStatus) {
	sr.status = st
	switch {
	case sr.done():
		a.schedule.Done(sr.step.ID)
	case st.Finished():
		a.blocking = true
	}
}

// attempt renders the step against the results so far and sends it to its server. A step
// that cannot be rendered or sent fails without an attempt being counted.
func (a *workflowActor) attempt(ctx actor.Context, sr *stepRun, it *itemRun) {
	now := time.Now()
	first := sr.started.IsZero()
	if first {
		sr.started = now
	}
	if it != nil && it.started.IsZero() {
		it.started = now
	}
	req, err := a.request(sr, it)
	if err != nil {
		a.callFailed(ctx, sr, it, err)
		return
	}
	pid := a.spec.Servers[sr.step.Server]
	if pid == nil {
		a.callFailed(ctx, sr, it, errorNamer(a.spec.NameError).name(sr.step.Server, req, ErrUnknownServer))
		return
	}
	if j := a.spec.Journal; j != nil {
		// On disk before the call leaves: a run that dies from here on knows it may have run.
		j.Add(a.attemptRecord(sr, it, req, first))
		if err := j.Flush(); err != nil {
			a.stop(ctx, err)
			return
		}
	}
	sr.attempts++
	if it != nil {
		it.attempts++
		it.status = StepRunning
		sr.running++
	}
	prev := sr.status
	a.setStatus(sr, StepRunning)
	c := call{sr: sr, item: it, op: req.Op}
	if a.spec.Answered != nil {
		c.sent = time.Now()
	}
	a.inflight[req.ID] = c
	a.busy[sr.step.Server]++
	ctx.Request(pid, req)
	if it == nil || prev != StepRunning {
		a.emit(sr, "")
	}
}

// request builds the next attempt's request: fresh args (the SDK writes into its params),
// the run id as affinity key, and the earlier of the step's and the run's deadlines.
func (a *workflowActor) request(sr *stepRun, it *itemRun) (*Request, error) {
	s := sr.step
	var (
		target string
		args   map[string]any
		err    error
	)
	if it != nil {
		target, args, err = s.RenderItem(a.scope, it.index, it.value)
	} else {
		target, args, err = s.Render(a.scope)
	}
	if err != nil {
		return nil, err
	}
	if it != nil {
		it.target = target
	}
	sr.target = target
	req := &Request{ID: a.spec.NextID(), Name: target, Affinity: a.spec.RunID, Deadline: a.deadline,
		TraceParent: a.spec.TraceParent, TraceState: a.spec.TraceState}
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
	c, ok := a.inflight[m.ID]
	if !ok {
		return // answered already (a dead letter came first)
	}
	sr, it := c.sr, c.item
	if a.spec.Journal != nil {
		a.spec.Journal.Add(outcomeRecord(c, m))
	}
	if a.spec.Answered != nil {
		target := sr.target
		if it != nil {
			target = it.target
		}
		a.spec.Answered(StepCall{Step: sr.step.ID, Server: sr.step.Server, Op: c.op, Target: target, Sent: c.sent, Response: m})
	}
	delete(a.inflight, m.ID)
	a.busy[sr.step.Server]--
	if it != nil {
		sr.running--
	}
	if m.Failure == nil {
		a.succeeded(ctx, sr, it, m.Result)
		a.advance(ctx)
		return
	}
	target := sr.target
	if it != nil {
		target = it.target
	}
	err := a.stepError(sr, target, m.Failure)
	switch {
	case a.stopped != nil:
		a.callCancelled(sr, it, err)
	case !a.deadline.IsZero() && !time.Now().Before(a.deadline):
		// The run's deadline, not the step's, cut the attempt: say so rather than blame the step.
		a.stop(ctx, fmt.Errorf("run timeout: %w", context.DeadlineExceeded))
		a.callCancelled(sr, it, err)
	default:
		if wait, ok := a.retryAfter(sr, it, m.Failure); ok {
			a.scheduleRetry(ctx, sr, it, err, wait)
		} else {
			a.callFailed(ctx, sr, it, err)
		}
	}
	a.advance(ctx)
}

// attemptRecord is the journal's record of the attempt about to be sent.
func (a *workflowActor) attemptRecord(sr *stepRun, it *itemRun, req *Request, first bool) journal.Record {
	rec := journal.Record{Type: journal.TypeAttempt, Step: sr.step.ID, Attempt: sr.attempts + 1,
		Server: sr.step.Server, Kind: string(sr.step.Kind), Target: req.Name}
	if it != nil {
		index := it.index
		rec.Item, rec.Attempt = &index, it.attempts+1
		if first {
			n := len(sr.items)
			rec.Items = &n
		}
	}
	return rec
}

// outcomeRecord is the journal's record of an answer.
func outcomeRecord(c call, m *Response) journal.Record {
	rec := journal.Record{Type: journal.TypeOutcome, Step: c.sr.step.ID, Attempt: c.sr.attempts}
	if c.item != nil {
		index := c.item.index
		rec.Item, rec.Attempt = &index, c.item.attempts
	}
	if f := m.Failure; f != nil {
		rec.Status, rec.Class, rec.Reason, rec.Safe, rec.Error = journal.OutcomeFailed, string(f.Class), string(f.Reason), f.Safe, f.Message
		return rec
	}
	rec.Status = journal.OutcomeOK
	if r, ok := m.Result.(*mcp.CallToolResult); ok && r != nil && r.IsError {
		rec.Status = journal.OutcomeIsError
	}
	if b, err := json.Marshal(m.Result); err == nil {
		rec.Result = b
	}
	return rec
}

// flush writes what the journal holds; a journal that cannot be written stops the run.
func (a *workflowActor) flush(ctx actor.Context) {
	if j := a.spec.Journal; j != nil && !a.done {
		if err := j.Flush(); err != nil {
			a.stop(ctx, err)
			a.advance(ctx)
		}
	}
}

// callCancelled records a call cut short by the run stopping.
func (a *workflowActor) callCancelled(sr *stepRun, it *itemRun, err error) {
	if it == nil {
		a.settle(sr, StepCancelled, err)
		return
	}
	a.itemSettle(sr, it, StepCancelled, err)
	if !sr.status.Finished() && sr.running == 0 {
		a.settle(sr, StepCancelled, err)
	}
}

// stepError names the step's server and target in a failure.
func (a *workflowActor) stepError(sr *stepRun, target string, f *Failure) error {
	op := OpCallTool
	switch sr.step.Kind {
	case workflows.KindResource:
		op = OpReadResource
	case workflows.KindPrompt:
		op = OpGetPrompt
	}
	return errorNamer(a.spec.NameError).name(sr.step.Server, &Request{Op: op, Name: target}, f)
}

func (a *workflowActor) succeeded(ctx actor.Context, sr *stepRun, it *itemRun, result any) {
	res := resultOf(result)
	var err error
	if res.IsError {
		target := sr.target
		if it != nil {
			target = it.target
		}
		err = fmt.Errorf("server %q: tool %q returned an error: %s", sr.step.Server, target, res.Text)
		res.Error = err.Error()
	}
	if it != nil {
		it.result, it.res = result, res
		if err != nil {
			a.callFailed(ctx, sr, it, err)
			return
		}
		a.itemSettle(sr, it, StepOK, nil)
		a.itemsDone(ctx, sr)
		return
	}
	sr.result, sr.text = result, res.Text
	a.scope.Set(sr.step.ID, res)
	if err != nil {
		a.failed(ctx, sr, err)
		return
	}
	a.settle(sr, StepOK, nil)
}

// callFailed records a call that failed for good: the step's, or one item's.
func (a *workflowActor) callFailed(ctx actor.Context, sr *stepRun, it *itemRun, err error) {
	if it == nil {
		a.failed(ctx, sr, err)
		return
	}
	if it.res.Error == "" {
		it.res = workflows.Result{Text: err.Error(), IsError: true, Error: err.Error()}
	}
	a.itemSettle(sr, it, StepFailed, err)
	if sr.step.OnError != workflows.OnErrorContinue {
		// The step fails at once: no more items start, and the run stops.
		sr.halted = true
		a.setItemsResult(sr)
		a.failed(ctx, sr, fmt.Errorf("item %d: %w", it.index, err))
		return
	}
	a.itemsDone(ctx, sr)
}

// itemSettle gives an item its final status.
func (a *workflowActor) itemSettle(sr *stepRun, it *itemRun, st StepStatus, err error) {
	if it.status.Finished() {
		return
	}
	it.status, it.err = st, err
	if !it.started.IsZero() {
		it.finished = time.Now()
	}
	sr.left--
	if sr.status == StepRunning && sr.left > 0 {
		a.emit(sr, "")
	}
}

// itemsDone settles a for_each step once every item has finished: failed if one failed
// (under on_error = "continue"), else ok; its result lists the items' results.
func (a *workflowActor) itemsDone(ctx actor.Context, sr *stepRun) {
	if sr.left > 0 || sr.status.Finished() {
		return
	}
	res := a.setItemsResult(sr)
	if res.IsError {
		a.failed(ctx, sr, errors.New(res.Error))
		return
	}
	a.settle(sr, StepOK, nil)
}

// setItemsResult records a for_each step's result from its items: an item that did not
// finish counts as skipped.
func (a *workflowActor) setItemsResult(sr *stepRun) workflows.Result {
	res := a.itemsResult(sr)
	sr.text = res.Text
	a.scope.Set(sr.step.ID, res)
	return res
}

// itemsResult is a for_each step's result from its items.
func (a *workflowActor) itemsResult(sr *stepRun) workflows.Result {
	items := make([]workflows.Result, len(sr.items))
	for i, it := range sr.items {
		switch it.status {
		case StepOK, StepFailed:
			items[i] = it.res
		default:
			items[i] = workflows.Result{Skipped: true}
		}
	}
	return workflows.ItemsResult(items)
}

// failed records a step failure. Under on_error = "fail" the run stops; under "continue" the
// step counts as finished: its dependents run and see .is_error and .error.
func (a *workflowActor) failed(ctx actor.Context, sr *stepRun, err error) {
	if r, ok := a.scope.Steps[sr.step.ID]; !ok {
		// Templates may look at a failed step: .steps.ID.is_error is true, .error (and .text) say why.
		a.scope.Set(sr.step.ID, workflows.Result{Text: err.Error(), IsError: true, Error: err.Error()})
	} else if !r.IsError || r.Error == "" {
		r.IsError, r.Error = true, err.Error()
		a.scope.Set(sr.step.ID, r)
	}
	a.settle(sr, StepFailed, err)
	if sr.step.OnError != workflows.OnErrorContinue {
		a.stop(ctx, fmt.Errorf("step %q failed: %w", sr.step.ID, err))
	}
}

// retryAfter applies the one retry policy (MayRetry) to a call, with the step's
// retry_unsafe as the caller's opt-in: a call is attempted again, up to the step's retries
// (per item for a for_each), only if it certainly did not run, is safe to run twice, or the
// step says so; and only if the backoff ends before the run's deadline. An isError result
// never gets here: see NewWorkflowProps.
func (a *workflowActor) retryAfter(sr *stepRun, it *itemRun, f *Failure) (time.Duration, bool) {
	attempts := sr.attempts
	if it != nil {
		attempts = it.attempts
	}
	if attempts > sr.step.Retries || !MayRetry(f, sr.step.RetryUnsafe) || sr.halted {
		return 0, false
	}
	wait := stepBackoff.delay(attempts)
	return wait, a.deadline.IsZero() || time.Now().Add(wait).Before(a.deadline)
}

func (a *workflowActor) scheduleRetry(ctx actor.Context, sr *stepRun, it *itemRun, err error, wait time.Duration) {
	root, self, id := ctx.ActorSystem().Root, ctx.Self(), sr.step.ID
	if it != nil {
		it.status, it.err = StepRetrying, err
		sr.retrying++
		index := it.index
		it.retry = time.AfterFunc(wait, func() { root.Send(self, &stepRetryDue{step: id, item: index}) })
		return
	}
	a.setStatus(sr, StepRetrying)
	sr.err = err
	sr.retry = time.AfterFunc(wait, func() { root.Send(self, &stepRetryDue{step: id, item: -1}) })
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
	for id, c := range a.inflight {
		ctx.Send(a.spec.Servers[c.sr.step.Server], &Cancel{ID: id})
	}
	for _, sr := range a.steps {
		a.stopItems(sr, reason)
		switch sr.status {
		case StepRetrying:
			if sr.retry != nil { // nil: its retry waits in the queue
				sr.retry.Stop()
				sr.retry = nil
			}
			a.settle(sr, StepCancelled, fmt.Errorf("not retried: %w", reason))
		case StepPending:
			a.skip(sr, fmt.Errorf("not run: %w", reason))
		case StepRunning:
			if sr.each && sr.running == 0 { // only items waiting to retry or not started
				a.settle(sr, StepCancelled, fmt.Errorf("not finished: %w", reason))
			}
		}
	}
}

// stopItems ends a for_each step's items that are not in flight: those waiting to retry are
// cancelled, those not started are skipped.
func (a *workflowActor) stopItems(sr *stepRun, reason error) {
	for _, it := range sr.items {
		switch it.status {
		case StepRetrying:
			if it.retry != nil {
				it.retry.Stop()
				it.retry = nil
			}
			sr.retrying--
			a.itemSettle(sr, it, StepCancelled, fmt.Errorf("not retried: %w", reason))
		case StepPending:
			a.itemSettle(sr, it, StepSkipped, fmt.Errorf("not run: %w", reason))
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
	if j := a.spec.Journal; j != nil && (st != StepOK || sr.each) {
		// A step's only call answered ok says the step is ok: its outcome record is its end.
		j.Add(journal.Record{Type: journal.TypeStepEnd, Step: sr.step.ID, Status: string(st), Error: msg})
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
	if sr.each {
		ev.Items, ev.ItemsDone = len(sr.items), len(sr.items)-sr.left
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
