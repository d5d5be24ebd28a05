package ops_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
	"github.com/spine-mcp/spine/ops"
)

// TestReadyzFollowsCircuits: /readyz is 200 while every circuit is closed, 503 naming the
// server once one opens, and 200 again when it closes; /healthz stays 200 throughout, and
// Options.Ready's objection makes the gateway not ready.
func TestReadyzFollowsCircuits(t *testing.T) {
	spinetest.NoLeaks(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "server.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho 'cannot start' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	flaky := spinetest.Demo(t, "flaky")
	flaky.Command, flaky.Args = script, nil
	flaky.CircuitThreshold = 2
	flaky.CircuitReset = time.Hour // stays open until the test lets it close
	ex := newExecutor(t, spinetest.Demo(t, "demo"), flaky)
	var draining error
	mon := ops.NewMonitor(ex, ops.Options{Ready: func() error { return draining }})
	t.Cleanup(mon.Close)
	srv := httptest.NewServer(mon.Handler())
	t.Cleanup(srv.Close)

	readyz := func() (int, ops.Readiness) {
		t.Helper()
		code, body := get(t, srv.URL+ops.PathReadyz)
		var r ops.Readiness
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("readyz: %v\n%s", err, body)
		}
		return code, r
	}
	if code, r := readyz(); code != http.StatusOK || !r.Ready || len(r.Servers) != 2 {
		t.Fatalf("readyz before any call = %d %+v, want 200, ready, two servers", code, r)
	}

	for attempt := 0; ; attempt++ {
		_, err := ex.CallTool(patience(t), "flaky", "echo", map[string]any{"text": "x"})
		if errors.Is(err, executor.ErrCircuitOpen) {
			break
		}
		if err == nil || attempt > 2*flaky.CircuitThreshold {
			t.Fatalf("start %d: err = %v, want connect failures, then the circuit open", attempt, err)
		}
	}
	code, r := readyz()
	if code != http.StatusServiceUnavailable || r.Ready || !strings.Contains(r.Reason, "flaky") ||
		r.Servers["flaky"].Circuit != "open" || !r.Servers["demo"].Ready {
		t.Fatalf("readyz with flaky's circuit open = %d %+v, want 503 naming flaky, demo ready", code, r)
	}
	if code, body := get(t, srv.URL+ops.PathHealthz); code != http.StatusOK || body != "ok\n" {
		t.Fatalf("healthz = %d %q, want 200 ok: an upstream's failure is no reason to restart SPINE", code, body)
	}

	draining = errors.New("draining")
	if code, r := readyz(); code != http.StatusServiceUnavailable || r.Reason != "draining" {
		t.Fatalf("readyz while draining = %d %+v, want 503 draining", code, r)
	}
}

// TestAuthWrapsWhatShowsActivity: Options.Auth guards /metrics, /status and /status.json,
// not the probes.
func TestAuthWrapsWhatShowsActivity(t *testing.T) {
	spinetest.NoLeaks(t)
	ex := newExecutor(t, spinetest.Demo(t, "demo"))
	deny := func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
	}
	mon := ops.NewMonitor(ex, ops.Options{Auth: deny})
	t.Cleanup(mon.Close)
	mux := http.NewServeMux()
	mon.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for path, want := range map[string]int{
		ops.PathMetrics: 401, ops.PathStatus: 401, ops.PathStatusJSON: 401,
		ops.PathHealthz: 200, ops.PathReadyz: 200,
	} {
		if code, _ := get(t, srv.URL+path); code != want {
			t.Errorf("GET %s = %d, want %d", path, code, want)
		}
	}
}
