package executor_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// A workflow step may repeat only what the pool's retry policy allows: a crash (the call may
// have run) with retries = 1 runs once, and its error says why it was not retried.
func TestCrashStepRunsOnce(t *testing.T) {
	ex := workflowExecutor(t, spinetest.Demo(t, "demo"))
	wf := parseWorkflow(t, `
[[steps]]
id = "boom"
server = "demo"
tool = "crash"
retries = 1
`)
	rep, err := ex.RunWorkflow(context.Background(), wf)
	if err != nil {
		t.Fatal(err)
	}
	step := rep.Steps[0]
	if step.Status != executor.StepFailed || step.Attempts != 1 {
		t.Fatalf("crash step: %s after %d attempts, want failed after 1 (%s)", step.Status, step.Attempts, step.Error)
	}
	if !strings.Contains(step.Error, "may have run") || !strings.Contains(step.Error, "not retried") {
		t.Errorf("step error %q: want it to say the call may have run and was not retried", step.Error)
	}
	st := ex.Stats().Servers["demo"]
	if st.Calls != 1 || st.SessionsCreated != 1 {
		t.Errorf("server saw %d calls on %d sessions, want 1 call on 1 session", st.Calls, st.SessionsCreated)
	}
}

// A caller can tell "may have run" from "did not run", with errors.As and errors.Is.
func TestCallErrorClasses(t *testing.T) {
	spinetest.NoLeaks(t)
	ex := newExecutor(t, spinetest.Demo(t, "demo"))
	ctx := context.Background()

	_, err := ex.CallTool(ctx, "demo", "crash", nil)
	var ce *executor.CallError
	if !errors.As(err, &ce) || ce.Class != executor.ClassMaybeRan || ce.Server != "demo" || ce.Tool != "crash" {
		t.Fatalf("crash: %#v (%v), want a CallError of class maybe_ran naming demo and crash", ce, err)
	}
	if !errors.Is(err, executor.ErrSessionLost) || !errors.Is(err, executor.ErrMaybeRan) || errors.Is(err, executor.ErrNotSent) {
		t.Errorf("crash: %v: want ErrSessionLost and ErrMaybeRan, not ErrNotSent", err)
	}

	_, err = ex.CallTool(ctx, "nosuch", "echo", nil)
	if !errors.As(err, &ce) || ce.Class != executor.ClassRefused || !errors.Is(err, executor.ErrUnknownServer) {
		t.Errorf("unknown server: %v: want class refused, ErrUnknownServer", err)
	}

	_, err = ex.CallTool(ctx, "demo", "nosuch", nil)
	if !errors.As(err, &ce) || ce.Class != executor.ClassProtocol {
		t.Errorf("unknown tool: %v: want class protocol", err)
	}

	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = ex.CallTool(short, "demo", "hang", nil)
	if !errors.As(err, &ce) || ce.Class != executor.ClassTimeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hang past the deadline: %v: want class timeout matching context.DeadlineExceeded", err)
	}
}

