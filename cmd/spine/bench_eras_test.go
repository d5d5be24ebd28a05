package main

import (
	"encoding/json"
	"testing"

	"github.com/spine-mcp/spine/internal/bench"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestBenchEras: --eras adds the pooled mode pinned to each protocol era to the run, side by
// side; the demo server speaks both over stdio.
func TestBenchEras(t *testing.T) {
	spinetest.NoLeaks(t)
	stdout, stderr, code := spineRun(t, "bench", "demo", "echo", "text=hi", "--modes", "pooled", "--eras",
		"--calls", "5", "--rounds", "1", "--sweep-time", "0", "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	var rep bench.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("not a report: %v\n%s", err, stdout)
	}
	var got []string
	for _, m := range rep.Modes {
		got = append(got, m.Mode)
		if m.Calls != 5 || m.ToolErrors != 0 {
			t.Errorf("%s: %d calls, %d tool errors", m.Mode, m.Calls, m.ToolErrors)
		}
	}
	if len(got) != 3 || got[1] != bench.ModePooledLegacy || got[2] != bench.ModePooledModern {
		t.Errorf("modes %v, want pooled and both eras", got)
	}
}
