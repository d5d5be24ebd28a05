package ops_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/spine-mcp/spine/internal/spinetest"
	"github.com/spine-mcp/spine/ops"
	"github.com/spine-mcp/spine/workflows"
)

type fakeGateway struct{}

func (fakeGateway) Sessions() []ops.DownstreamSession {
	return []ops.DownstreamSession{
		{ID: "s1", Era: "2025-11-25", Transport: "http", Client: "host 1.0"},
		{ID: "s2", Era: "2025-11-25", Transport: "http"},
		{ID: "s3", Era: "2026-07-28", Transport: "stdio"},
	}
}

func (fakeGateway) Collisions() []ops.Collision {
	return []ops.Collision{{Name: "echo", Kind: "tool", Kept: "demo", Other: "files", Exposed: "files__echo"}}
}

// TestStatusShowsRunsAndGateway: a workflow run (one step answering, one failing) is in
// /status.json with its steps and in the workflow metrics, its steps' upstream calls in
// spine_calls_total; the gateway's downstream
// sessions and collisions are in both once registered; the servers are in config order.
func TestStatusShowsRunsAndGateway(t *testing.T) {
	spinetest.NoLeaks(t)
	ex := newExecutor(t, spinetest.Demo(t, "demo"), spinetest.Demo(t, "files"))
	mon := ops.NewMonitor(ex, ops.Options{})
	t.Cleanup(mon.Close)
	srv := httptest.NewServer(mon.Handler())
	t.Cleanup(srv.Close)

	var st ops.Status
	_, body := get(t, srv.URL+ops.PathStatusJSON)
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Servers) != 2 || st.Servers[0].Name != "demo" || st.Servers[1].Name != "files" || st.Downstream != nil {
		t.Fatalf("status before = %+v, want demo and files in config order, no downstream without a gateway", st)
	}

	// Known tool names: no background list to count among the pool's requests.
	mon.Collector().SetTools("demo", []string{"echo"})
	mon.Collector().SetTools("files", []string{"echo", "fail"})
	wf, err := workflows.Parse("check.toml", []byte(`
[[steps]]
id     = "greet"
server = "demo"
tool   = "echo"
args   = { text = "hi" }

[[steps]]
id         = "refuse"
server     = "files"
tool       = "fail"
args       = { message = "no" }
needs      = ["greet"]
`))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ex.RunWorkflow(patience(t), wf)
	if err != nil || rep.OK {
		t.Fatalf("run: %v, report %+v: want a run whose fail step fails it", err, rep)
	}
	mon.SetDownstream(fakeGateway{})
	mon.SetCollisions(fakeGateway{})

	_, body = get(t, srv.URL+ops.PathStatusJSON)
	st = ops.Status{}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Runs) != 1 {
		t.Fatalf("runs = %+v, want the one run", st.Runs)
	}
	run := st.Runs[0]
	if run.RunID != rep.RunID || run.Workflow != "check" || run.State != "failed" || len(run.Steps) != 2 ||
		run.Steps[0].ID != "greet" || run.Steps[0].Status != "ok" || run.Steps[1].Status != "failed" || run.Steps[1].Server != "files" {
		t.Fatalf("run = %+v, want run %s of check, failed, greet ok then refuse failed", run, rep.RunID)
	}
	if len(st.Downstream) != 3 || len(st.Collisions) != 1 || st.Collisions[0].Exposed != "files__echo" {
		t.Fatalf("gateway's part = %+v %+v, want its 3 sessions and 1 collision", st.Downstream, st.Collisions)
	}

	families := scrape(t, srv.URL+ops.PathMetrics)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"spine_workflow_runs_total", map[string]string{"workflow": "check", "outcome": "failed"}, 1},
		{"spine_workflow_runs_in_progress", map[string]string{"workflow": "check"}, 0},
		{"spine_workflow_steps_total", map[string]string{"workflow": "check", "status": "ok"}, 1},
		{"spine_workflow_steps_total", map[string]string{"workflow": "check", "status": "failed"}, 1},
		{"spine_downstream_sessions", map[string]string{"transport": "http", "era": "2025-11-25"}, 2},
		{"spine_downstream_sessions", map[string]string{"transport": "stdio", "era": "2026-07-28"}, 1},
		{"spine_name_collisions", nil, 1},
		{"spine_pool_requests_total", map[string]string{"server": "files"}, 1}, // the step, counted by the pool
		// The steps' upstream calls, counted as calls once each.
		{"spine_calls_total", map[string]string{"server": "demo", "tool": "echo", "class": "ok"}, 1},
		{"spine_calls_total", map[string]string{"server": "files", "tool": "fail", "class": "tool_error"}, 1},
	} {
		if got := value(t, families, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if h := histogram(t, families, "spine_workflow_run_duration_seconds", map[string]string{"workflow": "check"}); h.GetSampleCount() != 1 {
		t.Errorf("run duration histogram count = %d, want 1", h.GetSampleCount())
	}
}
