package chaos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

func TestMain(m *testing.M) { spinetest.Main(m) }

var (
	badOnce sync.Once
	badPath string
	badErr  error
)

// badServer returns the path of the badserver binary, built once per test process beside
// the spine binary (and removed with it).
func badServer(t testing.TB) string {
	t.Helper()
	spine := spinetest.Binary(t)
	badOnce.Do(func() {
		badPath = filepath.Join(filepath.Dir(spine), "badserver")
		cmd := exec.Command("go", "build", "-o", badPath, "./badserver")
		if out, err := cmd.CombinedOutput(); err != nil {
			badErr = fmt.Errorf("go build ./badserver: %v\n%s", err, out)
		}
	})
	if badErr != nil {
		t.Fatal(badErr)
	}
	return badPath
}

// markEnv is the environment variable that marks every process a test starts: servers
// inherit it, and so does everything they start, also what leaves their process tree.
const markEnv = "CHAOS_MARK"

// hygiene is what a test started with: goroutines, open files, and the mark of its
// processes. Its check runs when the test ends, after everything registered later (the
// executor's Close among them).
type hygiene struct {
	mark       string
	goroutines int
	fds        int
}

// checkHygiene records the baseline now and, when the test ends, waits (bounded) for the
// goroutines and file descriptors to be back at it and for no marked process and no child
// of this process to be left.
func checkHygiene(t *testing.T) *hygiene {
	t.Helper()
	badServer(t) // builds happen before the baseline
	h := &hygiene{
		mark:       fmt.Sprintf("%s-%d-%d", strings.ReplaceAll(t.Name(), "/", "-"), os.Getpid(), time.Now().UnixNano()),
		goroutines: runtime.NumGoroutine(),
		fds:        openFDs(),
	}
	t.Cleanup(func() {
		var why string
		ok := waitFor(spinetest.Patience, func() bool {
			g, f, procs, kids := runtime.NumGoroutine(), openFDs(), marked(h.mark), children()
			why = fmt.Sprintf("goroutines %d (was %d), fds %d (was %d), marked processes %v, children %v",
				g, h.goroutines, f, h.fds, procs, kids)
			return g <= h.goroutines && f <= h.fds && len(procs) == 0 && len(kids) == 0
		})
		if !ok {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("leak after the test: %s\n%s", why, buf)
		}
	})
	return h
}

// env returns the environment that marks a server's processes as this test's.
func (h *hygiene) env() map[string]string { return map[string]string{markEnv: h.mark} }

// demo returns the spec of a stdio demo server, marked.
func (h *hygiene) demo(t testing.TB, name string) capability.ServerSpec {
	spec := spinetest.Demo(t, name)
	spec.Env = h.env()
	return spec
}

// bad returns the spec of a stdio badserver started with flags, marked.
func (h *hygiene) bad(t testing.TB, name string, flags ...string) capability.ServerSpec {
	spec := spinetest.Demo(t, name)
	spec.Command, spec.Args = badServer(t), flags
	spec.Env = h.env()
	return spec
}

// start starts an executor over servers and closes it when the test ends; Close must
// return within closeBound.
func start(t *testing.T, servers []capability.ServerSpec, opts ...executor.Option) *executor.Executor {
	t.Helper()
	ex, err := executor.New(spinetest.Project(servers...), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeWithin(t, ex, closeBound) })
	return ex
}

// closeBound is how long Close may take: the drain plus the slowest teardown (stdin
// closed, 250 ms, SIGTERM, 2 s, SIGKILL) plus slack for a loaded machine.
const closeBound = 15 * time.Second

func closeWithin(t *testing.T, ex *executor.Executor, bound time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	begin := time.Now()
	if err := ex.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
	if d := time.Since(begin); d > bound {
		t.Errorf("Close took %s, over %s", d, bound)
	}
}

// slack is what a loaded machine may add to what the product does at once or at a deadline.
const slack = spinetest.Slack

// waitFor polls cond until it holds or timeout passes, and says whether it held.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond) // polling /proc and counters: there is no event to wait on
	}
	return true
}

// textOf returns the text of a tool result's first content.
func textOf(res *mcp.CallToolResult) string {
	if res == nil || len(res.Content) == 0 {
		return ""
	}
	if tc, ok := res.Content[0].(*mcp.TextContent); ok {
		return tc.Text
	}
	return ""
}

// typed reports whether err is one of the errors the executor promises: a sentinel or a
// timeout.
func typed(err error) bool {
	for _, target := range []error{executor.ErrUnknownServer, executor.ErrPoolExhausted, executor.ErrCircuitOpen,
		executor.ErrSessionLost, executor.ErrNotSent, executor.ErrMaybeRan, executor.ErrClosed, executor.ErrToolDisabled,
		context.DeadlineExceeded} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// callCtx is the context of one call in a test: bounded, so that a lost answer fails the
// test instead of hanging it.
func callCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// mustCall calls tool and fails the test on an error or an error result.
func mustCall(t testing.TB, ex *executor.Executor, server, tool string, args any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	res, err := ex.CallTool(ctx, server, tool, args)
	if err != nil {
		t.Fatalf("%s/%s: %v", server, tool, err)
	}
	if res.IsError {
		t.Fatalf("%s/%s: error result %q", server, tool, textOf(res))
	}
	return res
}
