package gateway

import (
	"context"
	"fmt"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/executor"
)

// stepProgress relays a workflow run's finished steps to the downstream client as progress
// notifications, one per step, in the order they finish. The run's actor hands events over
// without blocking; a goroutine owned by the call sends them. A step whose event comes after
// the run reported (the report may overtake it) is notified from the report, so that every
// finished step is notified once, before the result.
type stepProgress struct {
	ss    *mcp.ServerSession
	token any
	total float64

	mu     sync.Mutex
	closed bool
	events chan executor.StepEvent
	sent   map[string]bool // steps notified
	done   chan struct{}
}

func startStepProgress(ctx context.Context, ss *mcp.ServerSession, token any, steps int) *stepProgress {
	p := &stepProgress{ss: ss, token: token, total: float64(steps),
		events: make(chan executor.StepEvent, steps+1), sent: map[string]bool{}, done: make(chan struct{})}
	go func() { // owned by the call: finish closes events and waits for it
		defer close(p.done)
		for ev := range p.events {
			p.notify(ctx, ev.Step, ev.Status)
		}
	}()
	return p
}

// observe is the run's progress callback: it never blocks.
func (p *stepProgress) observe(ev executor.StepEvent) {
	if !ev.Status.Finished() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	select {
	case p.events <- ev:
	default: // more events than steps: a step finishes once, so this is not one of them
	}
}

// finish stops relaying, then notifies the report's finished steps not notified yet.
func (p *stepProgress) finish(ctx context.Context, rep *executor.RunReport) {
	p.mu.Lock()
	p.closed = true
	close(p.events)
	p.mu.Unlock()
	<-p.done
	if rep == nil {
		return
	}
	for _, s := range rep.Steps {
		if s.Status.Finished() {
			p.notify(ctx, s.ID, s.Status)
		}
	}
}

func (p *stepProgress) notify(ctx context.Context, step string, status executor.StepStatus) {
	if p.sent[step] {
		return
	}
	p.sent[step] = true
	_ = p.ss.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
		ProgressToken: p.token, Progress: float64(len(p.sent)), Total: p.total,
		Message: fmt.Sprintf("step %s: %s", step, status),
	})
}
