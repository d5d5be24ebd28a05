package heapfloor

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

const (
	// basePercent is Go's default GOGC, the percentage kept once the live heap is large.
	basePercent = 100
	// maxPercent bounds the percentage whatever the live heap: with a live heap of a few
	// hundred KiB the floor would otherwise ask for a goal hundreds of times that heap.
	maxPercent = 5000
	// minLive is the least live heap the rule assumes: before the first collection the
	// runtime reports none.
	minLive = 1 << 20
	// goHeapMinimum is Go's least heap goal at GOGC=100, which scales with the percentage
	// (runtime/mgcpacer.go: heapMinimum = 4 MiB × GOGC/100): at 800 % it is 32 MiB whatever
	// the live heap, so a percentage for a small live heap must not exceed floor/4 MiB.
	goHeapMinimum = 4 << 20
)

// Percent is the GOGC percentage that makes the heap goal floor bytes for a live heap of
// live bytes, and never lower than GOGC=100 would: the goal is the larger of live × (1 +
// p/100) and 4 MiB × p/100, so p is the smaller of (floor − live)/live and floor/4 MiB (as
// percentages), at least 100 and at most 5,000.
func Percent(floor, live uint64) int {
	live = max(live, minLive)
	if floor <= 2*live {
		return basePercent
	}
	p := min((floor-live)*100/live, floor*100/goHeapMinimum, maxPercent)
	return max(int(p), basePercent)
}

// A floor is one Start: it re-arms itself after every collection until stopped.
type floor struct {
	bytes   uint64
	stopped atomic.Bool
	mu      sync.Mutex // serializes adjustments (cleanups run one at a time, stop does not)
	sample  []metrics.Sample
	cycles  atomic.Int64 // adjustments made, for tests
}

// sentinel is the object whose collection marks the end of a GC cycle. It holds a pointer so
// that it is never batched by the tiny allocator, whose objects may outlive their cycle.
type sentinel struct {
	_ *int
	_ [8]byte
}

// Start raises the collector's percentage so that the heap goal is at least bytes (see the
// package documentation) and keeps it so after every collection; stop restores Go's default
// percentage. With bytes <= 0, or with GOGC set in the environment, it changes nothing and
// stop does nothing.
func Start(bytes int64) (stop func()) {
	if f := start(bytes); f != nil {
		return f.stop
	}
	return func() {}
}

func start(bytes int64) *floor {
	if bytes <= 0 || os.Getenv("GOGC") != "" {
		return nil
	}
	f := &floor{bytes: uint64(bytes), sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	f.adjust()
	f.arm()
	return f
}

func (f *floor) arm() {
	runtime.AddCleanup(new(sentinel), (*floor).collected, f)
}

// collected runs after each collection, on the runtime's cleanup goroutine.
func (f *floor) collected() {
	if f.stopped.Load() {
		return
	}
	f.adjust()
	f.arm()
}

func (f *floor) adjust() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped.Load() {
		return
	}
	metrics.Read(f.sample)
	var live uint64
	if f.sample[0].Value.Kind() == metrics.KindUint64 {
		live = f.sample[0].Value.Uint64()
	}
	debug.SetGCPercent(Percent(f.bytes, live))
	f.cycles.Add(1)
}

func (f *floor) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped.Swap(true) {
		return
	}
	debug.SetGCPercent(basePercent)
}
