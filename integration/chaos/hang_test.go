package chaos

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestHangingServer makes a server stop answering — the demo server SIGSTOPped, or the bad
// server after its hang_all tool — and checks that calls fail at their deadline (the
// caller's, or call_timeout) within a small margin, and that the session is replaced: a
// later call works on a new process.
//
// A timed-out call makes its session suspect: the next call waits for a health probe
// (bounded by call_timeout) and then runs on a replacement. So after hang_all, which times
// out, calls without a deadline of their own may succeed after the probe (or time out, when
// they reached the session before the pool learnt of the timeout); after a silent SIGSTOP
// every call of the first wave times out.
//
// The timings are set so that each bound is the product's, not the machine's: a call may end
// slack after its deadline, and the next thing it could wrongly wait for is further away
// than that (the caller's deadline + slack < call_timeout). hang_all has no deadline of its
// own: call_timeout starts when the call is sent, so the server surely got it when it times
// out.
func TestHangingServer(t *testing.T) {
	const (
		callerDeadline = 500 * time.Millisecond
		callTimeout    = callerDeadline + 2*slack // also bounds the health probe of a suspect session
	)
	for _, c := range []struct {
		name    string
		spec    func(h *hygiene) capability.ServerSpec
		trigger func(t *testing.T, h *hygiene, ex *executor.Executor)
		// whether calls without a deadline of their own may be served by a replacement
		replaced bool
	}{
		{"sigstop", func(h *hygiene) capability.ServerSpec { return h.demo(t, "s") },
			func(t *testing.T, h *hygiene, ex *executor.Executor) {
				ps := marked(h.mark)
				for _, p := range ps {
					if err := syscall.Kill(p.pid, syscall.SIGSTOP); err != nil {
						t.Fatal(err)
					}
				}
				if !waitFor(spinetest.Patience, func() bool {
					return !slices.ContainsFunc(ps, func(p proc) bool { return !spinetest.Stopped(p.pid) })
				}) {
					t.Fatalf("not stopped: %v", ps)
				}
			}, false},
		{"hang_all", func(h *hygiene) capability.ServerSpec { return h.bad(t, "s") },
			func(t *testing.T, h *hygiene, ex *executor.Executor) {
				_, err := ex.CallTool(callCtx(t, spinetest.Patience), "s", "hang_all", nil)
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("hang_all: err = %v, want DeadlineExceeded", err)
				}
			}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := checkHygiene(t)
			spec := c.spec(h)
			spec.CallTimeout = callTimeout
			ex := start(t, []capability.ServerSpec{spec})
			mustCall(t, ex, "s", "echo", map[string]any{"text": "warm"})
			first := marked(h.mark)
			c.trigger(t, h, ex)

			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					ctx, limit := context.Background(), spec.CallTimeout
					if i%2 == 0 {
						var cancel context.CancelFunc
						ctx, cancel = context.WithTimeout(ctx, callerDeadline)
						defer cancel()
						limit = callerDeadline
					}
					began := time.Now()
					res, err := ex.CallTool(ctx, "s", "echo", map[string]any{"text": fmt.Sprint(i)})
					took := time.Since(began)
					switch {
					case c.replaced && i%2 == 1 && err == nil:
						if textOf(res) != fmt.Sprint(i) {
							t.Errorf("call %d: %q from the replacement, want its own text", i, textOf(res))
						}
					case !errors.Is(err, context.DeadlineExceeded):
						t.Errorf("call %d: err = %v, want DeadlineExceeded", i, err)
					}
					if took > limit+slack {
						t.Errorf("call %d failed after %s, over its deadline %s + %s", i, took, limit, slack)
					}
				})
			}
			wg.Wait()

			began := time.Now()
			if got := textOf(mustCall(t, ex, "s", "echo", map[string]any{"text": "later"})); got != "later" {
				t.Fatalf("echo on the replacement = %q", got)
			}
			took := time.Since(began)
			st := ex.Stats().Servers["s"]
			if st.SessionsCreated != 2 {
				t.Errorf("sessions created = %d, want 2 (the hung one replaced)", st.SessionsCreated)
			}
			if !waitFor(spinetest.Patience, func() bool { return len(alive(first)) == 0 }) {
				t.Errorf("the hung server is still running: %v", alive(first))
			}
			t.Logf("the call after the hang took %s (probe, then a new session); stats %+v", took.Round(time.Millisecond), st)
		})
	}
}
