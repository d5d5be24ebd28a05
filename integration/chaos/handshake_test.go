package chaos

import (
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestHandshakeFailures starts servers that cannot become a session: one that exits during
// the handshake, one that never answers it, one slower to start than connect_timeout, and a
// command that does not exist. The caller must get a clear error naming the server quickly
// (at connect_timeout, not acquire_timeout), and repeated failures must open the circuit,
// after which calls fail at once with ErrCircuitOpen.
//
// connect_timeout is short only where the case is about it (a server that never answers, or
// starts too late); elsewhere a busy machine must not turn a start that fails at once into a
// connect timeout. acquire_timeout, which the caller must never wait for, is far beyond
// every bound plus slack.
func TestHandshakeFailures(t *testing.T) {
	const shortConnect = 500 * time.Millisecond
	for _, c := range []struct {
		name    string
		spec    func(h *hygiene) capability.ServerSpec
		says    string        // in the error message
		connect time.Duration // connect_timeout
		bound   time.Duration // when a failed start reaches the caller, on an idle machine
	}{
		{"exits", func(h *hygiene) capability.ServerSpec { return h.bad(t, "hs", "--exit-on-initialize") },
			"exiting during the handshake", spinetest.Patience, time.Second},
		{"silent", func(h *hygiene) capability.ServerSpec { return h.bad(t, "hs", "--no-handshake") },
			"connect_timeout", shortConnect, shortConnect + time.Second},
		// badserver processes end by themselves after two minutes: the delay outlasts the test
		{"slow_start", func(h *hygiene) capability.ServerSpec { return h.bad(t, "hs", "--start-delay", "1m") },
			"connect_timeout", shortConnect, shortConnect + time.Second},
		{"no_command", func(h *hygiene) capability.ServerSpec {
			spec := h.bad(t, "hs")
			spec.Command = "/nonexistent/chaos-no-such-server"
			return spec
		}, "no such file or directory", spinetest.Patience, time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := checkHygiene(t)
			spec := c.spec(h)
			spec.ConnectTimeout = c.connect
			spec.AcquireTimeout = 2 * spinetest.Patience
			spec.CircuitThreshold = 3
			spec.CircuitReset = 10 * spinetest.Patience
			var connects atomic.Int64
			ex := start(t, []capability.ServerSpec{spec}, executor.WithEvents(func(e executor.Event) {
				if e.Kind == executor.EventConnectFailed {
					connects.Add(1)
				}
			}))

			var err error
			for i := 1; !errors.Is(err, executor.ErrCircuitOpen); i++ {
				if i > spec.CircuitThreshold {
					t.Fatalf("no open circuit after %d failed starts (threshold %d)", i-1, spec.CircuitThreshold)
				}
				began := time.Now()
				_, err = ex.CallTool(callCtx(t, spinetest.Patience), "hs", "echo", map[string]any{"text": "x"})
				took := time.Since(began)
				switch {
				case err == nil:
					t.Fatalf("call %d succeeded", i)
				case errors.Is(err, executor.ErrPoolExhausted):
					t.Fatalf("call %d: %v: the caller waited for acquire_timeout", i, err)
				case errors.Is(err, executor.ErrCircuitOpen) && i < spec.CircuitThreshold:
					t.Errorf("call %d: circuit open before %d failed starts: %v", i, spec.CircuitThreshold, err)
				case !strings.Contains(err.Error(), `server "hs"`) || !strings.Contains(err.Error(), c.says):
					t.Errorf("call %d: %q does not name the server and say %q", i, err, c.says)
				}
				// A failed start ends the process first (stdin closed, 250 ms, SIGTERM), and
				// the backoff after failures adds up to a few hundred milliseconds.
				if limit := c.bound + 750*time.Millisecond + slack; took > limit {
					t.Errorf("call %d failed after %s, over %s", i, took, limit)
				}
				t.Logf("call %d after %s: %v", i, took.Round(time.Millisecond), err)
			}
			// At once: without a start (no connect fails for it) and without waiting for one.
			before := connects.Load()
			began := time.Now()
			_, err = ex.CallTool(callCtx(t, spinetest.Patience), "hs", "echo", map[string]any{"text": "x"})
			if took := time.Since(began); !errors.Is(err, executor.ErrCircuitOpen) || took > slack {
				t.Errorf("with the circuit open: %v after %s, want ErrCircuitOpen at once", err, took)
			}
			if !strings.Contains(err.Error(), c.says) {
				t.Errorf("open circuit %q does not carry the last error (%q)", err, c.says)
			}
			if st := ex.Stats().Servers["hs"]; st.Circuit != "open" || st.Sessions.Ready != 0 {
				t.Errorf("stats %+v, want an open circuit and no session", st)
			}
			if n := connects.Load() - before; n != 0 {
				t.Errorf("with the circuit open: %d start(s) failed, want none tried", n)
			}
		})
	}
}

// TestReplacementFailsToStart has a server that worked once fail to start again (it exits
// during the handshake from its second start on). A call waiting for the replacement gets a
// typed error at once — the call was never sent — that names the server and says why, and
// repeated failures open the circuit.
func TestReplacementFailsToStart(t *testing.T) {
	h := checkHygiene(t)
	spec := h.bad(t, "flaky")
	flag := filepath.Join(t.TempDir(), "started")
	spec.Command = "sh"
	spec.Args = []string{"-c", `if [ -e "$1" ]; then exec "$0" --exit-on-initialize; fi; : > "$1"; exec "$0"`, badServer(t), flag}
	spec.CircuitThreshold = 3
	spec.CircuitReset = time.Minute
	ex := start(t, []capability.ServerSpec{spec})
	mustCall(t, ex, "flaky", "echo", map[string]any{"text": "first start"})
	for _, p := range marked(h.mark) {
		_ = syscall.Kill(-p.pgid, syscall.SIGKILL)
	}
	if !waitFor(spinetest.Patience, func() bool { return ex.Stats().Servers["flaky"].Sessions.Ready == 0 }) {
		t.Fatal("the killed session is still counted ready")
	}
	for i := 1; ; i++ {
		began := time.Now()
		_, err := ex.CallTool(callCtx(t, spinetest.Patience), "flaky", "echo", map[string]any{"text": "x"})
		took := time.Since(began)
		t.Logf("call %d after %s: %v", i, took.Round(time.Millisecond), err)
		if !typed(err) || !strings.Contains(err.Error(), `server "flaky"`) {
			t.Fatalf("call %d: %v: want a typed error naming the server", i, err)
		}
		// at once: a start that fails during the handshake, not connect_timeout or
		// acquire_timeout (30 s each)
		if took > 2*time.Second+slack {
			t.Errorf("call %d took %s", i, took)
		}
		if errors.Is(err, executor.ErrCircuitOpen) {
			break
		}
		if !strings.Contains(err.Error(), "exiting during the handshake") {
			t.Errorf("call %d: %q does not say why the server did not start", i, err)
		}
		if i > spec.CircuitThreshold {
			t.Fatalf("no open circuit after %d failed starts", i)
		}
	}
}
