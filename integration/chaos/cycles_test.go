package chaos

import (
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestCrashRestartCycles crashes the demo server 100 times in a row, each time followed by a
// call that must restart it, and checks that open files, goroutines and child processes come
// back to what one warm session costs, and to the baseline after Close.
func TestCrashRestartCycles(t *testing.T) {
	const cycles = 100
	h := checkHygiene(t)
	ex, err := executor.New(spinetest.Project(h.demo(t, "demo")))
	if err != nil {
		t.Fatal(err)
	}
	mustCall(t, ex, "demo", "echo", map[string]any{"text": "warm"})
	warm := measure()
	if warm.children != 1 {
		t.Fatalf("children = %d with one warm session", warm.children)
	}

	began := time.Now()
	for i := range cycles {
		_, err := ex.CallTool(callCtx(t, spinetest.Patience), "demo", "crash", nil)
		if !errors.Is(err, executor.ErrSessionLost) {
			t.Fatalf("cycle %d: crash: %v, want ErrSessionLost", i, err)
		}
		want := fmt.Sprint("cycle-", i)
		if got := textOf(mustCall(t, ex, "demo", "echo", map[string]any{"text": want})); got != want {
			t.Fatalf("cycle %d: echo = %q", i, got)
		}
	}
	took := time.Since(began)
	var after figures
	if !waitFor(spinetest.Patience, func() bool { after = measure(); return after.within(warm) }) {
		t.Errorf("after %d cycles: %s; with one warm session: %s", cycles, after, warm)
	}
	st := ex.Stats().Servers["demo"]
	if st.SessionsCreated != cycles+1 || st.Sessions.Ready != 1 {
		t.Errorf("stats %+v, want %d sessions created and 1 ready", st, cycles+1)
	}

	closeWithin(t, ex, closeBound)
	base := figures{goroutines: h.goroutines, fds: h.fds}
	var closed figures
	if !waitFor(spinetest.Patience, func() bool { closed = measure(); return closed.within(base) }) {
		t.Errorf("after Close: %s; before New: %s", closed, base)
	}
	t.Logf("%d crash/restart cycles in %s (%s per cycle)", cycles, took.Round(time.Millisecond), (took / cycles).Round(time.Microsecond))
	t.Logf("before New: %s; one warm session: %s; after %d cycles: %s; after Close: %s", base, warm, cycles, after, closed)
}

// figures are what a process holds: open files, goroutines, child processes.
type figures struct{ fds, goroutines, children int }

func measure() figures {
	return figures{fds: openFDs(), goroutines: runtime.NumGoroutine(), children: len(children())}
}

func (f figures) within(limit figures) bool {
	return f.fds <= limit.fds && f.goroutines <= limit.goroutines && f.children <= limit.children
}

func (f figures) String() string {
	return fmt.Sprintf("%d fds, %d goroutines, %d children", f.fds, f.goroutines, f.children)
}
