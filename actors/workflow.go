package actors

import (
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/spine-mcp/spine/workflows"
	"github.com/spine-mcp/spine/workflows/journal"
)

// StepStatus is where a workflow step stands. A finished step ends in StepOK, StepFailed,
// StepSkipped or StepCancelled.
type StepStatus string

// The states of a step.
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

// StepEvent reports progress of one step of a run: it started an attempt, is waiting to
// retry, or finished. Events are plain values handed to the run's Progress hook.
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

// StepCall is one answer to a step's upstream call (an attempt; for a for_each step, an
// item's attempt): the server, what was asked, when it was sent, and the server actor's
// answer, failure included.
type StepCall struct {
	Step     string
	Server   string
	Op       Op
	Target   string
	Sent     time.Time
	Response *Response
}

// String renders the event for people.
func (e StepEvent) String() string {
	s := fmt.Sprintf("step %s %s (%s %s attempt=%d elapsed=%s)", e.Step, e.Status, e.Server, e.Target, e.Attempt, e.Elapsed)
	if e.Err != "" {
		s += " error=" + e.Err
	}
	return s
}

// RunReport is the outcome of a workflow run. A failed step is reported here (OK false), not
// as a Go error. It marshals to the JSON shape of `spine run --output json`.
type RunReport struct {
	Workflow   string         `json:"workflow"`
	RunID      string         `json:"run_id"`
	OK         bool           `json:"ok"`
	Started    time.Time      `json:"started"`
	Duration   time.Duration  `json:"-"`
	DurationMs float64        `json:"duration_ms"`
	Error      string         `json:"error,omitempty"` // why the run is not OK
	Err        error          `json:"-"`               // the same, for errors.Is (context.Canceled, context.DeadlineExceeded)
	Steps      []StepReport   `json:"steps"`           // in file order
	Outputs    map[string]any `json:"outputs"`         // the [outputs] that rendered
}

// StepReport is the outcome of one step.
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

// CancelRun asks a workflow actor to stop: it starts no more steps, cancels the requests in
// flight and reports once every server has answered. Timeout says the caller's deadline
// passed rather than the caller giving up.
type CancelRun struct {
	Reason  string
	Timeout bool
}

// CallScope is the isolation scope a run's requests to one server carry (see Request).
type CallScope struct {
	Identity string
	Headers  map[string][]string
}

// WorkflowSpec is what a workflow actor needs to run one workflow. The workflow must have
// passed Parse, ApplyVars and Validate; the actor only reads it.
type WorkflowSpec struct {
	Workflow *workflows.Workflow
	RunID    string                // also the affinity key of every request
	Servers  map[string]*actor.PID // the server actor of each server the steps use
	Scopes   map[string]CallScope  // per server; none = no identity, no headers
	NextID   func() uint64         // request ids, unique among all callers of the server actors
	// Capacity is how many requests of the run each server's pool can serve at once; steps
	// beyond it wait in the run (0 or missing = no bound).
	Capacity map[string]int
	// MaxParallel bounds the run's requests in flight across servers (0 = no bound).
	MaxParallel int
	Deadline    time.Time       // the caller's deadline; zero = none (the workflow's timeout still applies)
	Progress    func(StepEvent) // called from the actor; must not block; nil = none
	Answered    func(StepCall)  // every answer to a step's call, from the actor; must not block; nil = none
	// TraceParent and TraceState go in every step's request (Request); "" = none.
	TraceParent, TraceState string
	ReplyTo                 *actor.PID // receives the *RunReport, once
	// Journal, when set, records the run (see package journal): the actor flushes it
	// before it sends any call and after it takes any answer. A journal that fails to
	// write stops the run: it could not be resumed.
	Journal Journal
	// Resume holds, by step id, the steps an earlier process of the same run finished:
	// they are not called again, and their results feed the templates.
	Resume map[string]ResumedStep
	// NameError gives a step's failure the shape callers see (RuntimeOptions.NameError).
	// Default: the *CallError itself.
	NameError func(*CallError) error
}

// Journal is where a workflow actor records its run: a *journal.Writer.
type Journal interface {
	Add(journal.Record)
	Flush() error
}

// ResumedStep is a step an earlier process of a run finished (or a for_each step of which it
// finished some items), as the journal tells it.
type ResumedStep struct {
	// Done: the step is finished, with Status (StepOK, or StepFailed under on_error =
	// "continue"), Result (the MCP result; nil for a step accepted with no result) and
	// Error. A step that is not Done runs, skipping the Items that are.
	Done   bool
	Status StepStatus
	Result any
	Error  string
	Items  map[int]ResumedItem
}

// ResumedItem is a for_each item an earlier process finished.
type ResumedItem struct {
	Status StepStatus // StepOK, or StepFailed (is_error) under on_error = "continue"
	Result any        // the MCP result; nil for an item accepted with no result
	Error  string
}

// NewWorkflowProps returns the props of a workflow actor: one actor per run, which starts
// every step whose dependencies succeeded (independent steps in parallel) by sending a
// *Request to the step's server actor, and sends a *RunReport to spec.ReplyTo when the run
// is over. Run it at most once: it stops itself after reporting.
//
// Its policies:
//   - timeout: a step's attempt carries Deadline = min(step timeout, run deadline); the run
//     deadline is min(caller's deadline, start + workflow timeout). When it passes, the run
//     stops as if cancelled.
//   - retries: an attempt that fails with a Go error (timeout, lost session, protocol error)
//     is sent again after a backoff, up to the step's retries. A tool result with isError is
//     an answer, not a transport failure: the tool ran and said no, and running it again could
//     repeat its side effects, so it fails the step at once.
//   - on_error = "fail": the run stops starting steps, cancels the ones in flight (they end
//     cancelled) and skips the rest; the run is not OK.
//   - on_error = "continue": the step is reported failed but counts as finished: the steps
//     that depend on it run (and see .is_error and .error), and the run stays OK.
//   - if: rendered when the step's dependencies are done; false skips the step ("if was
//     false"), and the steps that depend on it are skipped in turn.
//   - for_each: one request per item, at most the step's max_parallel at once (and within the
//     run's capacity), started in item order; an item failure follows on_error (fail: no
//     more items start and the step fails; continue: the other items run, the step fails).
//   - CancelRun: like a failure, the run stops; it is not OK.
func NewWorkflowProps(spec WorkflowSpec) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return &workflowActor{spec: spec} })
}