// Eight goroutines running batches of two counter calls always see consecutive values: a
// batch holds its session alone.
func TestBatchHoldsItsSessionExclusively(t *testing.T) {
	spinetest.NoLeaks(t)
	spec := spinetest.Demo(t, "demo")
	spec.MaxSessions = 2
	ex := newExecutor(t, spec)
	var wg sync.WaitGroup
	errs := make(chan error, 8*50)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				out, err := ex.Batch(context.Background(), "demo", []executor.Call{{Tool: "counter"}, {Tool: "counter"}})
				if err != nil {
					errs <- err
					return
				}
				if out[0].Err != nil || out[1].Err != nil {
					errs <- errors.Join(out[0].Err, out[1].Err)
					return
				}
				a, _ := strconv.Atoi(text(t, out[0].Result))
				b, _ := strconv.Atoi(text(t, out[1].Result))
				if b != a+1 {
					errs <- fmt.Errorf("batch got counter values %d and %d: another call ran between them", a, b)
				}
			}
		}()
	}
	// Plain calls at the same time must not slip into a batch's session either.
	for range 50 {
		if _, err := ex.CallTool(context.Background(), "demo", "counter", nil); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A server that refuses the handshake is reported in its own words.
func TestHandshakeErrorKeepsTheServersMessage(t *testing.T) {
	spinetest.NoLeaks(t)
	script := filepath.Join(t.TempDir(), "refuse.sh")
	const body = `read line
id=$(printf '%s' "$line" | sed 's/.*"id":\([0-9]*\).*/\1/')
printf '{"jsonrpc":"2.0","id":%s,"error":{"code":-32001,"message":"invalid API key: set ACME_KEY"}}\n' "$id"
echo "acme: no key" >&2
exit 1
`
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	spec := spinetest.Demo(t, "acme")
	spec.Command, spec.Args = "sh", []string{script}
	ex := newExecutor(t, spec)
	_, err := ex.CallTool(context.Background(), "acme", "anything", nil)
	if err == nil || !strings.Contains(err.Error(), "invalid API key: set ACME_KEY") {
		t.Fatalf("err = %v, want the server's own message", err)
	}
	if !errors.Is(err, executor.ErrNotSent) {
		t.Errorf("err = %v: a call whose server never started was not sent", err)
	}
}

// A server whose tools/list never stops paginating fails at max_list_pages with a clear
// error, and the session stays usable.
func TestEndlessPaginationIsBounded(t *testing.T) {
	spinetest.NoLeaks(t)
	var pages atomic.Int64
	s := mcp.NewServer(&mcp.Implementation{Name: "endless", Version: "1"}, nil)
	addEcho(s)
	s.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method != "tools/list" {
				return next(ctx, method, req)
			}
			n := pages.Add(1)
			tool := &mcp.Tool{Name: fmt.Sprintf("t%d", n), InputSchema: map[string]any{"type": "object"}}
			return &mcp.ListToolsResult{Tools: []*mcp.Tool{tool}, NextCursor: strconv.FormatInt(n, 10)}, nil
		}
	})
	spec := serveHTTP(t, "endless", s, nil)
	spec.MaxListPages = 20
	ex := newExecutor(t, spec)
	_, err := ex.ListTools(context.Background(), "endless")
	if err == nil || !strings.Contains(err.Error(), "max_list_pages 20") {
		t.Fatalf("err = %v, want a failure naming max_list_pages", err)
	}
	var ce *executor.CallError
	if !errors.As(err, &ce) || ce.Class != executor.ClassProtocol {
		t.Errorf("err = %v: want class protocol (the server's answer is at fault)", err)
	}
	// One bounded list at connect (annotations) and one for the call: never more pages.
	if n := pages.Load(); n > 2*20 {
		t.Errorf("server served %d pages, want at most %d", n, 2*20)
	}
	if _, err := ex.CallTool(context.Background(), "endless", "echo", map[string]any{"text": "still here"}); err != nil {
		t.Errorf("the session should survive a bounded list: %v", err)
	}
}

// A call that keeps reporting progress ends at max_call_time: progress renews call_timeout,
// never max_call_time.
func TestMaxCallTimeEndsEndlessProgress(t *testing.T) {
	spinetest.NoLeaks(t)
	s := mcp.NewServer(&mcp.Implementation{Name: "chatty", Version: "1"}, nil)
	s.AddTool(&mcp.Tool{Name: "forever", InputSchema: map[string]any{"type": "object"}},
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			token := req.Params.GetProgressToken()
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for n := 1.0; ; n++ {
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				// Once, on a busy machine, no cancellation reached this handler before the
				// session's DELETE, and closing a session waits for its calls: end with the
				// test too, so that its cleanup cannot wait for this call forever.
				case <-t.Context().Done():
					return nil, t.Context().Err()
				case <-tick.C:
					if token != nil {
						_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: token, Progress: n})
					}
				}
			}
		})
	spec := serveHTTP(t, "chatty", s, nil)
	// call_timeout is far longer than the 20 ms between notifications, even when a busy
	// machine delays some; max_call_time is beyond it, so that only renewals get the call there.
	spec.CallTimeout = spinetest.Slack
	spec.MaxCallTime = 2 * spinetest.Slack
	ex := newExecutor(t, spec)
	var seen atomic.Int64
	ctx := executor.WithCallProgress(context.Background(), func(executor.Progress) { seen.Add(1) })
	_, err := ex.CallTool(ctx, "chatty", "forever", nil)
	var ce *executor.CallError
	if !errors.As(err, &ce) || ce.Class != executor.ClassTimeout || !strings.Contains(err.Error(), "max_call_time") {
		t.Fatalf("err = %v, want class timeout naming max_call_time", err)
	}
	if seen.Load() == 0 {
		t.Errorf("no progress seen: the test did not exercise renewal")
	}
}

