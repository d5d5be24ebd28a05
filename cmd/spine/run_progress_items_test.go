package main

import (
	"github.com/spine-mcp/spine/internal/spinetest"
	"strings"
	"testing"
	"time"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/workflows"
)

// A for_each step's progress says how many items it has (and, live, how many are done).
func TestProgressForEachItems(t *testing.T) {
	wf, err := workflows.Parse("p.toml", []byte("[[steps]]\nid = \"each\"\nserver = \"demo\"\ntool = \"echo\"\nfor_each = [1, 2, 3]\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, live := range []bool{false, true} {
		var out spinetest.Buffer
		p := newProgress(&out, wf, live)
		t0 := time.Now()
		ev := func(st executor.StepStatus, attempts, done int, elapsed time.Duration) {
			p.event(executor.StepEvent{Step: "each", Server: "demo", Target: "echo", Status: st, Attempt: attempts,
				Items: 3, ItemsDone: done, Elapsed: elapsed, Time: t0.Add(elapsed)})
		}
		ev(executor.StepRunning, 1, 0, 0)
		ev(executor.StepRunning, 3, 2, time.Millisecond)
		ev(executor.StepOK, 4, 3, 2*time.Millisecond)
		p.close()
		want := "ok        each  demo echo      2ms (3 items, 4 attempts)"
		if live {
			want = "[3/3] demo echo"
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("live=%v: output lacks %q:\n%q", live, want, out.String())
		}
	}
}
