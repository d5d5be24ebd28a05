package actors

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

func TestWorkflowPassesDataBetweenSteps(t *testing.T) {
	r := startFake(t, `
[[steps]]
id = "sum"
server = "fake"
tool = "add"
args = { a = 2, b = 40 }

[[steps]]
id = "say"
server = "fake"
tool = "echo"
args = { text = "sum={{ .steps.sum.json.sum }}" }

[[steps]]
id = "doc"
server = "fake"
resource = "demo://{{ .steps.sum.text }}"

[[steps]]
id = "brief"
server = "fake"
prompt = "summarize"
args = { topic = "{{ .steps.sum.json.sum }}" }

[outputs]
said = "{{ .steps.say.text }}"
sum = "{{ .steps.sum.json.sum }}"
`)
	rep := r.wait()
	if !rep.OK || rep.Err != nil {
		t.Fatalf("run not ok: %v", rep.Err)
	}
	want := map[string]any{"said": "sum=42", "sum": 42.0}
	if rep.Outputs["said"] != want["said"] || rep.Outputs["sum"] != want["sum"] {
		t.Errorf("outputs = %v, want %v", rep.Outputs, want)
	}
	if s := r.step(rep, "doc"); s.Target != "demo://42" || s.Text != "readme of demo://42" {
		t.Errorf("doc: target %q text %q", s.Target, s.Text)
	}
	if s := r.step(rep, "brief"); s.Text != "about 42" {
		t.Errorf("brief: text %q, want the prompt rendered with a string argument", s.Text)
	}
	reqs, _ := r.rec.snapshot()
	for _, q := range reqs {
		if q.Affinity != "run-test" {
			t.Errorf("request %s %s: affinity %q, want the run id", q.Op, q.Name, q.Affinity)
		}
	}
	for _, s := range rep.Steps {
		if s.Status != StepOK || s.Attempts != 1 || s.Started.IsZero() || s.Finished.Before(s.Started) {
			t.Errorf("step %s: %+v", s.ID, s)
		}
	}
}

func TestWorkflowRunsIndependentStepsInParallel(t *testing.T) {
	// Each barrier call is answered only once all three are in flight at once: run one at a
	// time, they would time out instead.
	r := startFake(t, `
[[steps]]
id = "a"
server = "fake"
tool = "barrier"
args = { n = 3 }
timeout = "5s"

[[steps]]
id = "b"
server = "fake"
tool = "barrier"
args = { n = 3 }
timeout = "5s"

[[steps]]
id = "c"
server = "fake"
tool = "barrier"
args = { n = 3 }
timeout = "5s"

[[steps]]
id = "join"
server = "fake"
tool = "echo"
args = { text = "{{ .steps.a.text }} {{ .steps.b.text }} {{ .steps.c.text }}" }
`)
	rep := r.wait()
	if !rep.OK {
		t.Fatalf("run failed: %s", rep.Error)
	}
	if got := r.step(rep, "join").Text; got != "passed passed passed" {
		t.Errorf("join = %q", got)
	}
	join := r.step(rep, "join")
	for _, id := range []string{"a", "b", "c"} {
		if s := r.step(rep, id); join.Started.Before(s.Finished) {
			t.Errorf("join started before %s finished", id)
		}
	}
}

func TestWorkflowRetries(t *testing.T) {
	r := startFake(t, `
[[steps]]
id = "flaky"
server = "fake"
tool = "flaky"
retries = 2

[[steps]]
id = "broken"
server = "fake"
tool = "broken"
retries = 1
on_error = "continue"

[[steps]]
id = "unsafe"
server = "fake"
tool = "broken"
retries = 1
retry_unsafe = true
on_error = "continue"

[[steps]]
id = "iserror"
server = "fake"
tool = "fail"
retries = 3
on_error = "continue"
`)
	rep := r.wait()
	cases := []struct {
		id       string
		status   StepStatus
		attempts int
	}{
		{"flaky", StepOK, 3},       // a call that was not sent is retried
		{"broken", StepFailed, 1},  // a call that may have run is not: the one retry policy
		{"unsafe", StepFailed, 2},  // unless the step opts in with retry_unsafe
		{"iserror", StepFailed, 1}, // an isError result is an answer: never retried
	}
	for _, c := range cases {
		if s := r.step(rep, c.id); s.Status != c.status || s.Attempts != c.attempts {
			t.Errorf("%s: %s after %d attempts, want %s after %d (%s)", c.id, s.Status, s.Attempts, c.status, c.attempts, s.Error)
		}
	}
	if !rep.OK {
		t.Errorf("run not ok, but every failure was on_error = continue: %s", rep.Error)
	}
	var seq []string
	r.mu.Lock()
	for _, ev := range r.events {
		if ev.Step == "flaky" {
			seq = append(seq, string(ev.Status))
		}
	}
	r.mu.Unlock()
	want := []string{"running", "retrying", "running", "retrying", "running", "ok"}
	if !slices.Equal(seq, want) {
		t.Errorf("flaky events = %v, want %v", seq, want)
	}
	if s := r.step(rep, "iserror"); !strings.Contains(s.Error, "it failed") || s.Result == nil {
		t.Errorf("iserror: error %q, result %v: want the tool's message and its raw result", s.Error, s.Result)
	}
}

