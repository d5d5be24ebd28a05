package executor_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

func TestAffinityKeysNeverShareASession(t *testing.T) {
	spinetest.NoLeaks(t)
	spec := spinetest.Demo(t, "demo")
	spec.Isolation = capability.IsolationAffinity
	ex := newExecutor(t, spec)
	a := executor.WithAffinity(context.Background(), "conversation-a")
	b := executor.WithAffinity(context.Background(), "conversation-b")
	for i, want := range []struct {
		ctx context.Context
		n   string
	}{
		{a, "1"}, {a, "2"}, {b, "1"}, {a, "3"}, {b, "2"}, {b, "3"}, {a, "4"},
	} {
		res, err := ex.CallTool(want.ctx, "demo", "counter", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := text(t, res); got != want.n {
			t.Fatalf("call %d: counter = %s, want %s", i, got, want.n)
		}
	}
	if st := ex.Stats().Servers["demo"]; st.SessionsCreated != 2 {
		t.Fatalf("sessions created = %d, want 2 (one per affinity key)", st.SessionsCreated)
	}
}

// ReleaseAffinity ends one key's session (its process with it) and no other's; the key's
// next call starts from a new session, with none of the old one's state.
func TestReleaseAffinityEndsOneKeysSession(t *testing.T) {
	spinetest.NoLeaks(t)
	spec := spinetest.Demo(t, "demo")
	spec.Isolation = capability.IsolationAffinity
	ex := newExecutor(t, spec)
	a := executor.WithAffinity(context.Background(), "conversation-a")
	b := executor.WithAffinity(context.Background(), "conversation-b")
	counter := func(ctx context.Context, want string) {
		t.Helper()
		res, err := ex.CallTool(ctx, "demo", "counter", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := text(t, res); got != want {
			t.Fatalf("counter = %s, want %s", got, want)
		}
	}
	counter(a, "1")
	counter(b, "1")
	n, err := ex.ReleaseAffinity(context.Background(), "conversation-a")
	if err != nil || n != 1 {
		t.Fatalf("ReleaseAffinity = %d, %v; want 1 session ended", n, err)
	}
	spinetest.Eventually(t, spinetest.Patience, "the released session to close", func() bool {
		st := ex.Stats().Servers["demo"]
		return st.SessionsClosed == 1 && st.Sessions.Ready == 1
	})
	counter(b, "2")
	counter(a, "1")
	if n, err := ex.ReleaseAffinity(context.Background(), "nobody"); err != nil || n != 0 {
		t.Fatalf("ReleaseAffinity of an unknown key = %d, %v; want 0, nil", n, err)
	}
}

func TestIdentityNeverGetsAnotherIdentitysSession(t *testing.T) {
	spinetest.NoLeaks(t)
	spec := spinetest.Demo(t, "demo")
	spec.Isolation = capability.IsolationIdentity
	spec.MaxSessions = 1
	ex := newExecutor(t, spec)
	alice := executor.WithIdentity(context.Background(), "alice")
	bob := executor.WithIdentity(context.Background(), "bob")
	for _, step := range []struct {
		ctx  context.Context
		want string
	}{{alice, "1"}, {bob, "1"}, {alice, "2"}, {bob, "2"}} {
		r, err := ex.CallTool(step.ctx, "demo", "counter", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := text(t, r); got != step.want {
			t.Fatalf("counter = %s, want %s: identities shared a session", got, step.want)
		}
	}
}

func TestNonIdempotentCallIsNotReplayed(t *testing.T) {
	spinetest.NoLeaks(t)
	ex := newExecutor(t, spinetest.Demo(t, "demo"))
	call(t, ex, "demo", "echo", map[string]any{"text": "warm"}) // tools listed: annotations known
	_, err := ex.CallTool(context.Background(), "demo", "crash", nil)
	if !errors.Is(err, executor.ErrSessionLost) {
		t.Fatalf("crash: err = %v, want ErrSessionLost", err)
	}
	if st := ex.Stats().Servers["demo"]; st.SessionsCreated != 1 {
		t.Fatalf("sessions created = %d after a lost non-idempotent call: it was replayed", st.SessionsCreated)
	}
}

func TestIdempotentCallIsRetriedOnAFreshSession(t *testing.T) {
	spinetest.NoLeaks(t)
	ex := newExecutor(t, spinetest.Demo(t, "demo"))
	call(t, ex, "demo", "echo", map[string]any{"text": "warm"})
	done := make(chan error, 1)
	go func() {
		res, err := ex.CallTool(context.Background(), "demo", "sleep", map[string]any{"ms": 2000})
		if err == nil && res.IsError {
			err = errors.New("sleep returned an error result")
		}
		done <- err
	}()
	spinetest.Eventually(t, spinetest.Patience, "sleep in flight", func() bool {
		return ex.Stats().Servers["demo"].Sessions.Busy == 1
	})
	if _, err := ex.CallTool(context.Background(), "demo", "crash", nil); !errors.Is(err, executor.ErrSessionLost) {
		t.Fatalf("crash: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("read-only sleep lost with its session: %v (should be retried)", err)
	}
	if st := ex.Stats().Servers["demo"]; st.SessionsCreated != 2 {
		t.Fatalf("sessions created = %d, want 2", st.SessionsCreated)
	}
}

func TestCircuitOpensAndCloses(t *testing.T) {
	spinetest.NoLeaks(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "server.sh")
	broken := []byte("#!/bin/sh\necho 'cannot start' >&2\nexit 1\n")
	fixed := []byte("#!/bin/sh\nexec " + spinetest.Binary(t) + " demo-server\n")
	if err := os.WriteFile(script, broken, 0o755); err != nil {
		t.Fatal(err)
	}
	spec := spinetest.Demo(t, "flaky")
	spec.Command, spec.Args = script, nil
	spec.CircuitThreshold = 3
	spec.CircuitReset = 300 * time.Millisecond
	ex := newExecutor(t, spec)
	ctx := context.Background()
	for i := range 3 {
		_, err := ex.CallTool(ctx, "flaky", "echo", map[string]any{"text": "x"})
		if err == nil || errors.Is(err, executor.ErrCircuitOpen) && i < 2 {
			t.Fatalf("start %d: err = %v, want a connect failure", i, err)
		}
	}
	_, err := ex.CallTool(ctx, "flaky", "echo", map[string]any{"text": "x"})
	if !errors.Is(err, executor.ErrCircuitOpen) {
		t.Fatalf("after 3 failed starts: err = %v, want ErrCircuitOpen", err)
	}
	if c := ex.Stats().Servers["flaky"].Circuit; c != "open" {
		t.Fatalf("circuit = %s, want open", c)
	}
	if err := os.WriteFile(script, fixed, 0o755); err != nil {
		t.Fatal(err)
	}
	spinetest.Eventually(t, spinetest.Patience, "the circuit to let a probe through", func() bool {
		_, err := ex.CallTool(ctx, "flaky", "echo", map[string]any{"text": "x"})
		return err == nil
	})
	if c := ex.Stats().Servers["flaky"].Circuit; c != "closed" {
		t.Fatalf("circuit = %s after a good start, want closed", c)
	}
}

func TestPoolCapsSessionsUnderLoad(t *testing.T) {
	spinetest.NoLeaks(t)
	spec := spinetest.Demo(t, "demo")
	spec.MaxSessions, spec.MaxInflight = 10, 2
	var mu sync.Mutex
	maxSessions := int64(0)
	ex, err := executor.New(spinetest.Project(spec), executor.WithEvents(func(executor.Event) {}))
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close(context.Background())
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if _, err := ex.CallTool(context.Background(), "demo", "sleep", map[string]any{"ms": 20}); err != nil {
					t.Error(err)
					return
				}
				st := ex.Stats().Servers["demo"]
				mu.Lock()
				open := st.Sessions.Connecting + st.Sessions.Ready
				maxSessions = max(maxSessions, open)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	st := ex.Stats().Servers["demo"]
	if st.SessionsCreated > 10 || maxSessions > 10 {
		t.Fatalf("sessions created %d, at most %d open at once: over max_sessions 10", st.SessionsCreated, maxSessions)
	}
	if st.SessionsCreated < 2 || st.AcquireWait.Count == 0 {
		t.Fatalf("stats = %+v: the pool neither grew nor queued under 64 callers", st)
	}
	if st.Calls != 320 || st.Errors != 0 {
		t.Fatalf("calls %d errors %d, want 320 and 0", st.Calls, st.Errors)
	}
}

func TestCloseDrainsThenCancels(t *testing.T) {
	spinetest.NoLeaks(t)
	ex, err := executor.New(spinetest.Project(spinetest.Demo(t, "demo")))
	if err != nil {
		t.Fatal(err)
	}
	call(t, ex, "demo", "echo", map[string]any{"text": "warm"})
	type outcome struct {
		tool string
		err  error
	}
	// The drain lets the sleep finish with room to spare on a busy machine, and ends the hang
	// at its deadline.
	const sleep = 300 * time.Millisecond
	drain := sleep + spinetest.Slack
	out := make(chan outcome, 2)
	for _, tool := range []string{"sleep", "hang"} {
		go func() {
			var args any
			if tool == "sleep" {
				args = map[string]any{"ms": sleep.Milliseconds()}
			}
			_, err := ex.CallTool(context.Background(), "demo", tool, args)
			out <- outcome{tool, err}
		}()
	}
	spinetest.Eventually(t, spinetest.Patience, "both calls in flight", func() bool {
		return ex.Stats().Servers["demo"].Sessions.Busy == 1 && ex.Stats().Servers["demo"].Calls == 3
	})
	ctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if err := ex.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		o := <-out
		switch {
		case o.tool == "sleep" && o.err != nil:
			t.Errorf("sleep (%s) was not let finish within the %s drain: %v", sleep, drain, o.err)
		case o.tool == "hang" && !errors.Is(o.err, executor.ErrClosed):
			t.Errorf("hang after the drain deadline: err = %v, want ErrClosed", o.err)
		}
	}
}

func TestHealthProbeReplacesAStuckSession(t *testing.T) {
	spinetest.NoLeaks(t)
	spec := spinetest.Demo(t, "demo")
	spec.HealthInterval = 50 * time.Millisecond
	// bounds the probe of the stopped server; a live one answers well within it, however busy
	// the machine
	spec.CallTimeout = spinetest.Slack
	var mu sync.Mutex
	var healthFailed int
	var pid int
	ex, err := executor.New(spinetest.Project(spec), executor.WithEvents(func(e executor.Event) {
		mu.Lock()
		defer mu.Unlock()
		if e.Kind == executor.EventHealthFailed {
			healthFailed++
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close(context.Background())
	call(t, ex, "demo", "counter", nil)
	pids := spinetest.Processes(spinetest.Binary(t))
	if len(pids) != 1 {
		t.Fatalf("demo processes = %v, want 1", pids)
	}
	pid = pids[0]
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil { // alive but unresponsive
		t.Fatal(err)
	}
	spinetest.Eventually(t, spinetest.Patience, "the demo server to be stopped", func() bool { return spinetest.Stopped(pid) })
	time.Sleep(2 * spec.HealthInterval) // let the session become due for a probe: time passing is what it waits for
	if got := text(t, call(t, ex, "demo", "counter", nil)); got != "1" {
		t.Fatalf("counter = %s, want 1 from a fresh session", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if healthFailed != 1 {
		t.Fatalf("health_failed events = %d, want 1", healthFailed)
	}
}

func TestIdleSessionsCloseAndOldOnesRecycle(t *testing.T) {
	spinetest.NoLeaks(t)
	idle := spinetest.Demo(t, "idle")
	idle.IdleTimeout = 100 * time.Millisecond
	recycled := spinetest.Demo(t, "recycled")
	recycled.MinSessions = 1
	recycled.MaxLifetime = 200 * time.Millisecond
	ex := newExecutor(t, idle, recycled)
	call(t, ex, "idle", "echo", map[string]any{"text": "x"})
	spinetest.Eventually(t, spinetest.Patience, "the idle session to close", func() bool {
		st := ex.Stats().Servers["idle"]
		return st.SessionsClosed == 1 && st.Sessions.Ready == 0
	})
	// Calls keep working across recycling: call until two recycles have happened (every
	// 200 ms, plus however long a new session takes to start on this machine).
	deadline := time.Now().Add(spinetest.Patience)
	for ex.Stats().Servers["recycled"].SessionsCreated < 3 && time.Now().Before(deadline) {
		call(t, ex, "recycled", "echo", map[string]any{"text": "x"})
	}
	st := ex.Stats().Servers["recycled"]
	if st.SessionsCreated < 3 || st.Errors != 0 {
		t.Fatalf("recycled stats = %+v, want >= 3 sessions with max_lifetime 200ms and no errors", st)
	}
}

func TestListCacheAndFilters(t *testing.T) {
	spinetest.NoLeaks(t)
	spec := spinetest.Demo(t, "demo")
	spec.DisabledTools = []string{"crash"}
	ex := newExecutor(t, spec)
	ctx := context.Background()
	tools, err := ex.ListTools(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range tools {
		if tool.Name == "crash" {
			t.Fatal("disabled tool crash is listed")
		}
	}
	if _, err := ex.CallTool(ctx, "demo", "crash", nil); !errors.Is(err, executor.ErrToolDisabled) {
		t.Fatalf("calling a disabled tool: err = %v", err)
	}
	if _, err := ex.ListTools(ctx, "demo"); err != nil {
		t.Fatal(err)
	}
	if st := ex.Stats().Servers["demo"]; st.CacheHits != 1 || st.CacheMisses != 1 {
		t.Fatalf("cache hits/misses = %d/%d, want 1/1", st.CacheHits, st.CacheMisses)
	}
	call(t, ex, "demo", "grow", nil)
	spinetest.Eventually(t, spinetest.Patience, "grown_1 after list_changed", func() bool {
		tools, err := ex.ListTools(ctx, "demo")
		if err != nil {
			t.Fatal(err)
		}
		for _, tool := range tools {
			if tool.Name == "grown_1" {
				return true
			}
		}
		return false
	})
}

func TestTimeouts(t *testing.T) {
	spinetest.NoLeaks(t)
	spec := spinetest.Demo(t, "demo")
	spec.ToolTimeouts = map[string]time.Duration{"sleep": 100 * time.Millisecond}
	ex := newExecutor(t, spec)
	call(t, ex, "demo", "echo", map[string]any{"text": "warm"})
	start := time.Now()
	_, err := ex.CallTool(context.Background(), "demo", "sleep", map[string]any{"ms": 5000})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("sleep past tool_timeouts: err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond+spinetest.Slack { // the sleep is 5 s
		t.Fatalf("tool timeout of 100ms took %s", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := ex.CallTool(ctx, "demo", "hang", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hang with a 50ms caller deadline: err = %v", err)
	}
	if got := text(t, call(t, ex, "demo", "echo", map[string]any{"text": "ok"})); got != "ok" {
		t.Fatalf("echo after timeouts = %q", got)
	}
}

func TestBatchRunsOnOnePinnedSession(t *testing.T) {
	spinetest.NoLeaks(t)
	spec := spinetest.Demo(t, "demo")
	spec.MaxInflight = 1
	ex := newExecutor(t, spec)
	out, err := ex.Batch(context.Background(), "demo", []executor.Call{
		{Tool: "counter"}, {Tool: "fail", Args: map[string]any{"message": "boom"}},
		{Tool: "no_such_tool"}, {Tool: "counter"}, {Tool: "counter"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if text(t, out[0].Result) != "1" || !out[1].Result.IsError || out[2].Err == nil ||
		text(t, out[3].Result) != "2" || text(t, out[4].Result) != "3" {
		t.Fatalf("batch outcomes = %+v", out)
	}
}
