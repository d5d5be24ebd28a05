package chaos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestProtocolFaults has the bad server break the protocol on stdout — garbage, half a frame,
// a response to an id nobody asked for, a frame over the 16 MiB limit — and checks what the
// caller gets (in bounded time) and that the next call works, on a new session where the
// old one could not be trusted. A line that is not a message is skipped (a banner, a log
// line), up to a bound: garbage without end breaks the session.
func TestProtocolFaults(t *testing.T) {
	// Each case's bounds come from what ends its call. Garbage, an unknown id and an oversized
	// frame end it by what the client reads, however long reading takes (17 MiB under the race
	// detector on a busy machine takes seconds): call_timeout and the caller's deadline are
	// only there to stop a hang. Half a frame ends it at the caller's deadline, and then
	// call_timeout is far beyond deadline+slack, so that a call that missed its deadline fails
	// the check instead of ending at call_timeout.
	for _, c := range []struct {
		name        string
		tool        string
		args        map[string]any
		deadline    time.Duration // the caller's
		callTimeout time.Duration
		check       func(res string, err error) error
		sessions    int64 // sessions created once the next call has worked
	}{
		// The garbage line is skipped: the call gets no answer and ends at the caller's
		// deadline; the session answers its health probe and stays.
		{"garbage", "garbage", nil, 500 * time.Millisecond, spinetest.Patience, wantDeadline, 1},
		{"garbage_forever", "garbage_forever", nil, spinetest.Patience, spinetest.Patience, wantLostQuoting(`"garbage line `), 2},
		// Half a frame waits for the rest of its line: the call ends at the caller's
		// deadline. The next message ends that line; it is recovered from behind the broken
		// one, which is skipped, and the session stays.
		{"half_frame", "half", nil, 500 * time.Millisecond, spinetest.Patience, wantDeadline, 1},
		{"unknown_id", "unknown_id", map[string]any{"text": "mine"}, spinetest.Patience, spinetest.Patience, wantText("mine"), 1},
		{"over_16MiB", "huge", map[string]any{"mib": 17}, spinetest.Patience, spinetest.Patience, wantLost, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := checkHygiene(t)
			spec := h.bad(t, "bad")
			spec.CallTimeout = c.callTimeout
			ex := start(t, []capability.ServerSpec{spec})
			mustCall(t, ex, "bad", "echo", map[string]any{"text": "warm"})

			began := time.Now()
			res, err := ex.CallTool(callCtx(t, c.deadline), "bad", c.tool, c.args)
			took := time.Since(began)
			if cerr := c.check(textOf(res), err); cerr != nil {
				t.Errorf("%s: %v", c.tool, cerr)
			}
			if took > c.deadline+slack {
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
//
// "At speed" is measured against the same calls on the same machine once the background
// flood is over, so that it says something about the flood, not about how busy the machine is.
func TestStderrFlood(t *testing.T) {
	h := checkHygiene(t)
	spec := h.bad(t, "bad", "--stderr-flood", "64")
	over := &lineWatch{want: []byte("badserver: background flood done"), seen: make(chan struct{})}
	ex := start(t, []capability.ServerSpec{spec}, executor.WithLogger(zerolog.New(over).Level(zerolog.DebugLevel)))
	heapBefore := heap()

	echoes := func(round string) time.Duration {
		began := time.Now()
		for i := range 200 {
			want := fmt.Sprint(round, i)
			if got := textOf(mustCall(t, ex, "bad", "echo", map[string]any{"text": want})); got != want {
				t.Fatalf("echo = %q, want %q", got, want)
			}
		}
		return time.Since(began)
	}
	during := echoes("during-")
	began := time.Now()
	res, err := ex.CallTool(callCtx(t, spinetest.Patience), "bad", "flood", map[string]any{"mib": 32})
	if err != nil || textOf(res) != "flooded" {
		t.Fatalf("flood: %q, %v", textOf(res), err)
	}
	flooded := time.Since(began)
	growth := heap() - heapBefore
	if growth > 16<<20 {
		t.Errorf("heap grew by %d MiB while 96 MiB went through stderr", growth>>20)
	}
	select {
	case <-over.seen:
	case <-time.After(spinetest.Patience):
		t.Fatal("the background flood never ended")
	}
	after := echoes("after-")
	if limit := 10*after + slack; during > limit {
		t.Errorf("200 echoes took %s during a stderr flood, over %s (10x the %s they took after it, + %s)", during, limit, after, slack)
	}
	t.Logf("200 echoes during a 64 MiB flood: %s, after it: %s; a call writing 32 MiB to stderr: %s; heap growth %d KiB",
		during.Round(time.Millisecond), after.Round(time.Millisecond), flooded.Round(time.Millisecond), growth>>10)
}

// lineWatch is a log writer that discards what it gets and closes seen once a log line holds
// want.
type lineWatch struct {
	want []byte
	once sync.Once
	seen chan struct{}
}

func (w *lineWatch) Write(p []byte) (int, error) {
	if bytes.Contains(p, w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

func heap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
