package executor_test

import (
	"context"
	"sync"
	"testing"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestObserveTellsOfOperationsAndEvents: an observer sees each operation once it has
// finished — op, tool, class, isError, a duration, no arguments —, the pool's events, and
// nothing once stopped.
func TestObserveTellsOfOperationsAndEvents(t *testing.T) {
	spinetest.NoLeaks(t)
	ex := newExecutor(t, spinetest.Demo(t, "demo"))
	var mu sync.Mutex
	var calls []executor.CallRecord
	var events []executor.Event
	stop := ex.Observe(executor.Observer{
		Calls:  func(r executor.CallRecord) { mu.Lock(); calls = append(calls, r); mu.Unlock() },
		Events: func(e executor.Event) { mu.Lock(); events = append(events, e); mu.Unlock() },
	})
	call(t, ex, "demo", "echo", map[string]any{"text": "secret argument"})
	call(t, ex, "demo", "fail", map[string]any{"message": "no"})
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ex.CallTool(cancelled, "demo", "echo", nil); err == nil {
		t.Fatal("a call with a cancelled context answered")
	}
	if _, err := ex.ListTools(context.Background(), "demo"); err != nil {
		t.Fatal(err)
	}
	stop()
	call(t, ex, "demo", "echo", map[string]any{"text": "unseen"})

	mu.Lock()
	defer mu.Unlock()
	want := []struct {
		op        executor.Op
		tool      string
		class     executor.Class
		toolError bool
	}{
		{executor.OpCallTool, "echo", "", false},
		{executor.OpCallTool, "fail", "", true},
		{executor.OpCallTool, "echo", executor.ClassNotSent, false},
		{executor.OpListTools, "", "", false},
	}
	if len(calls) != len(want) {
		t.Fatalf("observed %d operations, want %d: %+v", len(calls), len(want), calls)
	}
	for i, w := range want {
		c := calls[i]
		if c.Server != "demo" || c.Op != w.op || c.Tool != w.tool || c.Class != w.class || c.ToolError != w.toolError ||
			(c.Err != nil) != (w.class != "") || c.Start.IsZero() || c.Duration < 0 {
			t.Errorf("operation %d = %+v, want %+v", i, c, w)
		}
	}
	if calls[0].Duration <= 0 {
		t.Errorf("an answered call took %v", calls[0].Duration)
	}
	// The session actor's own start (session_started) may come before the pool hears of it.
	for len(events) > 0 && events[0].Kind == executor.EventSessionStarted {
		events = events[1:]
	}
	if len(events) == 0 || events[0].Kind != executor.EventSessionOpened {
		t.Errorf("events = %v, want the session's opening first", events)
	}
}
