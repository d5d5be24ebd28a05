package thirdparty

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestNPXTeardown starts servers the way .mcp.json files name them (npx -y PKG, which runs
// `npm exec`, a shell and then node), checks that npx ran the pinned install rather than a
// download, and that closing the executor leaves none of those processes behind.
func TestNPXTeardown(t *testing.T) {
	dir := requireServers(t)
	requireProcFS(t)
	installed := filepath.Join(dir, "node_modules") + string(filepath.Separator)

	ev := serverSpec(t, viaNPX, "everything", everything)
	ev.MaxInflight, ev.MaxSessions = 1, 2 // two calls at once need two sessions: two trees
	mem := serverSpec(t, viaNPX, "memory", memory)
	mem.Env = map[string]string{"MEMORY_FILE_PATH": filepath.Join(t.TempDir(), "memory.jsonl")}
	fs := serverSpec(t, viaNPX, "fs", filesystem, t.TempDir())
	ex := start(t, ev, mem, fs)
	// Each call has its own bound: on a busy machine each npx tree takes seconds to start,
	// and one bound for all of them would add those up.
	ctx := testContext(t)

	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Go(func() {
			res, err := ex.CallTool(ctx, "everything", "trigger-long-running-operation", map[string]any{"duration": 0.5, "steps": 1})
			if err == nil && res.IsError {
				err = fmt.Errorf("tool error: %s", text(res))
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("trigger-long-running-operation: %v", err)
		}
	}
	call(testContext(t), t, ex, "memory", "read_graph", nil)
	call(testContext(t), t, ex, "fs", "list_allowed_directories", nil)

	tree := serverTrees()
	groups := map[int][]proc{}
	for _, p := range tree {
		groups[p.pgid] = append(groups[p.pgid], p)
	}
	servers := map[string]int{} // package -> sessions whose node runs the pinned install
	for pgid, members := range groups {
		var server *proc
		for i, p := range members {
			if strings.Contains(p.cmdline, installed) {
				server = &members[i]
			}
			if strings.Contains(p.cmdline, "_npx") {
				t.Errorf("process group %d: npx ran a downloaded copy: %v", pgid, p)
			}
		}
		if server == nil || len(members) < 2 {
			t.Errorf("process group %d = %v, want npm exec and the node server of the pinned install", pgid, members)
			continue
		}
		for _, pkg := range []string{everything, memory, filesystem} {
			if strings.Contains(server.cmdline, "mcp-"+pkg) {
				servers[pkg]++
			}
		}
	}
	if servers[everything] != 2 || servers[memory] != 1 || servers[filesystem] != 1 {
		t.Errorf("sessions by package = %v, want everything 2, memory 1, filesystem 1; processes: %v", servers, tree)
	}
	if t.Failed() {
		return
	}
	sort.Slice(tree, func(i, j int) bool { return tree[i].pid < tree[j].pid })
	t.Logf("%d processes in %d process groups while running, e.g. %v", len(tree), len(groups), groups[tree[0].pgid])

	began := time.Now()
	closeCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := ex.Close(closeCtx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	t.Logf("Close took %s", time.Since(began).Round(time.Millisecond))
	// Close has returned: the trees must already be gone, but a process killed by SIGKILL is
	// reaped by its parent (or init) a moment later — on a busy machine, a while later — so
	// allow a short wait.
	waitGone(t, tree, spinetest.Slack)
}

// TestCloseWithCallInFlight closes the executor while an npx-launched server runs a call
// that would take far longer than Close may wait: the caller gets an error, Close returns
// soon after its deadline, and the server's tree is gone.
func TestCloseWithCallInFlight(t *testing.T) {
	ex := start(t, serverSpec(t, viaNPX, "everything", everything))
	ctx := testContext(t)
	call(ctx, t, ex, "everything", "echo", map[string]any{"message": "warm"})
	tree := serverTrees()

	type outcome struct {
		err  error
		took time.Duration
	}
	done := make(chan outcome, 1)
	began := time.Now()
	go func() {
		_, err := ex.CallTool(ctx, "everything", "trigger-long-running-operation", map[string]any{"duration": 30, "steps": 3})
		done <- outcome{err, time.Since(began)}
	}()
	spinetest.Eventually(t, spinetest.Patience, "the long call to be in flight", func() bool {
		st := ex.Stats().Servers["everything"]
		return st.Sessions.Busy == 1
	})

	closeCtx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	closing := time.Now()
	if err := ex.Close(closeCtx); err != nil {
		t.Errorf("Close: %v", err)
	}
	if took := time.Since(closing); took > 5*time.Second {
		t.Errorf("Close with a 500ms deadline took %s", took)
	} else {
		t.Logf("Close with a 500ms deadline and a call in flight took %s", took.Round(time.Millisecond))
	}
	select {
	case o := <-done:
		if o.err == nil {
			t.Error("the call in flight succeeded, want an error: Close cut it short")
		} else if !errors.Is(o.err, executor.ErrClosed) && !errors.Is(o.err, context.Canceled) {
			t.Errorf("the call in flight failed with %v, want ErrClosed or context.Canceled", o.err)
		}
	case <-time.After(spinetest.Patience):
		t.Fatalf("the call in flight got no answer within %s of Close", spinetest.Patience)
	}
	waitGone(t, tree, spinetest.Slack)
}