func TestWorkflowOnErrorFailStopsTheRun(t *testing.T) {
	r := startFake(t, `
[[steps]]
id = "slow"
server = "fake"
tool = "hang"

[[steps]]
id = "boom"
server = "fake"
tool = "fail"

[[steps]]
id = "later"
server = "fake"
tool = "echo"
args = { text = "{{ .steps.boom.text }}" }
`)
	rep := r.wait()
	got := statuses(rep)
	want := map[string]StepStatus{"slow": StepCancelled, "boom": StepFailed, "later": StepSkipped}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("%s: %s, want %s", id, got[id], st)
		}
	}
	if rep.OK || !strings.Contains(rep.Error, `step "boom" failed`) {
		t.Errorf("run: ok=%v error %q, want not ok because of boom", rep.OK, rep.Error)
	}
	if _, cancels := r.rec.snapshot(); len(cancels) != 1 {
		t.Errorf("cancels sent = %v, want the one for slow", cancels)
	}
}

// on_error = "continue": the failed step counts as finished, so its dependents run (they used
// to be skipped) and can read .is_error and .error; independent steps run too.
func TestWorkflowOnErrorContinueRunsDependents(t *testing.T) {
	r := startFake(t, `
[[steps]]
id = "boom"
server = "fake"
tool = "broken"
on_error = "continue"

[[steps]]
id = "needs_boom"
server = "fake"
tool = "echo"
args = { text = "x" }
needs = ["boom"]

[[steps]]
id = "needs_that"
server = "fake"
tool = "echo"
args = { text = "{{ .steps.needs_boom.text }} {{ .steps.boom.is_error }}: {{ .steps.boom.error }}" }

[[steps]]
id = "free"
server = "fake"
tool = "echo"
args = { text = "free" }

[outputs]
boom_failed = "{{ .steps.boom.is_error }}"
`)
	rep := r.wait()
	got := statuses(rep)
	want := map[string]StepStatus{"boom": StepFailed, "needs_boom": StepOK, "needs_that": StepOK, "free": StepOK}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("%s: %s, want %s", id, got[id], st)
		}
	}
	if !rep.OK || rep.Outputs["boom_failed"] != true {
		t.Errorf("run ok=%v (%s), outputs %v: want ok, with boom's failure visible to outputs", rep.OK, rep.Error, rep.Outputs)
	}
	if text := r.step(rep, "needs_that").Text; !strings.HasPrefix(text, "x true: ") || !strings.Contains(text, "broken: no answer") {
		t.Errorf("needs_that = %q: want boom's is_error (true) and its error message", text)
	}
}

func TestWorkflowTimeouts(t *testing.T) {
	t.Run("step", func(t *testing.T) {
		r := startFake(t, `
[[steps]]
id = "slow"
server = "fake"
tool = "hang"
timeout = "50ms"
`)
		rep := r.wait()
		s := r.step(rep, "slow")
		if s.Status != StepFailed || !errors.Is(s.Err, context.DeadlineExceeded) {
			t.Errorf("slow: %s, %v: want failed by its deadline", s.Status, s.Err)
		}
		reqs, _ := r.rec.snapshot()
		if d := time.Until(reqs[0].Deadline); reqs[0].Deadline.IsZero() || d > 0 {
			t.Errorf("request deadline %v: want the step's 50ms, passed by now", reqs[0].Deadline)
		}
	})
	t.Run("run", func(t *testing.T) {
		r := startFake(t, `
timeout = "100ms"

[[steps]]
id = "slow"
server = "fake"
tool = "hang"

[[steps]]
id = "after"
server = "fake"
tool = "echo"
args = { text = "{{ .steps.slow.text }}" }
`)
		rep := r.wait()
		if rep.OK || !errors.Is(rep.Err, context.DeadlineExceeded) || !strings.Contains(rep.Error, "run timeout") {
			t.Errorf("run: ok=%v err %v: want a run timeout", rep.OK, rep.Err)
		}
		if got := statuses(rep); got["slow"] != StepCancelled || got["after"] != StepSkipped {
			t.Errorf("statuses %v: want slow cancelled, after skipped", got)
		}
	})
}

