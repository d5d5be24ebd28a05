package thirdparty

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestNPXProcessDies kills one process of an npx-launched server's tree, either the node
// server or the npm exec launcher above it, and checks that SPINE notices, ends the rest of
// that tree, and serves the next call from a fresh one.
func TestNPXProcessDies(t *testing.T) {
	installed := filepath.Join(requireServers(t), "node_modules") + string(filepath.Separator)
	requireProcFS(t)
	for _, c := range []struct {
		name   string
		victim func(p proc) bool
	}{
		{"server", func(p proc) bool { return strings.Contains(p.cmdline, installed) }},
		// The launcher is the process SPINE started (npx, which names itself "npm exec"), the
		// leader of the group. With it gone, the server still holds the pipes open: only the
		// process group tells SPINE what to kill.
		{"launcher", func(p proc) bool { return p.pid == p.pgid }},
	} {
		t.Run(c.name, func(t *testing.T) {
			lost := make(chan executor.Event, 8)
			hook := func(e executor.Event) {
				if e.Kind == executor.EventSessionLost {
					select {
					case lost <- e:
					default:
					}
				}
			}
			spinetest.NoLeaks(t)
			ex := startProject(t, spinetest.Project(serverSpec(t, viaNPX, "everything", everything)), executor.WithEvents(hook))
			ctx := testContext(t)
			call(ctx, t, ex, "everything", "echo", map[string]any{"message": "before"})

			tree := serverTrees()
			var victim *proc
			for i, p := range tree {
				if c.victim(p) {
					victim = &tree[i]
				}
			}
			if victim == nil {
				t.Fatalf("no %s process in %v", c.name, tree)
			}
			killed := time.Now()
			if err := syscall.Kill(victim.pid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			// When the server dies, SPINE learns it once npm exec has exited too (npm holds
			// the server's stdout open until then).
			select {
			case e := <-lost:
				t.Logf("%s killed: session lost after %s: %s", c.name, time.Since(killed).Round(time.Millisecond), e.Err)
			case <-time.After(spinetest.Patience):
				t.Fatalf("no session_lost event within %s of killing the %s %v; still running: %v; stats %+v",
					spinetest.Patience, c.name, victim, alive(tree), ex.Stats().Servers["everything"])
			}
			waitGone(t, tree, spinetest.Patience)

			if got := text(call(ctx, t, ex, "everything", "echo", map[string]any{"message": "after"})); got != "Echo: after" {
				t.Errorf("echo after the %s died = %q", c.name, got)
			}
			if st := ex.Stats().Servers["everything"]; st.SessionsCreated != 2 {
				t.Errorf("sessions created = %d, want 2 (the dead one replaced)", st.SessionsCreated)
			}
		})
	}
}
