package executor_test

import (
	"bufio"
	"context"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/bench"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// The benchmarks of this package measure the executor against the same call made on a plain
// go-sdk session (bench.Connect: go-sdk's own transports, protocol pinned to 2025-11-25)
// and against a session opened per call. The server is the shipped demo server, over stdio
// (a child process per session) or streamable HTTP (one child process serving loopback, so
// that -benchmem counts the client side only). See BENCHMARKS.md for how to run them.

// benchTransports are the transports the call benchmarks run over.
var benchTransports = []capability.Transport{capability.TransportStdio, capability.TransportHTTP}

// echoArgs are the arguments of every benchmarked echo call: a map, as Go callers pass them
// (the executor marshals it once; a raw go-sdk session marshals it inside CallTool).
var echoArgs = map[string]any{"text": "hi"}

// benchSpec returns a demo server spec named name over transport. Over HTTP one demo server
// process serves every session until b's cleanup.
func benchSpec(b testing.TB, name string, transport capability.Transport) capability.ServerSpec {
	b.Helper()
	spec := spinetest.Demo(b, name)
	if transport == capability.TransportHTTP {
		spec.Transport, spec.Command, spec.Args = capability.TransportHTTP, "", nil
		spec.URL = startHTTPDemo(b)
	}
	return spec
}

// startHTTPDemo runs `spine demo-server --http 127.0.0.1:0` and returns its URL; the server
// is stopped (SIGTERM, then waited for) when b ends.
func startHTTPDemo(b testing.TB) string {
	b.Helper()
	cmd := exec.Command(spinetest.Binary(b), "demo-server", "--http", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	url := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		url <- strings.TrimSpace(line)
	}()
	select {
	case u := <-url:
		if !strings.HasPrefix(u, "http://") {
			b.Fatalf("demo server --http printed %q, want its URL", u)
		}
		return u
	case <-time.After(10 * time.Second):
		b.Fatal("demo server --http printed no URL within 10s")
	}
	return ""
}

// benchExecutor starts an executor over specs, closed when b ends.
func benchExecutor(b testing.TB, specs ...capability.ServerSpec) *executor.Executor {
	b.Helper()
	ex, err := executor.New(spinetest.Project(specs...))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = ex.Close(ctx)
	})
	return ex
}

// warmPool makes one call (opening a session if none is open) and waits until server has
// sessions ready: the min_sessions of its spec, which open in the background.
func warmPool(b testing.TB, ex *executor.Executor, server string, sessions int) {
	b.Helper()
	if _, err := ex.CallTool(context.Background(), server, "echo", echoArgs); err != nil {
		b.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for ex.Stats().Servers[server].Sessions.Ready < int64(sessions) {
		if time.Now().After(deadline) {
			b.Fatalf("%d sessions of %q not ready within 60s: %+v", sessions, server, ex.Stats().Servers[server])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// dialRaw opens one plain session to spec, closed when b ends.
func dialRaw(b testing.TB, spec capability.ServerSpec) *mcp.ClientSession {
	b.Helper()
	s, err := bench.Connect(context.Background(), spec, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	return s.ClientSession()
}

// rawEcho is the call runOp makes for CallTool: fresh params, arguments as raw JSON.
func rawEcho(ctx context.Context, cs *mcp.ClientSession) error {
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: echoArgs})
	if err == nil && res.IsError {
		return errToolFailed
	}
	return err
}

type benchError string

func (e benchError) Error() string { return string(e) }

const errToolFailed = benchError("echo returned an isError result")

// latencies collects per-call times of a benchmark (preallocated, so that recording
// allocates nothing inside the timed loop) and reports their percentiles.
type latencies []time.Duration

func newLatencies(n int) latencies { return make(latencies, 0, n) }

// report adds p50 and p99 in microseconds to b's results.
func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	s := slices.Clone(l)
	slices.Sort(s)
	b.ReportMetric(float64(s[len(s)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(s[min(len(s)-1, len(s)*99/100)].Nanoseconds())/1e3, "p99-µs")
}

// median returns the median of ds.
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