// An HTTP connection reset after the request was written means the tool may have run: a
// tool that is not read-only gets class maybe_ran and is not replayed; a read-only one is
// retried.
func TestHTTPResetAfterWriteIsMaybeRan(t *testing.T) {
	spinetest.NoLeaks(t)
	var writes, reads atomic.Int64
	s := mcp.NewServer(&mcp.Implementation{Name: "resetting", Version: "1"}, nil)
	tool := func(name string, ro bool, n *atomic.Int64) {
		s.AddTool(&mcp.Tool{Name: name, InputSchema: map[string]any{"type": "object"}, Annotations: &mcp.ToolAnnotations{ReadOnlyHint: ro}},
			func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				n.Add(1)
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: name}}}, nil
			})
	}
	tool("write", false, &writes)
	tool("read", true, &reads)
	var resets atomic.Int64
	resetOnce := map[string]*atomic.Bool{"write": {}, "read": {}}
	spec := serveHTTP(t, "resetting", s, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			for name, once := range resetOnce {
				if strings.Contains(string(body), `"tools/call"`) && strings.Contains(string(body), `"name":"`+name+`"`) && once.CompareAndSwap(false, true) {
					next.ServeHTTP(discard{header: http.Header{}}, r) // the tool runs...
					resets.Add(1)
					resetConn(w) // ...and the answer never comes back
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	})
	ex := newExecutor(t, spec)
	ctx := context.Background()

	_, err := ex.CallTool(ctx, "resetting", "write", nil)
	var ce *executor.CallError
	if !errors.As(err, &ce) || ce.Class != executor.ClassMaybeRan {
		t.Fatalf("write after a reset: %v, want class maybe_ran", err)
	}
	if n := writes.Load(); n != 1 {
		t.Errorf("write ran %d times, want once (never replayed)", n)
	}

	res, err := ex.CallTool(ctx, "resetting", "read", nil)
	if err != nil {
		t.Fatalf("read after a reset: %v, want it retried", err)
	}
	if got := text(t, res); got != "read" || reads.Load() != 2 {
		t.Errorf("read: %q after %d runs, want read after 2 (the reset one and the retry)", got, reads.Load())
	}
	if resets.Load() != 2 {
		t.Errorf("%d resets, want 2", resets.Load())
	}
}

// discard is a ResponseWriter that drops what it is given.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

// resetConn ends the request's connection with a TCP reset.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	conn.Close()
}

func addEcho(s *mcp.Server) {
	s.AddTool(&mcp.Tool{Name: "echo", InputSchema: map[string]any{"type": "object"}},
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(req.Params.Arguments)}}}, nil
		})
}

