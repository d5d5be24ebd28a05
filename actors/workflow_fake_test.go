package actors

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
	"github.com/spine-mcp/spine/workflows"
)

// fakeServer stands in for a server actor in workflow tests: it answers each *Request
// according to its tool name, the way a server actor would, always exactly once.
//
//	echo {text}   the text            add {a, b}  the sum, also structured
//	fail          an isError result   broken      a Go error, every time
//	flaky         a Go error on the first two calls, then "flaky ok"
//	hang          no answer until Cancel (context.Canceled) or the deadline (DeadlineExceeded)
//	barrier {n}   held until n barrier calls are in flight at once, then all answered
type fakeServer struct {
	rec     *fakeRecord
	held    map[uint64]*heldCall
	barrier []*heldCall
}

type heldCall struct {
	id     uint64
	sender *actor.PID
	timer  *time.Timer
}

// fakeRecord is what the fake saw, for the test to read after the run.
type fakeRecord struct {
	mu       sync.Mutex
	requests []Request
	cancels  []uint64
	flaky    int
}

func (r *fakeRecord) snapshot() ([]Request, []uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.requests...), append([]uint64(nil), r.cancels...)
}

type fakeExpired struct{ id uint64 }

func (f *fakeServer) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		f.held = map[uint64]*heldCall{}
	case *Request:
		f.rec.mu.Lock()
		f.rec.requests = append(f.rec.requests, *m)
		f.rec.mu.Unlock()
		f.serve(ctx, m)
	case *Cancel:
		f.rec.mu.Lock()
		f.rec.cancels = append(f.rec.cancels, m.ID)
		f.rec.mu.Unlock()
		f.release(ctx, m.ID, failure(ClassMaybeRan, ReasonCanceled, context.Canceled))
	case *fakeExpired:
		f.release(ctx, m.id, failure(ClassTimeout, ReasonDeadline, context.DeadlineExceeded))
	}
}

func (f *fakeServer) serve(ctx actor.Context, m *Request) {
	var args map[string]any
	_ = json.Unmarshal(m.Args, &args)
	answer := func(res any, f *Failure) { ctx.Respond(&Response{ID: m.ID, Result: res, Failure: f}) }
	switch {
	case m.Op == OpReadResource:
		answer(&mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: m.Name, Text: "readme of " + m.Name}}}, nil)
	case m.Op == OpGetPrompt:
		answer(&mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "about " + args["topic"].(string)}}}}, nil)
	case m.Name == "echo":
		answer(textResult(args["text"].(string)), nil)
	case m.Name == "add":
		sum := args["a"].(float64) + args["b"].(float64)
		res := textResult(jsonText(sum))
		res.StructuredContent = map[string]any{"sum": sum}
		answer(res, nil)
	case m.Name == "fail":
		res := textResult("it failed")
		res.IsError = true
		answer(res, nil)
	case m.Name == "broken":
		answer(nil, failure(ClassMaybeRan, ReasonSessionLost, errors.New("broken: no answer")))
	case m.Name == "flaky":
		f.rec.mu.Lock()
		f.rec.flaky++
		n := f.rec.flaky
		f.rec.mu.Unlock()
		if n <= 2 {
			answer(nil, failure(ClassNotSent, ReasonSessionLost, errors.New("flaky: hiccup")))
			return
		}
		answer(textResult("flaky ok"), nil)
	case m.Name == "hang":
		f.hold(ctx, m)
	case m.Name == "barrier":
		h := f.hold(ctx, m)
		f.barrier = append(f.barrier, h)
		if len(f.barrier) == int(args["n"].(float64)) {
			for _, h := range f.barrier {
				h.timer.Stop()
				delete(f.held, h.id)
				ctx.Send(h.sender, &Response{ID: h.id, Result: textResult("passed")})
			}
			f.barrier = nil
		}
	default:
		answer(nil, failure(ClassProtocol, ReasonServerError, errors.New("unknown tool "+m.Name)))
	}
}

// hold keeps a call unanswered until it is cancelled or its deadline passes.
func (f *fakeServer) hold(ctx actor.Context, m *Request) *heldCall {
	root, self, id := ctx.ActorSystem().Root, ctx.Self(), m.ID
	wait := time.Minute
	if !m.Deadline.IsZero() {
		wait = time.Until(m.Deadline)
	}
	h := &heldCall{id: id, sender: ctx.Sender(), timer: time.AfterFunc(wait, func() { root.Send(self, &fakeExpired{id: id}) })}
	f.held[m.ID] = h
	return h
}

func (f *fakeServer) release(ctx actor.Context, id uint64, fail *Failure) {
	if h := f.held[id]; h != nil {
		h.timer.Stop()
		delete(f.held, id)
		ctx.Send(h.sender, &Response{ID: id, Failure: fail})
	}
}

func textResult(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// fakeRun is one workflow run against a fake server.
type fakeRun struct {
	t      *testing.T
	system *actor.ActorSystem
	server *actor.PID
	rec    *fakeRecord
	wf     *workflows.Workflow
	pid    *actor.PID
	report <-chan any

	mu     sync.Mutex
	events []StepEvent
	seen   chan StepEvent
}

// startFake parses src, starts a fake server named "fake" and a workflow actor running src
// against it. The actor system is shut down when the test ends.
func startFake(t *testing.T, src string) *fakeRun {
	t.Helper()
	spinetest.NoLeaks(t)
	wf, err := workflows.Parse("test.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := wf.Validate([]string{"fake"}); err != nil {
		t.Fatal(err)
	}
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}))
	r := &fakeRun{t: t, system: system, rec: &fakeRecord{}, wf: wf, seen: make(chan StepEvent, 256)}
	r.server = system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &fakeServer{rec: r.rec} }))
	t.Cleanup(func() {
		_ = system.Root.StopFuture(r.server).Wait()
		system.Shutdown()
	})
	reply, ch := newReply(system)
	r.report = ch
	var ids atomic.Uint64
	r.pid = system.Root.Spawn(NewWorkflowProps(WorkflowSpec{
		Workflow: wf,
		RunID:    "run-test",
		Servers:  map[string]*actor.PID{"fake": r.server},
		NextID:   func() uint64 { return ids.Add(1) },
		Progress: r.progress,
		ReplyTo:  reply,
	}))
	return r
}

func (r *fakeRun) progress(ev StepEvent) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	select {
	case r.seen <- ev:
	default:
	}
}

// waitEvent waits for an event of step with status.
func (r *fakeRun) waitEvent(step string, st StepStatus) {
	r.t.Helper()
	deadline := time.After(spinetest.Patience)
	for {
		select {
		case ev := <-r.seen:
			if ev.Step == step && ev.Status == st {
				return
			}
		case <-deadline:
			r.t.Fatalf("no %s event for step %q", st, step)
		}
	}
}

// wait returns the run's report.
func (r *fakeRun) wait() *RunReport {
	r.t.Helper()
	select {
	case m := <-r.report:
		return m.(*RunReport)
	case <-time.After(spinetest.Patience):
		r.t.Fatalf("the run did not report within %s", spinetest.Patience)
		return nil
	}
}

func (r *fakeRun) step(rep *RunReport, id string) StepReport {
	r.t.Helper()
	for _, s := range rep.Steps {
		if s.ID == id {
			return s
		}
	}
	r.t.Fatalf("no step %q in the report", id)
	return StepReport{}
}

// statuses returns each step's final status, in file order.
func statuses(rep *RunReport) map[string]StepStatus {
	out := map[string]StepStatus{}
	for _, s := range rep.Steps {
		out[s.ID] = s.Status
	}
	return out
}