func TestWorkflowCancel(t *testing.T) {
	r := startFake(t, `
[[steps]]
id = "slow"
server = "fake"
tool = "hang"
retries = 3

[[steps]]
id = "after"
server = "fake"
tool = "echo"
args = { text = "{{ .steps.slow.text }}" }
`)
	r.waitEvent("slow", StepRunning)
	r.system.Root.Send(r.pid, &CancelRun{Reason: "interrupted"})
	rep := r.wait()
	if rep.OK || !errors.Is(rep.Err, context.Canceled) {
		t.Errorf("run: ok=%v err %v: want cancelled", rep.OK, rep.Err)
	}
	if s := r.step(rep, "slow"); s.Status != StepCancelled || s.Attempts != 1 {
		t.Errorf("slow: %s after %d attempts: want cancelled, not retried", s.Status, s.Attempts)
	}
	if got := statuses(rep)["after"]; got != StepSkipped {
		t.Errorf("after: %s, want skipped", got)
	}
}

func TestWorkflowServerGone(t *testing.T) {
	r := startFake(t, `
[[steps]]
id = "hello"
server = "fake"
tool = "echo"
args = { text = "hi" }
retries = 2
`)
	rep := r.wait()
	if !rep.OK {
		t.Fatalf("first run: %s", rep.Error)
	}
	// A second run against a server actor that is gone ends with ErrClosed instead of waiting.
	_ = r.system.Root.StopFuture(r.server).Wait()
	reply, ch := newReply(r.system)
	r.system.Root.Spawn(NewWorkflowProps(WorkflowSpec{
		Workflow: r.wf, RunID: "run-2", Servers: map[string]*actor.PID{"fake": r.server},
		NextID: func() uint64 { return 99 }, ReplyTo: reply,
	}))
	r.report = ch
	rep = r.wait()
	if s := r.step(rep, "hello"); s.Status != StepFailed || !errors.Is(s.Err, ErrClosed) || s.Attempts != 1 {
		t.Errorf("hello: %s after %d attempts, %v: want failed with ErrClosed, not retried", s.Status, s.Attempts, s.Err)
	}
}

// TestWorkflowStoppedFromOutside: a run whose actor is stopped while calls are in flight
// (the runtime closing, before the server's own ErrClosed answer is read) reports those
// calls failed with ErrClosed, not cancelled as if the caller had asked, and never retried.
func TestWorkflowStoppedFromOutside(t *testing.T) {
	r := startFake(t, `
[[steps]]
id = "slow"
server = "fake"
tool = "hang"
retries = 2

[[steps]]
id = "each"
server = "fake"
tool = "hang"
for_each = ["a", "b"]
retries = 2
`)
	r.waitEvent("slow", StepRunning)
	r.waitEvent("each", StepRunning)
	_ = r.system.Root.StopFuture(r.pid).Wait()
	rep := r.wait()
	if s := r.step(rep, "slow"); s.Status != StepFailed || !errors.Is(s.Err, ErrClosed) || s.Attempts != 1 {
		t.Errorf("slow: %s after %d attempts, %v: want failed with ErrClosed, not retried", s.Status, s.Attempts, s.Err)
	}
	each := r.step(rep, "each")
	if each.Status != StepFailed || !errors.Is(each.Err, ErrClosed) {
		t.Errorf("each: %s, %v: want failed with ErrClosed", each.Status, each.Err)
	}
	for _, it := range each.Items { // in flight: failed once; not started yet: skipped
		if !(it.Status == StepFailed && it.Attempts == 1) && !(it.Status == StepSkipped && it.Attempts == 0) {
			t.Errorf("each item %d: %s after %d attempts (%s): want failed once or skipped", it.Index, it.Status, it.Attempts, it.Error)
		}
	}
	if rep.OK || !errors.Is(rep.Err, ErrClosed) {
		t.Errorf("run ok=%v err=%v, want failed with ErrClosed", rep.OK, rep.Err)
	}
}

func TestWorkflowRenderFailure(t *testing.T) {
	r := startFake(t, `
[[steps]]
id = "word"
server = "fake"
tool = "echo"
args = { text = "not json" }

[[steps]]
id = "use"
server = "fake"
tool = "echo"
args = { text = "{{ .steps.word.json.field }}" }
retries = 2
`)
	rep := r.wait()
	s := r.step(rep, "use")
	if s.Status != StepFailed || s.Attempts != 0 || !strings.Contains(s.Error, `step "use"`) {
		t.Errorf("use: %s after %d attempts, %q: want failed before any attempt, naming the step", s.Status, s.Attempts, s.Error)
	}
}
