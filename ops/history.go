package ops

import (
	"slices"
	"sync"
	"time"

	"github.com/spine-mcp/spine/executor"
)

// CallView is one finished operation as the status page shows it: no arguments, no result.
type CallView struct {
	Time       time.Time `json:"time"`
	Server     string    `json:"server"`
	Op         string    `json:"op"`
	Tool       string    `json:"tool"`
	Class      string    `json:"class"` // ok, tool_error, or the failure's class
	DurationMs float64   `json:"duration_ms"`
	Error      string    `json:"error,omitempty"`
}

// RunView is a workflow run as the status page shows it.
type RunView struct {
	RunID      string     `json:"run_id"`
	Workflow   string     `json:"workflow"`
	Started    time.Time  `json:"started"`
	State      string     `json:"state"` // running, ok or failed
	DurationMs float64    `json:"duration_ms,omitempty"`
	Error      string     `json:"error,omitempty"`
	Steps      []StepView `json:"steps"`
}

// StepView is a step of a run: its latest event.
type StepView struct {
	ID        string  `json:"id"`
	Server    string  `json:"server"`
	Target    string  `json:"target"`
	Status    string  `json:"status"`
	Attempt   int     `json:"attempt"`
	ElapsedMs float64 `json:"elapsed_ms"`
	Items     int     `json:"items,omitempty"`
	ItemsDone int     `json:"items_done,omitempty"`
	Error     string  `json:"error,omitempty"`
}

// history keeps the recent calls, errors and runs for the status page, each list bounded.
type history struct {
	mu     sync.Mutex
	max    int
	calls  []CallView // oldest first
	errors []CallView
	runs   []*RunView // running and recently finished, oldest first
	total  int64      // calls seen, so that the page can tell it moved
}

func newHistory(max int) *history { return &history{max: max} }

// push appends v to list, dropping the oldest past max.
func push[T any](list []T, v T, max int) []T {
	list = append(list, v)
	if len(list) > max {
		list = slices.Delete(list, 0, len(list)-max)
	}
	return list
}

func (h *history) call(r executor.CallRecord) {
	v := CallView{Time: r.Start, Server: r.Server, Op: string(r.Op), Tool: r.Tool, Class: classLabel(r),
		DurationMs: float64(r.Duration.Microseconds()) / 1000}
	if r.Err != nil {
		v.Error = r.Err.Error()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.total++
	h.calls = push(h.calls, v, h.max)
	if r.Err != nil || r.ToolError {
		h.errors = push(h.errors, v, h.max)
	}
}

func (h *history) run(r executor.RunRecord) {
	h.mu.Lock()
	defer h.mu.Unlock()
	i := slices.IndexFunc(h.runs, func(v *RunView) bool { return v.RunID == r.RunID })
	if i < 0 {
		h.runs = push(h.runs, &RunView{RunID: r.RunID, Workflow: r.Workflow, Started: r.Started, State: "running"}, h.max)
		i = len(h.runs) - 1
	}
	v := h.runs[i]
	switch {
	case r.Step != nil:
		v.step(*r.Step)
	case r.Report != nil:
		v.finish(r.Report)
	}
}

func (v *RunView) step(e executor.StepEvent) {
	s := StepView{ID: e.Step, Server: e.Server, Target: e.Target, Status: string(e.Status), Attempt: e.Attempt,
		ElapsedMs: float64(e.Elapsed.Microseconds()) / 1000, Items: e.Items, ItemsDone: e.ItemsDone, Error: e.Err}
	if i := slices.IndexFunc(v.Steps, func(x StepView) bool { return x.ID == e.Step }); i >= 0 {
		v.Steps[i] = s
		return
	}
	v.Steps = append(v.Steps, s)
}

func (v *RunView) finish(rep *executor.RunReport) {
	v.State = "failed"
	if rep.OK {
		v.State = "ok"
	}
	v.DurationMs = float64(time.Since(v.Started).Microseconds()) / 1000
	v.Error = rep.Error
	for _, s := range rep.Steps {
		i := slices.IndexFunc(v.Steps, func(x StepView) bool { return x.ID == s.ID })
		if i < 0 {
			v.Steps = append(v.Steps, StepView{ID: s.ID, Server: s.Server})
			i = len(v.Steps) - 1
		}
		v.Steps[i].Status = string(s.Status)
		if s.Error != "" {
			v.Steps[i].Error = s.Error
		}
	}
}

// snapshot copies the lists, newest first.
func (h *history) snapshot() (calls, errs []CallView, runs []RunView, total int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	calls, errs = slices.Clone(h.calls), slices.Clone(h.errors)
	slices.Reverse(calls)
	slices.Reverse(errs)
	for i := len(h.runs) - 1; i >= 0; i-- {
		r := *h.runs[i]
		r.Steps = slices.Clone(r.Steps)
		runs = append(runs, r)
	}
	return calls, errs, runs, h.total
}
