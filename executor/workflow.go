package executor

import (
	"context"
	"errors"
	"fmt"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/workflows"
)

// RunOption configures one workflow run.
type RunOption func(*runConfig)

// runConfig is what the options set: the actor's options, and the journal's.
type runConfig struct {
	actors.RunOptions
	journalDir string
	resume     *Resume
}

// WithRunID names the run. The run id is the affinity key of every call the run makes, so
// that servers with isolation = "affinity" keep one session per run: give the id of a
// conversation to run the workflow in that conversation's sessions. Default: a random id.
func WithRunID(id string) RunOption { return func(o *runConfig) { o.RunID = id } }

// WithProgress has f called as steps start, retry and finish. f is called from the actor
// that runs the workflow, one event at a time, and must not block. Default: none.
func WithProgress(f func(StepEvent)) RunOption {
	return func(o *runConfig) {
		if f == nil {
			o.Progress = nil
			return
		}
		o.Progress = func(e actors.StepEvent) { f(stepEventOf(e)) }
	}
}

// WithJournal records the run in a journal, dir/<run_id>.jsonl (dir is created 0700, the
// journal 0600; see package journal for what it holds and how durable it is), so that an
// interrupted run can be resumed (WithResume). `spine run` journals in the project's
// .spine/runs. Default: no journal.
func WithJournal(dir string) RunOption { return func(o *runConfig) { o.journalDir = dir } }

// WithResume continues the run journaled at r.Journal instead of starting a new one: see
// Resume. The run keeps its run id, and appends to its journal.
func WithResume(r Resume) RunOption { return func(o *runConfig) { o.resume = &r } }

// RunWorkflow runs wf on the executor's servers and returns its report once every step has
// finished or been skipped. Independent steps run in parallel; each step's templates are
// rendered from the steps it depends on just before it starts. The run is bounded by ctx and
// by wf's timeout, and uses ctx's identity and headers (WithIdentity, WithHeaders) for its
// calls; its affinity key is its run id (WithRunID).
//
// A failed step does not make an error: the report says OK false and why (Error, and the
// step's own Error). A step with on_error = "continue" that fails is reported failed, its
// dependents still run (they see .is_error and .error), and the run stays OK. A Go error from a server (no answer in time, a
// lost session) is retried up to the step's retries; a tool result with isError is not. The same holds when ctx ends: the run is cancelled, its steps in flight
// are reported cancelled, and Err matches ctx's error. The error is non-nil only when the run
// cannot start: wf does not validate against the executor's servers, or the executor is
// closed.
//
// wf must have been through workflows.Parse and ApplyVars; RunWorkflow validates it again
// and only reads it, so one workflow may run many times, also concurrently.
func (e *Executor) RunWorkflow(ctx context.Context, wf *workflows.Workflow, opts ...RunOption) (rep *RunReport, err error) {
	if wf == nil {
		return nil, errors.New("workflow: nil")
	}
	if e.closed.Load() {
		return nil, fmt.Errorf("workflow %q: %w", wf.Name, ErrClosed)
	}
	if err := wf.Validate(e.Servers()); err != nil {
		return nil, err
	}
	cfg := runConfig{RunOptions: actors.RunOptions{Scopes: map[string]actors.CallScope{}}}
	for _, opt := range opts {
		opt(&cfg)
	}
	o := &cfg.RunOptions
	if dl, ok := ctx.Deadline(); ok {
		o.Deadline = dl
	}
	for _, s := range wf.Steps {
		if _, done := o.Scopes[s.Server]; !done {
			var probe actors.Request
			e.scope(ctx, s.Server, &probe)
			o.Scopes[s.Server] = actors.CallScope{Identity: probe.Identity, Headers: probe.Headers}
		}
	}
	j, err := e.openJournal(ctx, wf, &cfg)
	if err != nil {
		return nil, err
	}
	if j != nil {
		o.Journal = j
	}
	observedEnd := e.observers.runObserved(wf, &cfg)
	tracedEnd := e.traceRun(ctx, wf, &cfg)
	defer func() { tracedEnd(rep) }()
	run, err := e.rt.StartWorkflow(wf, *o)
	if err != nil {
		if j != nil {
			j.Close()
		}
		observedEnd(nil)
		return nil, err
	}
	ar, err := run.Wait(ctx)
	rep = reportOf(ar)
	defer func() { observedEnd(rep) }()
	if j != nil {
		if cerr := j.Close(); cerr != nil && err == nil && rep != nil && rep.OK {
			rep.OK, rep.Err, rep.Error = false, cerr, cerr.Error()
		}
	}
	return rep, err
}
