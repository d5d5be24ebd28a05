package chaos

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// killGraceBound is what Close may take past its context's deadline (DESIGN §10: one kill
// grace, at most 3 s). Here the bound is the contract, so it is not widened for slow machines.
const killGraceBound = 3 * time.Second

// TestCloseBoundWhateverTheSessions opens many sessions of servers that resist their
// teardown — ignoring a closed stdin, or SIGTERM too — and closes with a 1 s context. Close
// must return by the deadline plus one kill grace, with every process of every group gone.
// Sessions of one server stop in parallel; one by one, 40 sessions ignoring a closed stdin
// took 10 s and 6 ignoring SIGTERM 13.5 s.
func TestCloseBoundWhateverTheSessions(t *testing.T) {
	type server struct {
		sessions int
		flags    []string
	}
	for _, c := range []struct {
		name    string
		servers []server
	}{
		{"40_ignore_closed_stdin", []server{{40, []string{"--ignore-eof"}}}},
		{"6_ignore_sigterm", []server{{6, []string{"--ignore-term"}}}},
		{"34_ignore_closed_stdin_then_6_ignore_sigterm", []server{{34, []string{"--ignore-eof"}}, {6, []string{"--ignore-term"}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := checkHygiene(t)
			var specs []capability.ServerSpec
			total := 0
			for i, s := range c.servers {
				spec := h.bad(t, fmt.Sprintf("s%d", i), s.flags...)
				spec.MinSessions, spec.MaxSessions = s.sessions, s.sessions
				spec.HealthInterval = 0
				specs = append(specs, spec)
				total += s.sessions
			}
			ex, err := executor.New(spinetest.Project(specs...))
			if err != nil {
				t.Fatal(err)
			}
			// min_sessions open in the background: wait for every handshake.
			ready := func() bool {
				for i, s := range c.servers {
					if ex.Stats().Servers[specs[i].Name].Sessions.Ready != int64(s.sessions) {
						return false
					}
				}
				return true
			}
			if !waitFor(spinetest.Patience, ready) {
				_ = ex.Close(expiredCtx())
				t.Fatalf("sessions not ready: %+v", ex.Stats().Servers)
			}
			tree := marked(h.mark)
			if len(tree) != total {
				t.Fatalf("processes = %d, want %d: %v", len(tree), total, tree)
			}

			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			deadline, _ := ctx.Deadline()
			began := time.Now()
			if err := ex.Close(ctx); err != nil {
				t.Errorf("Close: %v", err)
			}
			took := time.Since(began)
			if over := time.Since(deadline); over > killGraceBound {
				t.Errorf("Close returned %s after its deadline, over the bound of %s", over.Round(time.Millisecond), killGraceBound)
			}
			// No waiting here: when Close returns, nothing may be left.
			if left := alive(tree); len(left) > 0 {
				t.Errorf("%d processes still running when Close returned: %v", len(left), left)
			}
			if left := inGroups(groups(tree)); len(left) > 0 {
				t.Errorf("processes left in the servers' groups: %v", left)
			}
			t.Logf("Close of %d sessions took %s (1 s deadline)", total, took.Round(time.Millisecond))
		})
	}
}

// TestCloseWhileSessionsStart closes an executor while its pool is starting sessions for the
// calls that wait (servers that pause before reading stdin, so that a handshake takes time).
// When Close returns no process of the server may be left, and none may start afterwards
// (the hygiene check, which waits, would find it: every badserver lives two minutes).
func TestCloseWhileSessionsStart(t *testing.T) {
	h := checkHygiene(t)
	spec := h.bad(t, "s", "--ignore-eof", "--start-delay", "100ms")
	spec.MaxSessions, spec.MaxInflight = 16, 1
	ex, err := executor.New(spinetest.Project(spec))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 2 * spec.MaxSessions {
		wg.Go(func() { _, _ = ex.CallTool(callCtx(t, spinetest.Patience), "s", "hang", nil) })
	}
	if !waitFor(spinetest.Patience, func() bool { return ex.Stats().Servers["s"].Sessions.Connecting > 0 }) {
		t.Fatalf("no session ever connecting: %+v", ex.Stats().Servers["s"])
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	deadline, _ := ctx.Deadline()
	if err := ex.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
	if over := time.Since(deadline); over > killGraceBound {
		t.Errorf("Close returned %s after its deadline", over.Round(time.Millisecond))
	}
	if left := marked(h.mark); len(left) > 0 {
		t.Errorf("processes running when Close returned: %v", left)
	}
	wg.Wait()
}

// expiredCtx is a context that is already done: Close with it tears down at once.
func expiredCtx() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
