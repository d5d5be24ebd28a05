package heapfloor

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/spine-mcp/spine/internal/spinetest"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		floor, live uint64
		want        int
	}{
		{64 * mib, 8 * mib, 700},   // goal 64 MiB = 8 MiB × (1 + 7) (Go's minimum: 28 MiB)
		{64 * mib, 32 * mib, 100},  // GOGC's own goal (64 MiB) reaches the floor
		{64 * mib, 100 * mib, 100}, // a large live heap: GOGC's goal unchanged
		{64 * mib, 0, 1600},        // nothing live yet: Go's minimum, 4 MiB × 16, is the floor
		{32 * mib, 512 << 10, 800}, // 4 MiB × 8 = 32 MiB, where 1 MiB × 32 would have made 132
		{32 * mib, 2 * mib, 800},   // goal max(2 × 9, 4 × 8) = 32 MiB
		{32 * mib, 4 * mib, 700},   // goal max(4 × 8, 4 × 7) = 32 MiB
		{16 * mib, 4 * mib, 300},   //
		{3 * mib, 1 * mib, 100},    // below Go's own minimum goal: GOGC's
		{10 * mib, 4*mib + 1, 149}, // rounds down: never above the floor
		{1 << 40, 1 * mib, 5000},   // an absurd floor is capped
	} {
		if got := Percent(tc.floor, tc.live); got != tc.want {
			t.Errorf("Percent(%d MiB, %d B) = %d, want %d", tc.floor/mib, tc.live, got, tc.want)
		}
	}
}

// gcPercent reads the current percentage without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(basePercent)
	debug.SetGCPercent(p)
	return p
}

func TestStartFollowsCollections(t *testing.T) {
	t.Setenv("GOGC", "") // an empty GOGC is unset
	defer debug.SetGCPercent(gcPercent())
	f := start(1 << 30) // far above this test's live heap: the cap applies
	if got := gcPercent(); got != maxPercent {
		t.Fatalf("after Start: GOGC %d, want %d", got, maxPercent)
	}
	// Each collection adjusts the percentage again.
	before := f.cycles.Load()
	debug.SetGCPercent(basePercent) // as if the live heap had grown: the next collection raises it again
	spinetest.Eventually(t, spinetest.Patience, "an adjustment after a collection", func() bool {
		runtime.GC()
		return f.cycles.Load() > before && gcPercent() == maxPercent
	})
	f.stop()
	if got := gcPercent(); got != basePercent {
		t.Fatalf("after stop: GOGC %d, want %d", got, basePercent)
	}
	runtime.GC() // a pending cleanup of a stopped floor changes nothing
	runtime.GC()
	if got := gcPercent(); got != basePercent {
		t.Fatalf("after a collection once stopped: GOGC %d, want %d", got, basePercent)
	}
}

func TestStartLeavesAnOperatorsGOGC(t *testing.T) {
	t.Setenv("GOGC", "250")
	old := debug.SetGCPercent(250)
	defer debug.SetGCPercent(old)
	stop := Start(1 << 30)
	if got := gcPercent(); got != 250 {
		t.Fatalf("GOGC=250 in the environment: percent %d after Start", got)
	}
	stop()
	if got := gcPercent(); got != 250 {
		t.Fatalf("GOGC=250 in the environment: percent %d after stop", got)
	}
}

func TestStartWithoutAFloor(t *testing.T) {
	t.Setenv("GOGC", "")
	old := gcPercent()
	Start(0)()
	if got := gcPercent(); got != old {
		t.Fatalf("floor 0 changed the percent: %d → %d", old, got)
	}
}
