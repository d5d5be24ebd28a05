package executor_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// sleepMs is how long each call of the scaling benchmark sleeps on the server.
const sleepMs = 20

// BenchmarkSleepScaling: throughput of `sleep {ms=20}` calls against pool shape, over stdio:
// sessions × in-flight callers keep every slot busy. The ideal is sessions × in-flight / 20 ms;
// pct-of-ideal says how close the pool comes. One sub-benchmark per shape, 1 to 16 sessions,
// 1 and 8 calls in flight per session. The whole sweep takes ~30 s with -benchtime=1s.
func BenchmarkSleepScaling(b *testing.B) {
	for _, inflight := range []int{1, 8} {
		for _, sessions := range []int{1, 2, 4, 8, 16} {
			spec := benchSpec(b, "demo", capability.TransportStdio)
			spec.MinSessions, spec.MaxSessions, spec.MaxInflight = sessions, sessions, inflight
			// One executor per shape, kept warm across the b.N rounds of its sub-benchmark.
			ex, err := executor.New(spinetest.Project(spec))
			if err != nil {
				b.Fatal(err)
			}
			warmPool(b, ex, "demo", sessions)
			b.Run(fmt.Sprintf("inflight=%d/sessions=%d", inflight, sessions), func(b *testing.B) {
				benchScaling(b, ex, sessions*inflight)
			})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_ = ex.Close(ctx)
			cancel()
		}
	}
}

func benchScaling(b *testing.B, ex *executor.Executor, callers int) {
	ctx := context.Background()
	args := map[string]any{"ms": sleepMs}
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	b.ResetTimer()
	start := time.Now()
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				res, err := ex.CallTool(ctx, "demo", "sleep", args)
				if err != nil || res.IsError {
					b.Error(err, res)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	perSec := float64(b.N) / elapsed.Seconds()
	ideal := float64(callers) * 1000 / sleepMs
	b.ReportMetric(perSec, "calls/s")
	b.ReportMetric(100*perSec/ideal, "pct-of-ideal")
}
