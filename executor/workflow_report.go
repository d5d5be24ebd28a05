package executor

import (
	"fmt"
	"time"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/workflows"
)

// StepStatus is where a workflow step stands: pending, running, retrying, ok, failed,
// skipped or cancelled.
type StepStatus string

// The statuses of a step: StepPending, StepRunning and StepRetrying are seen in events only;
// a StepReport holds one of the final four.
const (
	StepPending   StepStatus = "pending"   // waiting for its dependencies
	StepRunning   StepStatus = "running"   // an attempt is in flight
	StepRetrying  StepStatus = "retrying"  // an attempt failed; the next one starts after a backoff
	StepOK        StepStatus = "ok"        // answered; a tool result without isError
	StepFailed    StepStatus = "failed"    // the last attempt failed, or the tool answered with isError
	StepSkipped   StepStatus = "skipped"   // never started: a dependency did not succeed, or the run stopped first
	StepCancelled StepStatus = "cancelled" // in flight or waiting to retry when the run was cancelled (a call cut by Close fails with ErrClosed)
)

// Finished reports whether the status is final.
func (s StepStatus) Finished() bool {
	return s == StepOK || s == StepFailed || s == StepSkipped || s == StepCancelled
}

// StepEvent reports a step starting an attempt, waiting to retry, or finishing (WithProgress).
type StepEvent struct {
	RunID   string
	Step    string
	Kind    workflows.Kind
	Server  string
	Target  string        // the rendered tool name, resource URI or prompt name
	Status  StepStatus    // StepRunning, StepRetrying, or the final status
	Attempt int           // attempts sent so far
	Elapsed time.Duration // since the step's first attempt started; 0 for a skipped step
	Err     string        // why an attempt or the step failed
	Time    time.Time
	// Items is how many items a for_each step has (0 for other steps, and before its
	// for_each is rendered); ItemsDone how many of them have finished. A for_each step
	// reports an event as each item finishes.
	Items, ItemsDone int
}

// String renders the event for people.
func (e StepEvent) String() string {
	s := fmt.Sprintf("step %s %s (%s %s attempt=%d elapsed=%s)", e.Step, e.Status, e.Server, e.Target, e.Attempt, e.Elapsed)
	if e.Err != "" {
		s += " error=" + e.Err
	}
	return s
}

// RunReport is the outcome of a workflow run: the workflow's name, the run id, OK, the start
// time and duration, every step in file order (status, attempts, times, text, the raw MCP
// result, error) and the rendered outputs. A failed step is reported here (OK false), not as
// a Go error. It marshals to the JSON of `spine run --output json`.
type RunReport struct {
	Workflow   string         `json:"workflow"`
	RunID      string         `json:"run_id"`
	OK         bool           `json:"ok"`
	Started    time.Time      `json:"started"`
	Duration   time.Duration  `json:"-"`
	DurationMs float64        `json:"duration_ms"`
	Error      string         `json:"error,omitempty"` // why the run is not OK
	Err        error          `json:"-"`               // the same, for errors.Is (context.Canceled, context.DeadlineExceeded) and errors.As (*CallError)
	Steps      []StepReport   `json:"steps"`           // in file order
	Outputs    map[string]any `json:"outputs"`         // the [outputs] that rendered
}

// StepReport is the outcome of one step of a run.
type StepReport struct {
	ID         string         `json:"id"`
	Kind       workflows.Kind `json:"kind"`
	Server     string         `json:"server"`
	Target     string         `json:"target"` // rendered, once the step started
	Status     StepStatus     `json:"status"`
	Attempts   int            `json:"attempts"`
	Started    time.Time      `json:"started,omitzero"`
	Finished   time.Time      `json:"finished,omitzero"`
	Duration   time.Duration  `json:"-"`
	DurationMs float64        `json:"duration_ms"`
	Resumed    bool           `json:"resumed,omitempty"` // finished by an earlier process of the run (--resume): not called again
	Text       string         `json:"text"`              // the result's text (workflows.Result.Text)
	Result     any            `json:"result,omitempty"`  // the MCP result: *mcp.CallToolResult, *mcp.ReadResourceResult or *mcp.GetPromptResult
	Error      string         `json:"error,omitempty"`
	Err        error          `json:"-"`
	// Items are the outcomes of a for_each step's items, in item order; nil for other steps.
	Items []ItemReport `json:"items,omitempty"`
}

// ItemReport is the outcome of one item of a for_each step.
type ItemReport struct {
	Index      int        `json:"index"`
	Target     string     `json:"target,omitempty"`
	Status     StepStatus `json:"status"` // ok, failed, cancelled, or skipped (not started)
	Attempts   int        `json:"attempts"`
	DurationMs float64    `json:"duration_ms"`
	Text       string     `json:"text"`
	Result     any        `json:"result,omitempty"`
	Error      string     `json:"error,omitempty"`
}

// reportOf converts the workflow actor's report; its errors are the executor's already
// (the runtime names them with callErrorOf).
func reportOf(r *actors.RunReport) *RunReport {
	if r == nil {
		return nil
	}
	out := &RunReport{
		Workflow: r.Workflow, RunID: r.RunID, OK: r.OK, Started: r.Started, Duration: r.Duration,
		DurationMs: r.DurationMs, Error: r.Error, Err: r.Err, Outputs: r.Outputs,
		Steps: make([]StepReport, len(r.Steps)),
	}
	for i, s := range r.Steps {
		out.Steps[i] = StepReport{
			ID: s.ID, Kind: s.Kind, Server: s.Server, Target: s.Target, Status: StepStatus(s.Status),
			Attempts: s.Attempts, Started: s.Started, Finished: s.Finished, Duration: s.Duration,
			DurationMs: s.DurationMs, Resumed: s.Resumed, Text: s.Text, Result: s.Result,
			Error: s.Error, Err: s.Err,
		}
		if s.Items != nil {
			items := make([]ItemReport, len(s.Items))
			for k, it := range s.Items {
				items[k] = ItemReport{Index: it.Index, Target: it.Target, Status: StepStatus(it.Status),
					Attempts: it.Attempts, DurationMs: it.DurationMs, Text: it.Text, Result: it.Result, Error: it.Error}
			}
			out.Steps[i].Items = items
		}
	}
	return out
}

func stepEventOf(e actors.StepEvent) StepEvent {
	return StepEvent{RunID: e.RunID, Step: e.Step, Kind: e.Kind, Server: e.Server, Target: e.Target,
		Status: StepStatus(e.Status), Attempt: e.Attempt, Elapsed: e.Elapsed, Err: e.Err, Time: e.Time,
		Items: e.Items, ItemsDone: e.ItemsDone}
}
