package chaos

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// httpDemo is a `spine demo-server --http` process in a process group of its own.
type httpDemo struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{} // closed once the server is reaped

	mu     sync.Mutex
	reaped bool
}

// startHTTPDemo starts the demo server over HTTP on addr (127.0.0.1:0 for any port) and
// stops it when the test ends.
func startHTTPDemo(t *testing.T, h *hygiene, addr string) *httpDemo {
	t.Helper()
	cmd := exec.Command(spinetest.Binary(t), "demo-server", "--http", addr)
	cmd.Env = append(os.Environ(), markEnv+"="+h.mark)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &httpDemo{cmd: cmd, done: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			urls <- strings.TrimSpace(sc.Text())
		}
		close(urls)
		for sc.Scan() {
		}
		d.reap()
	}()
	t.Cleanup(d.kill)
	select {
	case d.url = <-urls:
	case <-time.After(spinetest.Patience):
		t.Fatal("the HTTP demo server printed no URL")
	}
	if d.url == "" {
		t.Fatal("the HTTP demo server exited before listening")
	}
	return d
}

// kill ends the server's process group at once and waits for it. The group is signalled
// only while its leader is unreaped: once reaped, its pid — the group's id — may be another
// process's (pids wrap at pid_max, 32,768 here), and kill(-pid) would reach that one's group:
// another test's servers, or the test run itself.
func (d *httpDemo) kill() {
	d.mu.Lock()
	if !d.reaped {
		_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
	}
	d.mu.Unlock()
	<-d.done
}

// reap waits for the server to exit, then reaps it, under mu: kill never signals its group
// after that.
func (d *httpDemo) reap() {
	awaitExit(d.cmd.Process.Pid)
	d.mu.Lock()
	_ = d.cmd.Wait()
	d.reaped = true
	d.mu.Unlock()
	close(d.done)
}

// TestHTTPServerGoesAwayAndComesBack kills an HTTP server under a warm session and restarts
// it on the same port: calls fail while it is away (with an error, not a hang), and once it
// is back the session it forgot is replaced and calls work again.
func TestHTTPServerGoesAwayAndComesBack(t *testing.T) {
	h := checkHygiene(t)
	demo := startHTTPDemo(t, h, "127.0.0.1:0")
	spec := capability.ServerSpec{
		Name: "remote", Transport: capability.TransportHTTP, URL: demo.url, Enabled: true,
		Policy: capability.DefaultPolicy(),
	}
	// While the server is away a dial is refused at once: connect_timeout only bounds the
	// handshakes after it is back, which a busy machine slows.
	spec.ConnectTimeout = spinetest.Patience
	spec.CircuitReset = 500 * time.Millisecond
	ex := start(t, []capability.ServerSpec{spec})
	mustCall(t, ex, "remote", "echo", map[string]any{"text": "before"})

	demo.kill()
	for i := range 3 {
		began := time.Now()
		_, err := ex.CallTool(callCtx(t, 5*time.Second), "remote", "echo", map[string]any{"text": "away"})
		if err == nil {
			t.Fatalf("call %d succeeded with the server away", i)
		}
		if !strings.Contains(err.Error(), `server "remote"`) {
			t.Errorf("call %d: %q does not name the server", i, err)
		}
		t.Logf("away, call %d after %s: %v", i, time.Since(began).Round(time.Millisecond), err)
	}

	u, err := url.Parse(demo.url)
	if err != nil {
		t.Fatal(err)
	}
	startHTTPDemo(t, h, u.Host)
	var last error
	ok := waitFor(spinetest.Patience, func() bool {
		var res *mcp.CallToolResult
		res, last = ex.CallTool(callCtx(t, spinetest.Patience), "remote", "echo", map[string]any{"text": "back"})
		return last == nil && textOf(res) == "back"
	})
	if !ok {
		t.Fatalf("no working call within %s of the server coming back: %v", spinetest.Patience, last)
	}
	for i := range 5 {
		want := fmt.Sprint("again-", i)
		if got := textOf(mustCall(t, ex, "remote", "echo", map[string]any{"text": want})); got != want {
			t.Fatalf("echo = %q, want %q", got, want)
		}
	}
	st := ex.Stats().Servers["remote"]
	if st.SessionsCreated < 2 {
		t.Errorf("sessions created = %d: the forgotten session was not replaced", st.SessionsCreated)
	}
	t.Logf("stats %+v", st)
}

