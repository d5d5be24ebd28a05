package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// otlpSink is an OTLP/HTTP traces endpoint that keeps the bodies it receives.
type otlpSink struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (s *otlpSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.URL.Path == "/v1/traces" {
		s.mu.Lock()
		s.bodies = append(s.bodies, body)
		s.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

// saw reports whether any export held name (span names travel as plain bytes in the
// uncompressed protobuf).
func (s *otlpSink) saw(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.bodies {
		if bytes.Contains(b, []byte(name)) {
			return true
		}
	}
	return false
}

func (s *otlpSink) exports() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bodies)
}

// TestCallAndRunExportTraces: with OTEL_EXPORTER_OTLP_ENDPOINT set, spine call and spine run
// send their spans before they exit (the call's client span; the run's and its step's);
// with it unset, nothing is sent.
func TestCallAndRunExportTraces(t *testing.T) {
	spinetest.NoLeaks(t)
	sink := &otlpSink{}
	srv := httptest.NewServer(sink)
	t.Cleanup(srv.Close)
	dir := demoProject(t)
	wf := filepath.Join(dir, "traced.toml")
	if err := os.WriteFile(wf, []byte("[[steps]]\nid = \"one\"\nserver = \"demo\"\ntool = \"echo\"\nargs = { text = \"x\" }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	traced := []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + srv.URL, "OTEL_EXPORTER_OTLP_COMPRESSION=none"}

	spineEnv(t, dir, nil, "call", "demo", "echo", "text=untraced")
	if n := sink.exports(); n != 0 {
		t.Fatalf("%d exports without OTEL_EXPORTER_OTLP_ENDPOINT, want none", n)
	}
	spineEnv(t, dir, traced, "call", "demo", "echo", "text=hi")
	if !sink.saw("tools/call demo/echo") {
		t.Errorf("spine call exported no span tools/call demo/echo (%d exports)", sink.exports())
	}
	spineEnv(t, dir, traced, "run", wf)
	if !sink.saw("workflow traced") || !sink.saw("step one") {
		t.Errorf("spine run exported no workflow or step span (%d exports)", sink.exports())
	}
}

// spineEnv runs the spine binary over the project in dir with env added to its environment,
// and fails the test unless it exits 0.
func spineEnv(t *testing.T, dir string, env []string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, spinetest.Binary(t), append([]string{"--project", dir}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("spine %v: %v\nstderr: %s", args, err, errOut.String())
	}
}
