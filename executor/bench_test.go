package executor_test

import (
	"context"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/bench"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// BenchmarkCall: one echo call of the demo server, over stdio and over loopback HTTP:
//
//	pooled           through the executor, on a warm pooled session
//	pooled-lane      the same from a caller that asks for a lane (executor.WithLane): the call
//	                 runs on the benchmark's goroutine, without the hops through the pool
//	raw              on one persistent go-sdk session (bench.Connect): the limit
//	cold             a fresh session per call: spawn or dial, handshake, call, close
//	pooled-parallel  through the executor from 4 goroutines per CPU (default pool: up to 4
//	                 sessions, 16 calls in flight each): ns/op is the inverse of throughput
//
// ns/op, allocs/op and the p50/p99 metrics are per call; -benchmem counts this process
// only (the servers are child processes).
func BenchmarkCall(b *testing.B) {
	for _, transport := range benchTransports {
		b.Run(string(transport), func(b *testing.B) {
			spec := benchSpec(b, "demo", transport)
			// One executor for the pooled runs: its session stays warm across b.N rounds.
			ex := benchExecutor(b, spec)
			b.Run("pooled", func(b *testing.B) { benchPooled(b, ex, false) })
			b.Run("pooled-lane", func(b *testing.B) { benchPooled(b, ex, true) })
			b.Run("raw", func(b *testing.B) { benchRaw(b, spec) })
			b.Run("cold", func(b *testing.B) { benchCold(b, spec) })
			b.Run("pooled-parallel", func(b *testing.B) { benchPooledParallel(b, ex) })
		})
	}
}

func benchPooled(b *testing.B, ex *executor.Executor, lane bool) {
	ctx := context.Background()
	if lane {
		ctx = executor.WithLane(ctx)
	}
	warmPool(b, ex, "demo", 1)
	lat := newLatencies(b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		res, err := ex.CallTool(ctx, "demo", "echo", echoArgs)
		if err != nil || res.IsError {
			b.Fatal(err, res)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	lat.report(b)
}

func benchRaw(b *testing.B, spec capability.ServerSpec) {
	ctx := context.Background()
	cs := dialRaw(b, spec)
	if err := rawEcho(ctx, cs); err != nil {
		b.Fatal(err)
	}
	lat := newLatencies(b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if err := rawEcho(ctx, cs); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	lat.report(b)
}

func benchCold(b *testing.B, spec capability.ServerSpec) {
	ctx := context.Background()
	lat := newLatencies(b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		s, err := bench.Connect(ctx, spec, mcp.NewClient(&mcp.Implementation{Name: "bench-cold"}, nil))
		if err != nil {
			b.Fatal(err)
		}
		err = rawEcho(ctx, s.ClientSession())
		s.Close()
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	lat.report(b)
}

func benchPooledParallel(b *testing.B, ex *executor.Executor) {
	ctx := context.Background()
	warmPool(b, ex, "demo", 1)
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := ex.CallTool(ctx, "demo", "echo", echoArgs)
			if err != nil || res.IsError {
				b.Error(err, res)
				return
			}
		}
	})
}

// BenchmarkNewClose: an executor started and closed with one configured server and no session
// opened — what every CLI command pays before its work.
func BenchmarkNewClose(b *testing.B) {
	project := spinetest.Project(spinetest.Demo(b, "demo"))
	b.ReportAllocs()
	for b.Loop() {
		ex, err := executor.New(project)
		if err != nil {
			b.Fatal(err)
		}
		if err := ex.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
