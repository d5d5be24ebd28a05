package actors_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/describe"
	"github.com/spine-mcp/spine/internal/spinetest"
	"github.com/spine-mcp/spine/workflows"
)

// TestCloseStopsRunsAndScans: a workflow run with a call in flight and a capability scan
// with a description under way are children of the app actor, so Close stops both and
// returns only once they have stopped: the run has reported, the scan's describer has seen
// its context end and returned, and nothing starts afterwards. No goroutine is left.
func TestCloseStopsRunsAndScans(t *testing.T) {
	spinetest.NoLeaks(t)
	inCall := make(chan struct{}, 1)
	_, spec := testServer(t, func(s *mcp.Server) {
		s.AddTool(&mcp.Tool{Name: "block", InputSchema: map[string]any{"type": "object"}},
			func(ctx context.Context, _ *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				select {
				case inCall <- struct{}{}:
				default:
				}
				<-ctx.Done() // until the call is cancelled, or the connection goes
				return nil, ctx.Err()
			})
	})
	rt := startRuntime(t, spec)
	wf, err := workflows.Parse("block.toml", []byte("[[steps]]\nid = \"wait\"\nserver = \"t\"\ntool = \"block\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := wf.Validate(rt.Servers()); err != nil {
		t.Fatal(err)
	}
	run, err := rt.StartWorkflow(wf, actors.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	describing, described := make(chan struct{}), make(chan struct{})
	scan, err := rt.StartScan(actors.ScanOptions{Describe: func(ctx context.Context, _ *capability.Snapshot) (describe.Result, error) {
		close(describing)
		<-ctx.Done() // until the scan is stopped
		close(described)
		return describe.Result{}, ctx.Err()
	}})
	if err != nil {
		t.Fatal(err)
	}
	for what, ch := range map[string]chan struct{}{"the run's call": inCall, "the scan's description": describing} {
		select {
		case <-ch:
		case <-time.After(spinetest.Patience):
			t.Fatalf("%s never started", what)
		}
	}

	now, cancel := context.WithCancel(context.Background())
	cancel() // close at once: no drain, so the run and the scan are still busy when the tree stops
	closed := make(chan error, 1)
	go func() { closed <- rt.Close(now) }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(spinetest.Patience):
		t.Fatal("Close did not return")
	}

	select {
	case <-described:
	default:
		t.Error("Close returned with the scan's description still under way: the scan was not stopped")
	}
	if !scan.Stopped() {
		t.Error("Close returned before the scan actor stopped")
	}
	scan.Stop() // idempotent, and at once: Close stopped it
	rep, ok := run.ReportNow()
	switch {
	case !ok:
		t.Error("Close returned before the run reported")
	case rep.OK || len(rep.Steps) != 1 || rep.Steps[0].Status == actors.StepOK:
		t.Errorf("run stopped by Close: ok=%v steps=%+v, want not OK and its step not ok", rep.OK, rep.Steps)
	}

	if _, err := rt.StartWorkflow(wf, actors.RunOptions{}); !errors.Is(err, actors.ErrClosed) {
		t.Errorf("a run started after Close: %v, want ErrClosed", err)
	}
	if _, err := rt.StartScan(actors.ScanOptions{}); !errors.Is(err, actors.ErrClosed) {
		t.Errorf("a scan started after Close: %v, want ErrClosed", err)
	}
}