// sessionLog records, for every MCP session id an HTTP server handed out, which values of
// one header (Authorization, unless header names another) came with its requests.
type sessionLog struct {
	header string
	mu     sync.Mutex
	auth   map[string][]string // session id -> values seen
}

func (l *sessionLog) record(sid, auth string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !slices.Contains(l.auth[sid], auth) {
		l.auth[sid] = append(l.auth[sid], auth)
	}
}

// middleware records each request's session id (from the request, or from the response
// for the initialize request that creates the session) with its header's value.
func (l *sessionLog) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get(cmp.Or(l.header, "Authorization"))
		if sid := r.Header.Get("Mcp-Session-Id"); sid != "" {
			l.record(sid, auth)
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&sidWriter{ResponseWriter: w, onHeader: func(sid string) { l.record(sid, auth) }}, r)
	})
}

// sidWriter tells onHeader the session id a response assigns.
type sidWriter struct {
	http.ResponseWriter
	onHeader func(sid string)
	seen     bool
}

func (w *sidWriter) WriteHeader(code int) {
	if !w.seen {
		w.seen = true
		if sid := w.Header().Get("Mcp-Session-Id"); sid != "" {
			w.onHeader(sid)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *sidWriter) Write(b []byte) (int, error) {
	if !w.seen {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *sidWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// echoServer returns an in-process MCP server with a read-only echo tool that answers with
// the value of header (e.g. Authorization) the call came with, and the text.
func echoServer(header string) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "identity-echo", Version: "1"}, nil)
	type in struct {
		Text string `json:"text"`
	}
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true}},
		func(_ context.Context, req *mcp.CallToolRequest, args in) (*mcp.CallToolResult, any, error) {
			auth := ""
			if req.Extra != nil {
				auth = req.Extra.Header.Get(header)
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: auth + "|" + args.Text}}}, nil, nil
		})
	return s
}

// TestIdentityIsolationOverHTTP has callers with four different Authorization headers call
// an HTTP server with isolation = "identity", concurrently, and checks on the server that
// every MCP session only ever saw one Authorization header: its handshake, its stream, its
// calls, its probes and its close all carry the identity it belongs to.
func TestIdentityIsolationOverHTTP(t *testing.T) {
	checkHygiene(t)
	log := &sessionLog{auth: map[string][]string{}}
	srv := echoServer("Authorization")
	ts := httptest.NewServer(log.middleware(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, nil)))
	t.Cleanup(ts.Close)
	spec := capability.ServerSpec{
		Name: "remote", Transport: capability.TransportHTTP, URL: ts.URL, Enabled: true,
		Policy: capability.DefaultPolicy(),
	}
	spec.Isolation = capability.IsolationIdentity
	spec.MaxInflight = 2
	spec.HealthInterval = 20 * time.Millisecond // idle sessions are probed often
	goroutines := runtime.NumGoroutine()
	ex, err := executor.New(spinetest.Project(spec))
	if err != nil {
		t.Fatal(err)
	}

	const identities, callers, calls = 4, 6, 15
	var wg sync.WaitGroup
	for id := range identities {
		auth := fmt.Sprintf("Bearer token-of-user-%d", id)
		ctx := executor.WithHeaders(context.Background(), http.Header{"Authorization": {auth}})
		for c := range callers {
			wg.Go(func() {
				for i := range calls {
					text := fmt.Sprintf("u%d-c%d-%d", id, c, i)
					if i%5 == 4 {
						time.Sleep(30 * time.Millisecond) // idle long enough to be probed
					}
					cctx, cancel := context.WithTimeout(ctx, spinetest.Patience)
					res, err := ex.CallTool(cctx, "remote", "echo", map[string]any{"text": text})
					cancel()
					if err != nil {
						t.Errorf("%s: %v", text, err)
						return
					}
					if got := textOf(res); got != auth+"|"+text {
						t.Errorf("%s: got %q", text, got)
					}
				}
			})
		}
	}
	wg.Wait()
	st := ex.Stats().Servers["remote"]
	closeWithin(t, ex, closeBound)
	// With the server still up: nothing of the executor's may linger, idle HTTP connections
	// included.
	if !waitFor(spinetest.Patience, func() bool { return runtime.NumGoroutine() <= goroutines }) {
		t.Errorf("%d goroutines after Close, %d before New", runtime.NumGoroutine(), goroutines)
	}

	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.auth) < identities {
		t.Errorf("%d sessions for %d identities", len(log.auth), identities)
	}
	for sid, auths := range log.auth {
		if len(auths) != 1 || auths[0] == "" {
			t.Errorf("session %s saw Authorization %q: want exactly one identity's", sid, auths)
		}
	}
	t.Logf("%d sessions for %d identities; stats %+v", len(log.auth), identities, st)
}

