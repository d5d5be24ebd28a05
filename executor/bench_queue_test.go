package executor_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// BenchmarkQueueDepth: echo calls from 64 to 4,096 concurrent callers on 4 stdio sessions,
// side by side, interleaved at each depth:
//
//	pooled  16 slots per session (the default max_inflight), so all but 64 callers wait in
//	        the pool's queue: the pool's cost as its queue grows
//	deep    1,024 slots per session: as many calls written at once as raw writes at 4,096
//	        callers, the like-for-like comparison of throughput
//	raw     four go-sdk sessions to the same server, each caller using one, unbounded
//
// client-cpu-us/call is this process's CPU per call (SPINE plus go-sdk's client side); the
// pooled figure should stay flat as the queue grows, and calls/s stay near raw's.
func BenchmarkQueueDepth(b *testing.B) {
	pooled := queueExecutor(b, 16)
	deep := queueExecutor(b, 1024)
	raw := make([]*mcp.ClientSession, 4)
	for i := range raw {
		raw[i] = dialRaw(b, benchSpec(b, "demo", capability.TransportStdio))
	}
	for _, callers := range []int{64, 1024, 4096} {
		for _, mode := range []struct {
			name string
			ex   *executor.Executor
		}{{"pooled", pooled}, {"deep", deep}} {
			b.Run(fmt.Sprintf("callers=%d/%s", callers, mode.name), func(b *testing.B) {
				driveCallers(b, callers, func(ctx context.Context, _ int) error {
					_, err := mode.ex.CallTool(ctx, "demo", "echo", echoArgs)
					return err
				})
			})
		}
		b.Run(fmt.Sprintf("callers=%d/raw", callers), func(b *testing.B) {
			driveCallers(b, callers, func(ctx context.Context, caller int) error {
				return rawEcho(ctx, raw[caller%len(raw)])
			})
		})
	}
}

// queueExecutor is an executor with 4 warm stdio sessions of the demo server, inflight
// slots each.
func queueExecutor(b *testing.B, inflight int) *executor.Executor {
	spec := benchSpec(b, "demo", capability.TransportStdio)
	spec.MinSessions, spec.MaxSessions, spec.MaxInflight = 4, 4, inflight
	spec.AcquireTimeout = 10 * time.Minute
	ex, err := executor.New(spinetest.Project(spec))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ex.Close(context.Background()) })
	warmPool(b, ex, "demo", 4)
	return ex
}

// driveCallers makes b.N calls from callers goroutines (caller is each one's index) and
// reports calls/s and this process's CPU per call.
func driveCallers(b *testing.B, callers int, call func(ctx context.Context, caller int) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	cpu0 := cpuTime()
	b.ResetTimer()
	start := time.Now()
	for caller := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := call(context.Background(), caller); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "client-cpu-us/call")
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