// serveHTTP serves s over streamable HTTP on loopback, wrapped in wrap when given, and
// returns the spec of a server reaching it.
func serveHTTP(t *testing.T, name string, s *mcp.Server, wrap func(http.Handler) http.Handler) capability.ServerSpec {
	t.Helper()
	var h http.Handler = mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	if wrap != nil {
		h = wrap(h)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	policy := capability.DefaultPolicy()
	policy.ConnectTimeout = 10 * time.Second
	return capability.ServerSpec{Name: name, Transport: capability.TransportHTTP, URL: hs.URL, Enabled: true, Policy: policy}
}

// 2,000 busy affinity keys never hold more than max_total_sessions sessions at once: a new
// key waits for a slot (an idle session of another key is closed to make one), and every
// call is served.
func TestAffinityKeysAreBoundedByMaxTotalSessions(t *testing.T) {
	spinetest.NoLeaks(t)
	keys, limit := 2000, 16
	if testing.Short() || spinetest.RaceEnabled {
		keys = 300 // the same bound under the same pressure (keys ≫ limit), in less time
	}
	var live, peak atomic.Int64
	s := mcp.NewServer(&mcp.Implementation{Name: "stateful", Version: "1"}, &mcp.ServerOptions{
		InitializedHandler: func(_ context.Context, req *mcp.InitializedRequest) {
			n := live.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			go func() {
				_ = req.Session.Wait()
				live.Add(-1)
			}()
		},
	})
	addEcho(s)
	spec := serveHTTP(t, "stateful", s, nil)
	spec.Isolation = capability.IsolationAffinity
	spec.MaxTotalSessions = limit
	spec.AcquireTimeout = 10 * time.Minute // every call must be served, however busy the machine: a safety bound, not a budget
	spec.HealthInterval = 0
	ex := newExecutor(t, spec)

	var wg sync.WaitGroup
	var failed atomic.Int64
	var firstErr atomic.Value
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := executor.WithAffinity(context.Background(), fmt.Sprintf("key-%d", i))
			if _, err := ex.CallTool(ctx, "stateful", "echo", map[string]any{"i": i}); err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err)
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d calls failed, first: %v", n, keys, firstErr.Load())
	}
	if p := peak.Load(); p > int64(limit) {
		t.Errorf("the server saw %d sessions at once, want at most max_total_sessions %d", p, limit)
	}
	if st := ex.Stats().Servers["stateful"]; st.SessionsCreated < int64(keys) {
		t.Errorf("%d sessions created for %d affinity keys: keys shared a session", st.SessionsCreated, keys)
	}
}

// A workflow with more parallel steps than its server's pool can serve at once queues them in
// the run instead of failing them at acquire_timeout.
func TestWorkflowQueuesStepsBeyondPoolCapacity(t *testing.T) {
	spec := spinetest.Demo(t, "demo")
	spec.MinSessions, spec.MaxSessions, spec.MaxInflight = 1, 1, 2
	// Far shorter than the run (12 steps of 100 ms, 2 at a time): steps queued in the pool
	// would fail. The session is warm before the run, so a step that is dispatched at once
	// never waits for it.
	spec.AcquireTimeout = 100 * time.Millisecond
	ex := workflowExecutor(t, spec)
	spinetest.Eventually(t, spinetest.Patience, "the warm session", func() bool { return ex.Stats().Servers["demo"].Sessions.Ready == 1 })
	var src strings.Builder
	for i := range 12 {
		fmt.Fprintf(&src, "[[steps]]\nid = \"s%d\"\nserver = \"demo\"\ntool = \"sleep\"\nargs = { ms = 100 }\n\n", i)
	}
	rep, err := ex.RunWorkflow(context.Background(), parseWorkflow(t, src.String()))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK {
		t.Fatalf("run failed: %s", rep.Error)
	}
	for _, s := range rep.Steps {
		if s.Status != executor.StepOK || s.Attempts != 1 {
			t.Errorf("step %s: %s after %d attempts (%s)", s.ID, s.Status, s.Attempts, s.Error)
		}
	}
}

// A ServerSpec built by hand, without a policy, works: the defaults apply wherever it comes
// from.
func TestHandBuiltSpecWorks(t *testing.T) {
	spinetest.NoLeaks(t)
	spec := capability.ServerSpec{Name: "demo", Transport: capability.TransportStdio, Enabled: true,
		Command: spinetest.Binary(t), Args: []string{"demo-server"}}
	ex := newExecutor(t, spec)
	res, err := ex.CallTool(context.Background(), "demo", "echo", map[string]any{"text": "zero values work"})
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, res); got != "zero values work" {
		t.Fatalf("echo = %q", got)
	}
}
