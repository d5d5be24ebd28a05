package executor_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
	"github.com/spine-mcp/spine/workflows"
)

// workflowExecutor starts an executor over servers for a workflow test, checks for leaks,
// and closes it when the test ends.
func workflowExecutor(t *testing.T, servers ...capability.ServerSpec) *executor.Executor {
	t.Helper()
	spinetest.NoLeaks(t) // registered first: checked after the executor's Close
	return newExecutor(t, servers...)
}

func parseWorkflow(t *testing.T, src string) *workflows.Workflow {
	t.Helper()
	wf, err := workflows.Parse("test.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return wf
}

const counterWorkflow = `
[[steps]]
id = "one"
server = "stateful"
tool = "counter"

[[steps]]
id = "two"
server = "stateful"
tool = "counter"
needs = ["one"]

[[steps]]
id = "three"
server = "stateful"
tool = "counter"
needs = ["two"]
`

func TestWorkflowRunKeepsOneSessionPerRun(t *testing.T) {
	spec := spinetest.Demo(t, "stateful")
	spec.Isolation = capability.IsolationAffinity
	ex := workflowExecutor(t, spec)
	wf := parseWorkflow(t, counterWorkflow)
	for run := range 2 {
		rep, err := ex.RunWorkflow(context.Background(), wf)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range rep.Steps {
			got = append(got, s.Text)
		}
		// The counter counts per session: 1, 2, 3 means one session for the whole run, and
		// starting again at 1 means the next run did not get this run's session.
		if !rep.OK || len(got) != 3 || got[0] != "1" || got[1] != "2" || got[2] != "3" {
			t.Errorf("run %d: ok=%v counters %v, want 1 2 3 (%s)", run, rep.OK, got, rep.Error)
		}
	}
	if n := ex.Stats().Servers["stateful"].SessionsCreated; n != 2 {
		t.Errorf("sessions created = %d, want one per run", n)
	}
}

func TestWorkflowCancelledByContext(t *testing.T) {
	ex := workflowExecutor(t, spinetest.Demo(t, "demo"))
	wf := parseWorkflow(t, `
[[steps]]
id = "slow"
server = "demo"
tool = "hang"

[[steps]]
id = "after"
server = "demo"
tool = "echo"
args = { text = "{{ .steps.slow.text }}" }
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{})
	progress := func(ev executor.StepEvent) {
		if ev.Step == "slow" && ev.Status == executor.StepRunning {
			close(started)
		}
	}
	go func() {
		select {
		case <-started:
			cancel()
		case <-time.After(spinetest.Patience):
		}
	}()
	rep, err := ex.RunWorkflow(ctx, wf, executor.WithProgress(progress), executor.WithRunID("cancel-me"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || !errors.Is(rep.Err, context.Canceled) || rep.RunID != "cancel-me" {
		t.Errorf("run %s: ok=%v err %v, want cancelled", rep.RunID, rep.OK, rep.Err)
	}
	if rep.Steps[0].Status != executor.StepCancelled || rep.Steps[1].Status != executor.StepSkipped {
		t.Errorf("statuses %s, %s: want cancelled, skipped", rep.Steps[0].Status, rep.Steps[1].Status)
	}
}

func TestRunWorkflowRefusesWhatCannotRun(t *testing.T) {
	ex := workflowExecutor(t, spinetest.Demo(t, "demo"))
	wf := parseWorkflow(t, `
[[steps]]
id = "x"
server = "elsewhere"
tool = "echo"
`)
	_, err := ex.RunWorkflow(context.Background(), wf)
	var werr *workflows.Error
	if !errors.As(err, &werr) || werr.Step != "x" {
		t.Errorf("unknown server: err = %v, want a workflows.Error naming step x", err)
	}
	if err := ex.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	wf = parseWorkflow(t, `
[[steps]]
id = "x"
server = "demo"
tool = "echo"
`)
	if _, err := ex.RunWorkflow(context.Background(), wf); !errors.Is(err, executor.ErrClosed) {
		t.Errorf("after Close: err = %v, want ErrClosed", err)
	}
}

func TestWorkflowEndsWhenTheExecutorCloses(t *testing.T) {
	ex := workflowExecutor(t, spinetest.Demo(t, "demo"))
	wf := parseWorkflow(t, `
[[steps]]
id = "slow"
server = "demo"
tool = "hang"
retries = 2
`)
	progress := func(ev executor.StepEvent) {
		if ev.Status == executor.StepRetrying {
			t.Logf("attempt %d failed, retrying: %s", ev.Attempt, ev.Err)
		}
	}
	closed := make(chan error, 1)
	go func() {
		// Close once the call is in flight on a session. A running step may still wait for
		// its session to start, which on a busy machine Close can overtake.
		deadline := time.Now().Add(spinetest.Patience)
		for ex.Stats().Servers["demo"].Sessions.Busy != 1 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond) // polling the pool's gauges: there is no event for it
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		closed <- ex.Close(ctx)
	}()
	rep, err := ex.RunWorkflow(context.Background(), wf, executor.WithProgress(progress))
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Steps[0]; rep.OK || s.Status != executor.StepFailed || !errors.Is(s.Err, executor.ErrClosed) || s.Attempts != 1 {
		t.Errorf("run ok=%v, slow %s after %d attempts (%v): want failed with ErrClosed, not retried", rep.OK, s.Status, s.Attempts, s.Err)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestWorkflowStepErrorIsACallError: a step that fails with a Go error reports it as the
// executor's *CallError, found with errors.As in the step's Err and in the run's, with the
// class and sentinels a direct call would give.
func TestWorkflowStepErrorIsACallError(t *testing.T) {
	ex := workflowExecutor(t, spinetest.Demo(t, "demo"))
	wf := parseWorkflow(t, "[[steps]]\nid = \"boom\"\nserver = \"demo\"\ntool = \"crash\"\n")
	rep, err := ex.RunWorkflow(context.Background(), wf)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || len(rep.Steps) != 1 || rep.Steps[0].Status != executor.StepFailed {
		t.Fatalf("run ok=%v steps=%+v, want the crash step failed", rep.OK, rep.Steps)
	}
	for what, err := range map[string]error{"step": rep.Steps[0].Err, "run": rep.Err} {
		var ce *executor.CallError
		if !errors.As(err, &ce) || ce.Server != "demo" || ce.Op != executor.OpCallTool || ce.Tool != "crash" ||
			ce.Class != executor.ClassMaybeRan || !errors.Is(err, executor.ErrSessionLost) {
			t.Errorf("%s error %v (%#v), want a maybe_ran *CallError of demo's crash matching ErrSessionLost", what, err, ce)
		}
	}
}
