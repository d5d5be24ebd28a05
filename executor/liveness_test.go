package executor_test

import (
	"sync"
	"testing"
	"time"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/demoserver"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestLivenessByEra: with ping as the only health method, an idle session due for a probe is
// checked the way its era allows — ping in 2025-11-25, server/discover in 2026-07-28, where
// ping is gone (a ping there would fail the probe and replace the session).
func TestLivenessByEra(t *testing.T) {
	for _, c := range []struct {
		name, protocol string
		stdio          bool
	}{
		{"http 2026-07-28", "2026-07-28", false},
		{"stdio 2026-07-28", "2026-07-28", true},
		{"stdio 2025-11-25", "2025-11-25", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			spinetest.NoLeaks(t)
			counter := &methodCounter{counts: map[string]int{}}
			spec := spinetest.Demo(t, "demo")
			if !c.stdio {
				spec = httpDemo(t, "demo", statelessDemo(t, demoserver.Options{}, counter.wrap))
			}
			spec.Protocol, spec.HealthInterval, spec.HealthMethods = c.protocol, 50*time.Millisecond, []string{"ping"}
			var mu sync.Mutex
			var failed int
			ex, err := executor.New(spinetest.Project(spec), executor.WithEvents(func(e executor.Event) {
				if e.Kind == executor.EventHealthFailed {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			}))
			if err != nil {
				t.Fatal(err)
			}
			closeAtEnd(t, ex)
			call(t, ex, "demo", "echo", map[string]any{"text": "1"})
			for range 3 {
				time.Sleep(2 * spec.HealthInterval) // let the session become due for a probe: time passing is what it waits for
				call(t, ex, "demo", "echo", map[string]any{"text": "again"})
			}
			mu.Lock()
			defer mu.Unlock()
			if st := ex.Stats().Servers["demo"]; failed != 0 || st.SessionsCreated != 1 {
				t.Errorf("%d failed probes, %d sessions; want 0 and 1", failed, st.SessionsCreated)
			}
			if d := counter.count("server/discover"); !c.stdio && d < 2 {
				t.Errorf("%d server/discover requests, want the connect's and the probes'", d)
			}
		})
	}
}
