package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
)

// TestProtocolFaults has the bad server break the protocol on stdout — garbage, half a frame,
// a response to an id nobody asked for, a frame over the 16 MiB limit — and checks what the
// caller gets (in bounded time) and that the next call works, on a new session where the
// old one could not be trusted. A line that is not a message is skipped (a banner, a log
// line), up to a bound: garbage without end breaks the session.
func TestProtocolFaults(t *testing.T) {
	for _, c := range []struct {
		name     string
		tool     string
		args     map[string]any
		deadline time.Duration
		check    func(res string, err error) error
		sessions int64 // sessions created once the next call has worked
	}{
		// The garbage line is skipped: the call gets no answer and times out at call_timeout;
		// the session answers its health probe and stays.
		{"garbage", "garbage", nil, 10 * time.Second, wantDeadline, 1},
		{"garbage_forever", "garbage_forever", nil, 10 * time.Second, wantLostQuoting(`"garbage line `), 2},
		// Half a frame waits for the rest of its line: the call times out. The next message
		// ends that line; it is recovered from behind the broken one, which is skipped, and
		// the session stays.
		{"half_frame", "half", nil, 500 * time.Millisecond, wantDeadline, 1},
		{"unknown_id", "unknown_id", map[string]any{"text": "mine"}, 10 * time.Second, wantText("mine"), 1},
		{"over_16MiB", "huge", map[string]any{"mib": 17}, 20 * time.Second, wantLost, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := checkHygiene(t)
			spec := h.bad(t, "bad")
			spec.CallTimeout = 2 * time.Second
			ex := start(t, []capability.ServerSpec{spec})
			mustCall(t, ex, "bad", "echo", map[string]any{"text": "warm"})

			began := time.Now()
			res, err := ex.CallTool(callCtx(t, c.deadline), "bad", c.tool, c.args)
			took := time.Since(began)
			if cerr := c.check(textOf(res), err); cerr != nil {
				t.Errorf("%s: %v", c.tool, cerr)
			}
			if took > c.deadline+time.Second {
				t.Errorf("%s took %s", c.tool, took)
			}
			for i := range 3 {
				want := fmt.Sprintf("after-%d", i)
				if got := textOf(mustCall(t, ex, "bad", "echo", map[string]any{"text": want})); got != want {
					t.Fatalf("echo after %s = %q, want %q", c.tool, got, want)
				}
			}
			st := ex.Stats().Servers["bad"]
			if st.SessionsCreated != c.sessions {
				t.Errorf("sessions created = %d, want %d", st.SessionsCreated, c.sessions)
			}
			t.Logf("%s: %v after %s; stats %+v", c.tool, err, took.Round(time.Millisecond), st)
		})
	}
}

func wantLost(_ string, err error) error {
	if !errors.Is(err, executor.ErrSessionLost) {
		return fmt.Errorf("err = %v, want ErrSessionLost", err)
	}
	return nil
}

// wantLostQuoting wants ErrSessionLost, for non-MCP output on stdout, quoting its last line.
func wantLostQuoting(quote string) func(string, error) error {
	return func(_ string, err error) error {
		if err := wantLost("", err); err != nil {
			return err
		}
		if !strings.Contains(err.Error(), "non-MCP output to stdout") || !strings.Contains(err.Error(), quote) {
			return fmt.Errorf("err = %v, want it to say non-MCP output and quote %s", err, quote)
		}
		return nil
	}
}

func wantDeadline(_ string, err error) error {
	if !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("err = %v, want DeadlineExceeded", err)
	}
	return nil
}

func wantText(want string) func(string, error) error {
	return func(got string, err error) error {
		if err != nil || got != want {
			return fmt.Errorf("got %q, %v; want %q", got, err, want)
		}
		return nil
	}
}

// TestStderrFlood has the bad server write megabytes to stderr — in the background from its
// start, and synchronously inside a call — with debug logging on (every stderr line is
// logged). Calls must keep working at speed, the flooding call must return (a server blocked
// on a full stderr pipe never would), and memory must not grow with the flood.
func TestStderrFlood(t *testing.T) {
	h := checkHygiene(t)
	spec := h.bad(t, "bad", "--stderr-flood", "64")
	ex := start(t, []capability.ServerSpec{spec}, executor.WithLogger(zerolog.New(io.Discard).Level(zerolog.DebugLevel)))
	heapBefore := heap()

	began := time.Now()
	for i := range 200 {
		want := fmt.Sprint(i)
		if got := textOf(mustCall(t, ex, "bad", "echo", map[string]any{"text": want})); got != want {
			t.Fatalf("echo = %q, want %q", got, want)
		}
	}
	echoes := time.Since(began)
	began = time.Now()
	res, err := ex.CallTool(callCtx(t, 20*time.Second), "bad", "flood", map[string]any{"mib": 32})
	if err != nil || textOf(res) != "flooded" {
		t.Fatalf("flood: %q, %v", textOf(res), err)
	}
	flooded := time.Since(began)
	growth := heap() - heapBefore
	if growth > 16<<20 {
		t.Errorf("heap grew by %d MiB while 96 MiB went through stderr", growth>>20)
	}
	if echoes > 10*time.Second {
		t.Errorf("200 echoes took %s during a stderr flood", echoes)
	}
	t.Logf("200 echoes during a 64 MiB flood: %s; a call writing 32 MiB to stderr: %s; heap growth %d KiB",
		echoes.Round(time.Millisecond), flooded.Round(time.Millisecond), growth>>10)
}

func heap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
