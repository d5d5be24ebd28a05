package ops_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/internal/spinetest"
	"github.com/spine-mcp/spine/ops"
)

// TestQueueDepthAndNegotiatedEra: a call that waits for the one session of a server is in
// spine_queue_depth and Stats.QueueDepth while it waits, and out of both once it is served;
// spine_server_info says the protocol version the handshake settled on and its era, as the
// server's own InitializeResult does.
func TestQueueDepthAndNegotiatedEra(t *testing.T) {
	spinetest.NoLeaks(t)
	spec := spinetest.Demo(t, "demo")
	spec.MinSessions, spec.MaxSessions, spec.MaxInflight = 0, 1, 1
	ex := newExecutor(t, spec)
	mon := ops.NewMonitor(ex, ops.Options{})
	t.Cleanup(mon.Close)
	srv := httptest.NewServer(mon.Handler())
	t.Cleanup(srv.Close)

	info, err := ex.ServerInfo(patience(t), "demo")
	if err != nil {
		t.Fatal(err)
	}
	families := scrape(t, srv.URL+ops.PathMetrics)
	era := string(capability.EraOf(info.ProtocolVersion))
	if got := value(t, families, "spine_server_info", map[string]string{"server": "demo", "version": info.ProtocolVersion, "era": era}); got != 1 {
		t.Errorf("spine_server_info{version=%q,era=%q} = %v, want 1 (series: %v)", info.ProtocolVersion, era, got, families["spine_server_info"].GetMetric())
	}
	if st := ex.Stats().Servers["demo"]; st.Protocol != info.ProtocolVersion || st.Era != era || st.ServerVersion != info.ServerInfo.Version {
		t.Errorf("stats say protocol %q era %q server version %q, want %q %q %q", st.Protocol, st.Era, st.ServerVersion,
			info.ProtocolVersion, era, info.ServerInfo.Version)
	}

	// The collector learns a server's tool names with a list on the pool, in the background
	// after a call of a tool it does not know: learn them now, so that no such list queues
	// behind the hang below and stays counted after the queued call is served.
	if err := mon.Collector().Refresh(patience(t)); err != nil {
		t.Fatal(err)
	}

	// The one session hangs; the next call waits for it.
	hangCtx, stopHang := context.WithCancel(patience(t))
	defer stopHang()
	hung, waited := make(chan error, 1), make(chan error, 1)
	go func() {
		_, err := ex.CallTool(hangCtx, "demo", "hang", nil)
		hung <- err
	}()
	spinetest.Eventually(t, spinetest.Patience, "the hang call to hold the session", func() bool {
		return ex.Stats().Servers["demo"].Sessions.Busy == 1
	})
	go func() {
		_, err := ex.CallTool(patience(t), "demo", "echo", map[string]any{"text": "queued"})
		waited <- err
	}()
	queue := func() float64 {
		return value(t, scrape(t, srv.URL+ops.PathMetrics), "spine_queue_depth", map[string]string{"server": "demo"})
	}
	spinetest.Eventually(t, spinetest.Patience, "spine_queue_depth{server=demo} to be 1", func() bool { return queue() == 1 })
	if d := ex.Stats().Servers["demo"].QueueDepth; d != 1 {
		t.Errorf("Stats QueueDepth = %d while one call waits, want 1", d)
	}
	stopHang()
	<-hung
	if err := <-waited; err != nil {
		t.Fatalf("the queued call: %v", err)
	}
	if q := queue(); q != 0 {
		t.Errorf("spine_queue_depth = %v once the queue is served, want 0", q)
	}
}