// TestIdentityFromAnyPerCallHeader has two identities whose per-call headers differ only in
// X-Access-Token — a header SPINE has no list entry for — call an HTTP server with isolation =
// "identity", concurrently, and checks on the server that they never shared a session: there
// are sessions for both, and every session only ever saw one token (handshake, stream, calls,
// probes and close).
func TestIdentityFromAnyPerCallHeader(t *testing.T) {
	checkHygiene(t)
	log := &sessionLog{header: "X-Access-Token", auth: map[string][]string{}}
	srv := echoServer("X-Access-Token")
	ts := httptest.NewServer(log.middleware(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, nil)))
	t.Cleanup(ts.Close)
	spec := capability.ServerSpec{
		Name: "remote", Transport: capability.TransportHTTP, URL: ts.URL, Enabled: true,
		Policy: capability.DefaultPolicy(),
	}
	spec.Isolation = capability.IsolationIdentity
	spec.MaxInflight = 2
	spec.HealthInterval = 20 * time.Millisecond // idle sessions are probed often
	ex := start(t, []capability.ServerSpec{spec})

	tokens := []string{"access-token-of-alice", "access-token-of-bob"}
	const callers, calls = 3, 10
	var wg sync.WaitGroup
	for _, token := range tokens {
		// the same tenant for both: only the token tells them apart
		ctx := executor.WithHeaders(context.Background(), http.Header{"X-Access-Token": {token}, "X-Tenant-Id": {"acme"}})
		for c := range callers {
			wg.Go(func() {
				for i := range calls {
					text := fmt.Sprintf("c%d-%d", c, i)
					if i%5 == 4 {
						time.Sleep(30 * time.Millisecond) // idle long enough to be probed
					}
					cctx, cancel := context.WithTimeout(ctx, spinetest.Patience)
					res, err := ex.CallTool(cctx, "remote", "echo", map[string]any{"text": text})
					cancel()
					if err != nil {
						t.Errorf("%s %s: %v", token, text, err)
						return
					}
					if got := textOf(res); got != token+"|"+text {
						t.Errorf("%s %s: got %q", token, text, got)
					}
				}
			})
		}
	}
	wg.Wait()
	closeWithin(t, ex, closeBound)

	log.mu.Lock()
	defer log.mu.Unlock()
	byToken := map[string]int{}
	for sid, seen := range log.auth {
		if len(seen) != 1 || seen[0] == "" {
			t.Errorf("session %s saw X-Access-Token %q: want exactly one identity's", sid, seen)
			continue
		}
		byToken[seen[0]]++
	}
	for _, token := range tokens {
		if byToken[token] == 0 {
			t.Errorf("no session of its own for %s: sessions %v", token, log.auth)
		}
	}
	t.Logf("sessions per token: %v", byToken)
}
