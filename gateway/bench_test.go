package gateway_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/bench"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// BenchmarkServeEcho measures echo through spine serve --http (in front of the stdio demo
// server) against the demo server's own HTTP endpoint, with go-sdk's client: per-call p50
// and p99 with one client, and calls/s with 32 clients, each on its own session.
//
//	go test -run '^$' -bench ServeEcho -benchtime 2000x ./gateway/
//
// With 32 clients it also reports the CPU time spent per call by the target's process tree
// (the gateway and its upstream servers: cpu-µs/call) and by the target's process alone
// (own-cpu-µs/call), from /proc (Linux only).
//
// With SPINE_BENCH_TARGETS set (NAME=URL#TOOL#PID, comma-separated), it measures those
// endpoints instead, in that order, and starts nothing: scripts/bench-peers.sh runs peer
// gateways so.
func BenchmarkServeEcho(b *testing.B) {
	type target struct {
		name, url, tool string
		pid             int
	}
	var targets []target
	if env := os.Getenv("SPINE_BENCH_TARGETS"); env != "" {
		for _, t := range strings.Split(env, ",") {
			name, rest, ok1 := strings.Cut(t, "=")
			f := strings.Split(rest, "#")
			pid, err := strconv.Atoi(f[len(f)-1])
			if !ok1 || len(f) != 3 || err != nil {
				b.Fatalf("SPINE_BENCH_TARGETS: %q: want NAME=URL#TOOL#PID", t)
			}
			targets = append(targets, target{name, f[0], f[1], pid})
		}
	} else {
		dir := b.TempDir()
		writeProject(b, dir, demoProject)
		direct, dpid := startURL(b, "", "demo-server", "--http", "127.0.0.1:0")
		gw, gpid := startURL(b, dir, "serve", "--http", "127.0.0.1:0")
		targets = []target{{"direct", direct, "echo", dpid}, {"gateway", gw, "demo__echo", gpid}}
	}
	for _, tc := range targets {
		b.Run(tc.name+"/1", func(b *testing.B) {
			cs := benchSession(b, tc.url)
			echo(b, cs, tc.tool, 100) // warm
			b.ResetTimer()
			lat := echo(b, cs, tc.tool, b.N)
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
		b.Run(tc.name+"/32", func(b *testing.B) {
			const clients = 32
			sessions := make([]*mcp.ClientSession, clients)
			for i := range sessions {
				sessions[i] = benchSession(b, tc.url)
				echo(b, sessions[i], tc.tool, 10)
			}
			per := max(b.N/clients, 1)
			b.ResetTimer()
			own, tree := bench.TreeCPU(tc.pid)
			start := time.Now()
			var wg sync.WaitGroup
			for _, cs := range sessions {
				wg.Add(1)
				go func() {
					defer wg.Done()
					echo(b, cs, tc.tool, per)
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(per*clients)/time.Since(start).Seconds(), "calls/s")
			own2, tree2 := bench.TreeCPU(tc.pid)
			b.ReportMetric(float64((tree2-tree).Microseconds())/float64(per*clients), "cpu-µs/call")
			b.ReportMetric(float64((own2-own).Microseconds())/float64(per*clients), "own-cpu-µs/call")
		})
	}
}

func echo(b *testing.B, cs *mcp.ClientSession, tool string, n int) []time.Duration {
	lat := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: map[string]any{"text": "hi"}}); err != nil {
			b.Error(err)
			return lat
		}
		lat = append(lat, time.Since(t0))
	}
	return lat
}

func benchSession(b *testing.B, url string) *mcp.ClientSession {
	c := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
	cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: url}, legacy)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cs.Close() })
	return cs
}

// startURL starts the spine binary with args in dir and returns the URL it prints and its
// pid; it is stopped with SIGTERM when the benchmark ends.
func startURL(b *testing.B, dir string, args ...string) (string, int) {
	cmd := exec.Command(spinetest.Binary(b), args...)
	cmd.Dir = dir
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(out)
	if !sc.Scan() {
		b.Fatalf("spine %v printed no URL", args)
	}
	return sc.Text(), cmd.Process.Pid
}
