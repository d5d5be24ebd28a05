package chaos

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
)

// TestHandshakeFailures starts servers that cannot become a session: one that exits during
// the handshake, one that never answers it, one slower to start than connect_timeout, and a
// command that does not exist. The caller must get a clear error naming the server quickly
// (at connect_timeout, not acquire_timeout), and repeated failures must open the circuit,
// after which calls fail at once with ErrCircuitOpen.
func TestHandshakeFailures(t *testing.T) {
	const connectTimeout = 500 * time.Millisecond
	for _, c := range []struct {
		name  string
		spec  func(h *hygiene) capability.ServerSpec
		says  string // in the error message
		bound time.Duration
	}{
		{"exits", func(h *hygiene) capability.ServerSpec { return h.bad(t, "hs", "--exit-on-initialize") },
			"exiting during the handshake", time.Second},
		{"silent", func(h *hygiene) capability.ServerSpec { return h.bad(t, "hs", "--no-handshake") },
			"connect_timeout", connectTimeout + time.Second},
		{"slow_start", func(h *hygiene) capability.ServerSpec { return h.bad(t, "hs", "--start-delay", "3s") },
			"connect_timeout", connectTimeout + time.Second},
		{"no_command", func(h *hygiene) capability.ServerSpec {
			spec := h.bad(t, "hs")
			spec.Command = "/nonexistent/chaos-no-such-server"
			return spec
		}, "no such file or directory", time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := checkHygiene(t)
			spec := c.spec(h)
			spec.ConnectTimeout = connectTimeout
			spec.AcquireTimeout = 30 * time.Second
			spec.CircuitThreshold = 3
			spec.CircuitReset = time.Minute
			ex := start(t, []capability.ServerSpec{spec})

			var err error
			for i := 1; !errors.Is(err, executor.ErrCircuitOpen); i++ {
				if i > spec.CircuitThreshold {
					t.Fatalf("no open circuit after %d failed starts (threshold %d)", i-1, spec.CircuitThreshold)
				}
				began := time.Now()
				_, err = ex.CallTool(callCtx(t, 20*time.Second), "hs", "echo", map[string]any{"text": "x"})
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
				if limit := c.bound + 750*time.Millisecond; took > limit {
					t.Errorf("call %d failed after %s, over %s", i, took, limit)
				}
				t.Logf("call %d after %s: %v", i, took.Round(time.Millisecond), err)
			}
			began := time.Now()
			_, err = ex.CallTool(callCtx(t, 20*time.Second), "hs", "echo", map[string]any{"text": "x"})
			if took := time.Since(began); !errors.Is(err, executor.ErrCircuitOpen) || took > 100*time.Millisecond {
				t.Errorf("with the circuit open: %v after %s, want ErrCircuitOpen at once", err, took)
			}
			if !strings.Contains(err.Error(), c.says) {
				t.Errorf("open circuit %q does not carry the last error (%q)", err, c.says)
			}
			if st := ex.Stats().Servers["hs"]; st.Circuit != "open" || st.Sessions.Ready != 0 {
				t.Errorf("stats %+v, want an open circuit and no session", st)
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
	if !waitFor(5*time.Second, func() bool { return ex.Stats().Servers["flaky"].Sessions.Ready == 0 }) {
		t.Fatal("the killed session is still counted ready")
	}
	for i := 1; ; i++ {
		began := time.Now()
		_, err := ex.CallTool(callCtx(t, 20*time.Second), "flaky", "echo", map[string]any{"text": "x"})
		took := time.Since(began)
		t.Logf("call %d after %s: %v", i, took.Round(time.Millisecond), err)
		if !typed(err) || !strings.Contains(err.Error(), `server "flaky"`) {
			t.Fatalf("call %d: %v: want a typed error naming the server", i, err)
		}
		if took > 2*time.Second {
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
