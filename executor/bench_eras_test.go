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

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// BenchmarkEras measures a warm pooled call (echo) in each protocol era over stdio and HTTP,
// in one run: the same four executors take turns, round after round, so that the machine's
// load weighs on every row alike. Each row reports the median call time (p50-µs) and the
// CPU SPINE's process spent per call (cpu-µs/call; the demo servers run in processes of their
// own, so their CPU is not counted). One caller, one session: the cost of a call, not the
// throughput of a pool.
//
//	go test -run '^$' -bench BenchmarkEras -benchtime 2000x ./executor/
func BenchmarkEras(b *testing.B) {
	stateful, stateless := demoProcess(b, false), demoProcess(b, true)
	rows := []struct {
		name string
		spec capability.ServerSpec
	}{
		{"stdio-2025-11-25", pinned(spinetest.Demo(b, "a"), "2025-11-25")},
		{"stdio-2026-07-28", pinned(spinetest.Demo(b, "b"), "2026-07-28")},
		{"http-2025-11-25", pinned(httpDemo(b, "c", stateful), "2025-11-25")},
		{"http-2026-07-28", pinned(httpDemo(b, "d", stateless), "2026-07-28")},
	}
	specs := make([]capability.ServerSpec, len(rows))
	for i, r := range rows {
		specs[i] = r.spec
	}
	ex := benchExecutor(b, specs...)
	for _, r := range rows {
		warmPool(b, ex, r.spec.Name, 1)
	}
	const rounds = 10
	perRound := max(b.N/rounds, 1)
	lat := make([][]time.Duration, len(rows))
	cpu := make([]time.Duration, len(rows))
	ctx := context.Background()
	b.ResetTimer()
	for round := range rounds {
		for k := range rows {
			i := (k + round) % len(rows) // each row goes first as often as the others
			name := rows[i].spec.Name
			start := cpuTime()
			for range perRound {
				t0 := time.Now()
				res, err := ex.CallTool(ctx, name, "echo", echoArgs)
				lat[i] = append(lat[i], time.Since(t0))
				if err != nil || res.IsError {
					b.Fatalf("%s: %v", rows[i].name, err)
				}
			}
			cpu[i] += cpuTime() - start
		}
	}
	b.StopTimer()
	for i, r := range rows {
		s := slices.Clone(lat[i])
		slices.Sort(s)
		b.ReportMetric(float64(s[len(s)/2].Nanoseconds())/1e3, r.name+"-p50-µs")
		b.ReportMetric(float64(cpu[i].Nanoseconds())/1e3/float64(len(s)), r.name+"-cpu-µs/call")
	}
}

func pinned(spec capability.ServerSpec, protocol string) capability.ServerSpec {
	spec.Protocol, spec.MaxSessions = protocol, 1
	return spec
}

// demoProcess runs `spine demo-server --http 127.0.0.1:0` (with --stateless: both eras) in a
// process of its own and returns its URL; it is stopped when b ends.
func demoProcess(b testing.TB, stateless bool) string {
	b.Helper()
	args := []string{"demo-server", "--http", "127.0.0.1:0"}
	if stateless {
		args = append(args, "--stateless")
	}
	cmd := exec.Command(spinetest.Binary(b), args...)
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
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http://") {
		b.Fatalf("demo server printed %q, %v", line, err)
	}
	return strings.TrimSpace(line)
}
