package chaos

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// wrapped returns the spec of a badserver launched the way npx or a shell script launches a
// server: `sh -c '... & wait'`, the server a background child of the shell (its stdin handed
// over explicitly: a background job's stdin is /dev/null otherwise), forking a child of its
// own. Every process of the tree ignores SIGTERM but the shell.
func (h *hygiene) wrapped(t testing.TB, name string) capability.ServerSpec {
	spec := h.bad(t, name)
	spec.Command = "sh"
	spec.Args = []string{"-c", `exec 3<&0; "$0" --ignore-term --spawn-child <&3 3<&- & wait`, badServer(t)}
	return spec
}

// TestTeardownLeavesNothing closes executors whose servers resist: one ignores SIGTERM and a
// closed stdin; one forks a child that holds none of its pipes and ignores SIGTERM; one runs
// under a shell wrapper and forks a child, all ignoring SIGTERM. When
// Close returns, no process of theirs may be left: not the recorded processes, and nothing
// else in their process groups.
func TestTeardownLeavesNothing(t *testing.T) {
	for _, c := range []struct {
		name  string
		spec  func(h *hygiene) capability.ServerSpec
		procs int // processes per session
	}{
		{"ignores_sigterm", func(h *hygiene) capability.ServerSpec { return h.bad(t, "s", "--ignore-term") }, 1},
		// the child's stdio is /dev/null: the end of the server's stderr says nothing about it
		{"forks_child_without_stderr", func(h *hygiene) capability.ServerSpec { return h.bad(t, "s", "--spawn-child") }, 2},
		{"sh_wrapper_forks", func(h *hygiene) capability.ServerSpec { return h.wrapped(t, "s") }, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := checkHygiene(t)
			ex, err := executor.New(spinetest.Project(c.spec(h)))
			if err != nil {
				t.Fatal(err)
			}
			mustCall(t, ex, "s", "echo", map[string]any{"text": "hi"})
			var tree []proc
			if !waitFor(spinetest.Patience, func() bool { tree = marked(h.mark); return len(tree) == c.procs }) {
				t.Fatalf("processes = %v, want %d", tree, c.procs)
			}
			began := time.Now()
			closeWithin(t, ex, closeBound)
			took := time.Since(began)
			if left := alive(tree); len(left) > 0 {
				t.Errorf("still running when Close returned: %v", left)
			}
			if left := inGroups(groups(tree)); len(left) > 0 {
				t.Errorf("processes left in the servers' groups: %v", left)
			}
			t.Logf("Close took %s for %v", took.Round(time.Millisecond), tree)
		})
	}
}

// TestWrapperDeath kills only the shell of a wrapped server: the server below it still holds
// the pipes, so only the process group tells SPINE what to end. The session must be
// replaced and the rest of the old tree must go.
func TestWrapperDeath(t *testing.T) {
	h := checkHygiene(t)
	ex := start(t, []capability.ServerSpec{h.wrapped(t, "s")})
	mustCall(t, ex, "s", "echo", map[string]any{"text": "hi"})
	var tree []proc
	if !waitFor(spinetest.Patience, func() bool { tree = marked(h.mark); return len(tree) == 3 }) {
		t.Fatalf("processes = %v, want sh, the server and its child", tree)
	}
	i := slices.IndexFunc(tree, func(p proc) bool { return p.pid == p.pgid })
	if i < 0 || !strings.HasPrefix(tree[i].cmdline, "sh ") {
		t.Fatalf("no shell leading the group in %v", tree)
	}
	if err := syscall.Kill(tree[i].pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !waitFor(spinetest.Patience, func() bool { return len(alive(tree)) == 0 }) {
		t.Fatalf("the old tree is still running: %v", alive(tree))
	}
	if got := textOf(mustCall(t, ex, "s", "echo", map[string]any{"text": "again"})); got != "again" {
		t.Fatalf("echo on the replacement = %q", got)
	}
	if st := ex.Stats().Servers["s"]; st.SessionsCreated != 2 {
		t.Errorf("sessions created = %d, want 2", st.SessionsCreated)
	}
}

// TestTeardownOfManyStubbornSessions closes a pool of five sessions whose servers ignore
// SIGTERM: each takes the full escalation to die, and still none may outlive Close.
func TestTeardownOfManyStubbornSessions(t *testing.T) {
	h := checkHygiene(t)
	spec := h.bad(t, "s", "--ignore-term")
	spec.MaxSessions, spec.MaxInflight = 5, 1
	// call_timeout starts when a call is sent: each hang call ends a second after it reached
	// a session of its own, however long the five sessions took to start.
	spec.CallTimeout = time.Second
	ex, err := executor.New(spinetest.Project(spec))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range spec.MaxSessions {
		wg.Go(func() {
			_, err := ex.CallTool(callCtx(t, spinetest.Patience), "s", "hang", nil)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("hang: %v", err)
			}
		})
	}
	wg.Wait()
	tree := marked(h.mark)
	if len(tree) != spec.MaxSessions {
		t.Fatalf("processes = %v, want %d", tree, spec.MaxSessions)
	}
	began := time.Now()
	closeWithin(t, ex, 20*time.Second)
	took := time.Since(began)
	if left := alive(tree); len(left) > 0 {
		t.Errorf("still running when Close returned after %s: %v", took, left)
	}
	t.Logf("Close took %s for %d sessions ignoring SIGTERM", took.Round(time.Millisecond), len(tree))
}

// inGroups returns the live processes in any of the process groups gs.
func inGroups(gs []int) []proc {
	return slices.DeleteFunc(processes(), func(p proc) bool { return !slices.Contains(gs, p.pgid) })
}
