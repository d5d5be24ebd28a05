package executor

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/workflows"
)

// Observer is told what an Executor does, for operations (package ops: metrics, the status
// page): its pool events, every finished operation, and its workflow runs. Each field is
// optional. The functions are called on the callers' and the actors' goroutines, possibly
// concurrently, and must not block.
type Observer struct {
	Events EventHook        // every pool and lifecycle event, as WithEvents hooks get them
	Calls  func(CallRecord) // every operation once it has answered or failed
	Runs   func(RunRecord)  // a workflow run's start, each step event, and its end
}

// CallRecord is one finished operation: a tool call, read, prompt or list (alone or in a
// Batch). It holds no arguments and no result content, so that what observes it cannot leak
// them.
type CallRecord struct {
	Server    string
	Op        Op
	Tool      string    // the tool; the resource URI or prompt name for those operations
	Class     Class     // the failure's class; "" when the operation answered
	ToolError bool      // a tool answered with isError (not a failure: Class is "")
	Start     time.Time // when the caller asked
	Duration  time.Duration
	Err       error // the *CallError; nil when the operation answered
}

// RunRecord is one moment of a workflow run: its start (Step and Report nil), a step's
// event (Step set), or its end (Report set).
type RunRecord struct {
	RunID    string
	Workflow string
	Started  time.Time
	Step     *StepEvent
	Report   *RunReport
}

// Observe has o told what the executor does from now on, until stop is called. Any number
// of observers may watch one executor; without any, an operation costs one atomic load more.
func (e *Executor) Observe(o Observer) (stop func()) {
	return e.observers.add(&o)
}

// observers is the copy-on-write list of an executor's observers: operations read it with
// one atomic load, and only Observe and stop take the lock.
type observers struct {
	mu   sync.Mutex
	list atomic.Pointer[[]*Observer]
}

func (s *observers) add(o *Observer) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next []*Observer
	if cur := s.list.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, o)
	s.list.Store(&next)
	var once sync.Once
	return func() { once.Do(func() { s.remove(o) }) }
}

func (s *observers) remove(o *Observer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.list.Load()
	if cur == nil {
		return
	}
	var next []*Observer
	for _, x := range *cur {
		if x != o {
			next = append(next, x)
		}
	}
	if len(next) == 0 {
		s.list.Store(nil)
		return
	}
	s.list.Store(&next)
}

// active returns the observers, nil when there are none.
func (s *observers) active() []*Observer {
	if cur := s.list.Load(); cur != nil {
		return *cur
	}
	return nil
}

// hook gives the runtime the events hook: the program's own (WithEvents), then the
// observers'.
func (s *observers) hook(own EventHook) actors.EventHook {
	return func(ae actors.Event) {
		ev := eventOf(ae)
		if own != nil {
			own(ev)
		}
		for _, o := range s.active() {
			if o.Events != nil {
				o.Events(ev)
			}
		}
	}
}

// callDone tells the observers of one finished operation begun at start.
func (s *observers) callDone(list []*Observer, server string, req *actors.Request, start time.Time, res any, err error) {
	rec := CallRecord{Server: server, Op: Op(req.Op.String()), Tool: req.Name, Start: start, Duration: time.Since(start), Err: err}
	if err != nil {
		rec.Class = classOf(err)
	} else if r, ok := res.(*mcp.CallToolResult); ok && r != nil {
		rec.ToolError = r.IsError
	}
	tellCall(list, rec)
}

// stepCallDone tells the observers of one answer to a workflow step's upstream call: a
// call of its own, which no operation of the executor counted.
func stepCallDone(list []*Observer, sc actors.StepCall) {
	rec := CallRecord{Server: sc.Server, Op: Op(sc.Op.String()), Tool: sc.Target, Start: sc.Sent, Duration: time.Since(sc.Sent)}
	if f := sc.Response.Failure; f != nil {
		rec.Class = Class(f.Class)
		rec.Err = &CallError{Server: sc.Server, Op: rec.Op, Tool: sc.Target, Class: rec.Class, Err: f}
	} else if r, ok := sc.Response.Result.(*mcp.CallToolResult); ok && r != nil {
		rec.ToolError = r.IsError
	}
	tellCall(list, rec)
}

func tellCall(list []*Observer, rec CallRecord) {
	for _, o := range list {
		if o.Calls != nil {
			o.Calls(rec)
		}
	}
}

// runObserved has the observers told of a run's start and step events; the returned func
// tells them of its end.
func (s *observers) runObserved(wf *workflows.Workflow, cfg *runConfig) func(*RunReport) {
	list := s.active()
	if len(list) == 0 {
		return func(*RunReport) {}
	}
	if cfg.RunID == "" {
		cfg.RunID = actors.NewRunID()
	}
	base := RunRecord{RunID: cfg.RunID, Workflow: wf.Name, Started: time.Now()}
	tell := func(r RunRecord) {
		for _, o := range list {
			if o.Runs != nil {
				o.Runs(r)
			}
		}
	}
	tell(base)
	answered := cfg.Answered
	cfg.Answered = func(sc actors.StepCall) {
		if answered != nil {
			answered(sc)
		}
		stepCallDone(list, sc)
	}
	own := cfg.Progress
	cfg.Progress = func(ae actors.StepEvent) {
		if own != nil {
			own(ae)
		}
		ev := stepEventOf(ae)
		r := base
		r.Step = &ev
		tell(r)
	}
	return func(rep *RunReport) {
		r := base
		if rep == nil {
			rep = &RunReport{Workflow: wf.Name, RunID: cfg.RunID}
		}
		r.Report = rep
		tell(r)
	}
}
