package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestKillStorm SIGKILLs the process group of a random demo server at random moments while
// 32 goroutines keep calling echo, each with a text of its own. Every call must come back
// with its own text or a typed error; every call, retried by its caller a bounded number of
// times, must succeed in the end; and afterwards the pool must be whole: a call works and
// the counters add up.
func TestKillStorm(t *testing.T) {
	h := checkHygiene(t)
	spec := h.demo(t, "demo")
	spec.CircuitReset = 300 * time.Millisecond // a kill during a handshake is a failed start
	var lost atomic.Int64
	ex := start(t, []capability.ServerSpec{spec}, executor.WithEvents(func(e executor.Event) {
		if e.Kind == executor.EventSessionLost || e.Kind == executor.EventConnectFailed {
			lost.Add(1)
		}
	}))
	mustCall(t, ex, "demo", "echo", map[string]any{"text": "warm"})

	const (
		callers     = 32
		storm       = 2500 * time.Millisecond
		maxAttempts = 10
	)
	end := time.Now().Add(storm)

	var kills atomic.Int64
	killerDone := make(chan struct{})
	go func() {
		defer close(killerDone)
		for time.Now().Before(end) {
			time.Sleep(time.Duration(20+rand.IntN(100)) * time.Millisecond) // a random moment
			if ps := marked(h.mark); len(ps) > 0 {
				p := ps[rand.IntN(len(ps))]
				if syscall.Kill(-p.pgid, syscall.SIGKILL) == nil {
					kills.Add(1)
				}
			}
			// The next kill waits until a session is ready: where starting one is slow (a busy
			// machine), kills at a fixed pace would leave calls with no session to run on, which
			// is not what this test is about. Sessions still starting may be killed: a kill
			// during a handshake is part of the storm.
			waitFor(spinetest.Patience, func() bool { return ex.Stats().Servers["demo"].Sessions.Ready >= 1 })
		}
	}()

	var (
		attempts, logical atomic.Int64
		mu                sync.Mutex
		failures          = map[string]int{}
	)
	var wg sync.WaitGroup
	for g := range callers {
		wg.Go(func() {
			for i := 0; time.Now().Before(end); i++ {
				text := fmt.Sprintf("caller-%02d-call-%05d", g, i)
				logical.Add(1)
				for attempt := 1; ; attempt++ {
					attempts.Add(1)
					ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
					began := time.Now()
					res, err := ex.CallTool(ctx, "demo", "echo", map[string]any{"text": text})
					if ctx.Err() != nil { // echo answers at once: only a lost call takes this long
						t.Errorf("%s: no answer within %s: %v", text, time.Since(began).Round(time.Millisecond), err)
					}
					cancel()
					if err == nil {
						if got := textOf(res); res.IsError || got != text {
							t.Errorf("%s: got %q (isError %v): another call's answer", text, got, res.IsError)
						}
						break
					}
					if !typed(err) {
						t.Errorf("%s: untyped error: %v", text, err)
					}
					mu.Lock()
					failures[kind(err)]++
					mu.Unlock()
					if attempt == maxAttempts {
						t.Errorf("%s: still failing after %d attempts: %v", text, attempt, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	<-killerDone

	mustCall(t, ex, "demo", "echo", map[string]any{"text": "after the storm"})
	var st executor.ServerStats
	if !waitFor(spinetest.Patience, func() bool {
		st = ex.Stats().Servers["demo"]
		live := st.SessionsCreated - st.SessionsClosed
		return st.Sessions.Busy == 0 && st.Sessions.Connecting == 0 && st.Sessions.Ready >= 1 &&
			live == st.Sessions.Ready && int64(len(marked(h.mark))) == st.Sessions.Ready
	}) {
		t.Errorf("pool not whole after the storm: %+v; processes %v", st, marked(h.mark))
	}
	if st.Sessions.Ready > int64(spec.MaxSessions) {
		t.Errorf("%d sessions ready, over max_sessions %d", st.Sessions.Ready, spec.MaxSessions)
	}
	if want := attempts.Load() + 2; st.Calls != want {
		t.Errorf("calls = %d, want %d (every attempt counted once)", st.Calls, want)
	}
	if st.Errors > st.Calls {
		t.Errorf("errors %d > calls %d", st.Errors, st.Calls)
	}
	if kills.Load() == 0 {
		t.Error("no server was killed")
	}
	t.Logf("%d kills, %d sessions lost or failed to start; %d calls, %d attempts; failed attempts by kind %v; stats %+v",
		kills.Load(), lost.Load(), logical.Load(), attempts.Load(), sortedCounts(failures), st)
}

// kind names the sentinel an error matches, for the log.
func kind(err error) string {
	for name, target := range map[string]error{
		"session_lost": executor.ErrSessionLost, "not_sent": executor.ErrNotSent, "pool_exhausted": executor.ErrPoolExhausted,
		"circuit_open": executor.ErrCircuitOpen, "closed": executor.ErrClosed,
		"deadline": context.DeadlineExceeded,
	} {
		if errors.Is(err, target) {
			return name
		}
	}
	return "untyped"
}

func sortedCounts(m map[string]int) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(out)
	return out
}
