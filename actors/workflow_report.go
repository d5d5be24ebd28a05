package actors

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/workflows"
	"github.com/spine-mcp/spine/workflows/journal"
)

// finish ends the run: steps never started are skipped, the outputs are rendered, the report
// goes to ReplyTo and the actor stops.
func (a *workflowActor) finish(ctx actor.Context) {
	a.done = true
	if a.timer != nil {
		a.timer.Stop()
	}
	reason := a.stopped
	if reason == nil { // only a workflow built by hand can leave steps that never became ready
		reason = errors.New("its dependencies never finished")
	}
	// A call still in flight here was cut short by the runtime closing (the actor was stopped
	// from outside): it fails with ErrClosed, as a direct call would, rather than reading as
	// a cancellation the caller asked for. The server's own ErrClosed answer may be queued
	// behind the stop.
	cut := StepCancelled
	if a.leaving && errors.Is(reason, ErrClosed) {
		cut = StepFailed
	}
	for _, sr := range a.steps {
		if sr.retry != nil {
			sr.retry.Stop()
		}
		for _, it := range sr.items {
			if it.retry != nil {
				it.retry.Stop()
			}
			switch it.status {
			case StepRunning:
				a.itemSettle(sr, it, cut, reason)
			case StepRetrying:
				a.itemSettle(sr, it, StepCancelled, reason)
			case StepPending:
				a.itemSettle(sr, it, StepSkipped, fmt.Errorf("not run: %w", reason))
			}
		}
		switch sr.status {
		case StepRunning: // only when the actor is stopped from outside
			a.settle(sr, cut, reason)
		case StepRetrying:
			a.settle(sr, StepCancelled, reason)
		case StepPending:
			a.skip(sr, fmt.Errorf("not run: %w", reason))
		}
	}
	report := a.report()
	if j := a.spec.Journal; j != nil {
		ok, status := report.OK, journal.StateOK
		switch {
		case ok:
		case errors.Is(report.Err, context.Canceled):
			status = journal.StateInterrupted // the caller stopped it (Ctrl-C): resumable as it is
		default:
			status = journal.StateFailed
		}
		j.Add(journal.Record{Type: journal.TypeEnd, OK: &ok, Status: status, Error: report.Error})
		_ = j.Flush() // the caller closes it, and sees its error there
	}
	if a.spec.ReplyTo != nil {
		ctx.Send(a.spec.ReplyTo, report)
	}
	if !a.leaving {
		ctx.Stop(ctx.Self())
	}
}

func (a *workflowActor) report() *RunReport {
	end := time.Now()
	r := &RunReport{
		Workflow: a.wf.Name,
		RunID:    a.spec.RunID,
		OK:       a.stopped == nil,
		Started:  a.started,
		Duration: end.Sub(a.started),
		Err:      a.stopped,
		Steps:    make([]StepReport, 0, len(a.steps)),
	}
	for _, sr := range a.steps {
		r.Steps = append(r.Steps, sr.report())
	}
	// Outputs of a failed run are rendered too, for what they can show; only a run that
	// otherwise succeeded fails because one of them does not render.
	outputs, err := workflows.RenderOutputs(a.wf, a.scope)
	r.Outputs = outputs
	if err != nil && r.OK {
		r.OK, r.Err = false, fmt.Errorf("outputs: %w", err)
	}
	if r.Err != nil {
		r.Error = r.Err.Error()
	}
	r.DurationMs = millis(r.Duration)
	return r
}

func (sr *stepRun) report() StepReport {
	out := StepReport{
		ID:       sr.step.ID,
		Kind:     sr.step.Kind,
		Server:   sr.step.Server,
		Target:   sr.target,
		Status:   sr.status,
		Attempts: sr.attempts,
		Started:  sr.started,
		Finished: sr.finished,
		Text:     sr.text,
		Result:   sr.result,
		Err:      sr.err,
		Resumed:  sr.resumed,
	}
	if !sr.started.IsZero() && !sr.finished.IsZero() {
		out.Duration = sr.finished.Sub(sr.started)
		out.DurationMs = millis(out.Duration)
	}
	if sr.err != nil {
		out.Error = sr.err.Error()
	}
	if sr.each {
		out.Items = make([]ItemReport, len(sr.items))
		for i, it := range sr.items {
			ir := ItemReport{Index: it.index, Target: it.target, Status: it.status, Attempts: it.attempts, Text: it.res.Text, Result: it.result}
			if !it.started.IsZero() && !it.finished.IsZero() {
				ir.DurationMs = millis(it.finished.Sub(it.started))
			}
			if it.err != nil {
				ir.Error = it.err.Error()
			}
			out.Items[i] = ir
		}
	}
	return out
}

// millis is d in milliseconds, to the microsecond.
func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// resultOf converts an MCP result to what templates see.
func resultOf(result any) workflows.Result {
	switch r := result.(type) {
	case *mcp.CallToolResult:
		return workflows.ToolResult(r)
	case *mcp.ReadResourceResult:
		return workflows.ResourceResult(r)
	case *mcp.GetPromptResult:
		return workflows.PromptResult(r)
	}
	return workflows.Result{}
}
