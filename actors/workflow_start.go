package actors

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/workflows"
)

// RunOptions configures one workflow run started with Runtime.StartWorkflow.
type RunOptions struct {
	// RunID names the run and is the affinity key of its requests, so that servers with
	// isolation = "affinity" keep one session per run. Default: "run-" and 12 random hex digits.
	RunID string
	// Scopes gives each server's requests an identity and headers. Default: none.
	Scopes map[string]CallScope
	// Deadline bounds the run together with the workflow's timeout. Default: none.
	Deadline time.Time
	// Progress receives step events, called from the actor: it must not block. Default: none.
	Progress func(StepEvent)
	// Answered receives every answer to a step's upstream call, called from the actor: it
	// must not block. Default: none.
	Answered func(StepCall)
	// TraceParent and TraceState are the run's W3C trace context, sent in every step's
	// request (see Request). Default: none.
	TraceParent, TraceState string
	// Journal records the run; Resume continues one (see WorkflowSpec). Default: none.
	Journal Journal
	Resume  map[string]ResumedStep
}

// WorkflowRun is a running workflow: its actor, and where its report arrives.
type WorkflowRun struct {
	id     string
	pid    *actor.PID
	root   *actor.RootContext
	report <-chan any
}

// StartWorkflow spawns a workflow actor that runs w (see NewWorkflowProps) under the app
// actor, so that Close stops it (it then reports what it has) and waits for it. w must have
// passed Parse, ApplyVars and Validate, and must not change while the run lasts. The error
// is non-nil only when the run cannot start: a step names a server this runtime does not
// run, the run id is already in use, or Close has begun.
func (rt *Runtime) StartWorkflow(w *workflows.Workflow, opts RunOptions) (*WorkflowRun, error) {
	if w == nil || len(w.Steps) == 0 {
		return nil, errors.New("workflow: no steps to run")
	}
	servers := map[string]*actor.PID{}
	capacity := map[string]int{}
	for _, s := range w.Steps {
		pid, err := rt.ServerPID(s.Server)
		if err != nil {
			return nil, fmt.Errorf("workflow %q: step %q: %w", w.Name, s.ID, err)
		}
		servers[s.Server] = pid
		spec, _ := rt.Spec(s.Server)
		capacity[s.Server] = runCapacity(&spec)
	}
	id := opts.RunID
	if id == "" {
		id = NewRunID()
	}
	reply, ch := newReply(rt.system)
	props := NewWorkflowProps(WorkflowSpec{
		Workflow:    w,
		RunID:       id,
		Servers:     servers,
		Scopes:      opts.Scopes,
		NextID:      rt.NextID,
		Capacity:    capacity,
		MaxParallel: w.MaxParallel,
		Deadline:    opts.Deadline,
		Progress:    opts.Progress,
		Answered:    opts.Answered,
		TraceParent: opts.TraceParent,
		TraceState:  opts.TraceState,
		ReplyTo:     reply,
		Journal:     opts.Journal,
		Resume:      opts.Resume,
		NameError:   rt.nameError,
	})
	// The name is unique even when a run id comes back (a resume): the actor of the run that
	// ended may still be registered while it stops.
	pid, err := rt.spawnWork(props, "workflow-"+id+"-"+strconv.FormatUint(rt.NextID(), 10))
	if err != nil {
		rt.system.ProcessRegistry.Remove(reply)
		return nil, fmt.Errorf("workflow %q: run %q: %w", w.Name, id, err)
	}
	return &WorkflowRun{id: id, pid: pid, root: rt.system.Root, report: ch}, nil
}

// runCapacity is how many calls of one run a server's pool can serve at once: a run's
// requests share one affinity key, so one session under affinity isolation, max_sessions of
// them otherwise, each taking max_inflight calls.
func runCapacity(spec *capability.ServerSpec) int {
	sessions := spec.MaxSessions
	if spec.Isolation == capability.IsolationAffinity {
		sessions = 1
	}
	return max(sessions, 1) * max(spec.MaxInflight, 1)
}

// ID returns the run id.
func (r *WorkflowRun) ID() string { return r.id }

// Cancel asks the run to stop (see CancelRun). The run still reports.
func (r *WorkflowRun) Cancel(reason string) { r.root.Send(r.pid, &CancelRun{Reason: reason}) }

// Wait returns the run's report; call it once. When ctx ends first, the run is cancelled and Wait returns
// the report of the cancelled run (not OK, its Err matching ctx's error); the error is
// non-nil only if no report came within CancelGrace after that.
func (r *WorkflowRun) Wait(ctx context.Context) (*RunReport, error) {
	select {
	case m := <-r.report:
		return r.reportOf(m)
	case <-ctx.Done():
	}
	r.root.Send(r.pid, &CancelRun{Reason: ctx.Err().Error(), Timeout: errors.Is(ctx.Err(), context.DeadlineExceeded)})
	grace := time.NewTimer(CancelGrace)
	defer grace.Stop()
	select {
	case m := <-r.report:
		return r.reportOf(m)
	case <-grace.C:
		return nil, fmt.Errorf("run %q: no report within %s of cancelling it: %w", r.id, CancelGrace, ctx.Err())
	}
}

func (r *WorkflowRun) reportOf(m any) (*RunReport, error) {
	rep, ok := m.(*RunReport)
	if !ok { // the actor vanished (the actor system shut down under it)
		return nil, fmt.Errorf("run %q: %w: the workflow actor is gone", r.id, ErrClosed)
	}
	return rep, nil
}

// NewRunID returns a run id unique enough to be an affinity key (pools are per process)
// and a journal's name: "run-" and 12 random hex digits.
func NewRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "run-" + hex.EncodeToString(b[:])
}
