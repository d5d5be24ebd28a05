package executor_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/bench"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// BenchmarkIdleSessionHeap: live heap of this process per idle session, with many sessions
// open at once (run with -benchtime=1x: each round opens them all).
//
//	spine/http        session actors of one pool (min_sessions = max_sessions = N), each with
//	                  its streamable-HTTP go-sdk session to one demo server process
//	raw-sdk/http      the same number of bare go-sdk sessions (bench.Connect), no actors: the
//	                  share of the SDK and its transport
//	spine/stdio       session actors over stdio (fewer: each is a server process)
//	raw-sdk/stdio     the same number of bare go-sdk sessions over CommandTransport
//
// The per-runtime cost (actor system, server actor) is measured apart and taken out. Goroutine
// stacks are not heap: they are reported apart (stack-B/session).
func BenchmarkIdleSessionHeap(b *testing.B) {
	for _, c := range []struct {
		name      string
		transport capability.Transport
		n         int
		raw       bool
	}{
		{"spine/http", capability.TransportHTTP, 1000, false},
		{"raw-sdk/http", capability.TransportHTTP, 1000, true},
		{"spine/stdio", capability.TransportStdio, 100, false},
		{"raw-sdk/stdio", capability.TransportStdio, 100, true},
	} {
		b.Run(fmt.Sprintf("%s/sessions=%d", c.name, c.n), func(b *testing.B) {
			spec := benchSpec(b, "demo", c.transport)
			for range b.N {
				var m heapPerSession
				if c.raw {
					m = rawSessionHeap(b, spec, c.n)
				} else {
					m = idleSessionHeap(b, spec, c.n)
				}
				b.ReportMetric(m.heap, "heap-B/session")
				b.ReportMetric(m.stack, "stack-B/session")
				b.ReportMetric(m.goroutines, "goroutines/session")
				b.ReportMetric(m.fixed, "runtime-heap-B")
			}
		})
	}
}

type heapPerSession struct{ heap, stack, goroutines, fixed float64 }

type memPoint struct{ heap, stack, goroutines int64 }

// measure returns the live heap after two collections, the stacks in use and the goroutines,
// once the goroutine count has been steady for 200ms (connections being set up or torn down
// have settled).
func measure() memPoint {
	steady, last := 0, -1
	for deadline := time.Now().Add(10 * time.Second); steady < 4 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		if n := runtime.NumGoroutine(); n == last {
			steady++
		} else {
			steady, last = 0, n
		}
	}
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memPoint{heap: int64(ms.HeapAlloc), stack: int64(ms.StackInuse), goroutines: int64(runtime.NumGoroutine())}
}

func (p memPoint) sub(o memPoint) memPoint {
	return memPoint{heap: p.heap - o.heap, stack: p.stack - o.stack, goroutines: p.goroutines - o.goroutines}
}

// idleSessionHeap opens n idle sessions in one pool and returns what each costs, without the
// runtime's own cost (an executor over the same server with no session open).
func idleSessionHeap(b *testing.B, spec capability.ServerSpec, n int) heapPerSession {
	start := measure()
	empty, err := executor.New(spinetest.Project(spec))
	if err != nil {
		b.Fatal(err)
	}
	fixed := measure().sub(start)
	closeNow(empty)

	spec.MinSessions, spec.MaxSessions = n, n
	spec.ConnectTimeout = 2 * time.Minute
	before := measure()
	ex, err := executor.New(spinetest.Project(spec))
	if err != nil {
		b.Fatal(err)
	}
	defer closeNow(ex)
	deadline := time.Now().Add(3 * time.Minute)
	for ex.Stats().Servers["demo"].Sessions.Ready < int64(n) {
		if time.Now().After(deadline) {
			b.Fatalf("%d sessions not ready in time: %+v", n, ex.Stats().Servers["demo"])
		}
		time.Sleep(20 * time.Millisecond)
	}
	used := measure().sub(before)
	return heapPerSession{
		heap:       (float64(used.heap) - float64(fixed.heap)) / float64(n),
		stack:      (float64(used.stack) - float64(fixed.stack)) / float64(n),
		goroutines: float64(used.goroutines-fixed.goroutines) / float64(n),
		fixed:      float64(fixed.heap),
	}
}

// rawSessionHeap opens n bare go-sdk sessions and returns what each costs.
func rawSessionHeap(b *testing.B, spec capability.ServerSpec, n int) heapPerSession {
	before := measure()
	sessions := make([]*bench.RawSession, n)
	var (
		wg   sync.WaitGroup
		sem  = make(chan struct{}, 32)
		mu   sync.Mutex
		fail error
	)
	for i := range sessions {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s, err := bench.Connect(context.Background(), spec, nil)
			if err != nil {
				mu.Lock()
				fail = err
				mu.Unlock()
				return
			}
			sessions[i] = s
		}()
	}
	wg.Wait()
	defer func() {
		for _, s := range sessions {
			if s != nil {
				wg.Add(1)
				go func() { defer wg.Done(); s.Close() }()
			}
		}
		wg.Wait()
	}()
	if fail != nil {
		b.Fatal(fail)
	}
	used := measure().sub(before)
	return heapPerSession{
		heap:       float64(used.heap) / float64(n),
		stack:      float64(used.stack) / float64(n),
		goroutines: float64(used.goroutines) / float64(n),
	}
}

func closeNow(ex *executor.Executor) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = ex.Close(ctx)
}
