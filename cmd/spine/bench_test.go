package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spine-mcp/spine/internal/bench"
	"github.com/spine-mcp/spine/internal/spinetest"
)

func TestMain(m *testing.M) { spinetest.Main(m) }

// demoProject writes a project whose demo server is the spine binary and returns its dir.
func demoProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cfg := "[servers.demo]\ncommand = " + strconvQuote(spinetest.Binary(t)) + "\nargs = [\"demo-server\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "spine.toml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// spineRun runs the spine binary over demoProject and returns its stdout, stderr and exit
// code.
func spineRun(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	bin, dir := spinetest.Binary(t), demoProject(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--project", dir}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("spine %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), code
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// TestBenchJSON runs a short bench and checks the shape and the sanity of its report, not
// its timings.
func TestBenchJSON(t *testing.T) {
	spinetest.NoLeaks(t)
	stdout, stderr, code := spineRun(t, "bench", "demo", "echo", "text=hi",
		"--calls", "20", "--cold-calls", "3", "--concurrency", "4", "--sessions", "2", "--rounds", "4",
		"--sweep-sessions", "1,2", "--sweep-inflight", "1,2", "--sweep-time", "50ms", "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	if !strings.Contains(stderr, "round 4/4") {
		t.Errorf("no progress on stderr: %q", stderr)
	}
	var rep bench.Report
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("stdout is not one bench report: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("more than one JSON document on stdout:\n%s", stdout)
	}
	if rep.Server != "demo" || rep.Tool != "echo" || rep.Transport != "stdio" || rep.Protocol != "2025-11-25" {
		t.Errorf("server %q tool %q transport %q protocol %q", rep.Server, rep.Tool, rep.Transport, rep.Protocol)
	}
	if rep.Machine.CPUs < 1 || rep.Settings.Inflight != 2 || rep.Settings.Sessions != 2 {
		t.Errorf("machine %+v settings %+v", rep.Machine, rep.Settings)
	}
	want := map[string]int{bench.ModeCold: 3, bench.ModeRaw: 20, bench.ModePooled: 20, bench.ModePooledConcurrent: 20}
	if len(rep.Modes) != len(want) {
		t.Fatalf("modes: %+v", rep.Modes)
	}
	modeNames := bench.ModeNames()
	for i, m := range rep.Modes {
		if m.Mode != modeNames[i] || m.Calls != want[m.Mode] || m.ToolErrors != 0 {
			t.Errorf("mode %d: %s, %d calls, %d tool errors; want %s, %d calls", i, m.Mode, m.Calls, m.ToolErrors, modeNames[i], want[modeNames[i]])
		}
		if !(m.P50Ms > 0 && m.P50Ms <= m.P90Ms && m.P90Ms <= m.P99Ms && m.MeanMs > 0 && m.CallsPerSec > 0) {
			t.Errorf("%s: implausible latencies %+v, %.1f calls/s", m.Mode, m.Latency, m.CallsPerSec)
		}
		if m.CPU.Client <= 0 || m.CPU.Total < m.CPU.Client {
			t.Errorf("%s: implausible CPU per call %+v", m.Mode, m.CPU)
		}
		if m.CPU.Server == nil {
			t.Errorf("%s: no server CPU for a stdio server", m.Mode)
		}
	}
	if c := rep.Modes[0]; c.AnswerP50Ms == nil || *c.AnswerP50Ms > c.P50Ms {
		t.Errorf("cold: answer p50 %v, total p50 %v", c.AnswerP50Ms, c.P50Ms)
	}
	if c := rep.Modes[3]; c.Sessions != 2 || c.Callers != 4 || c.Inflight != 2 {
		t.Errorf("pooled-concurrent: %d sessions × %d in flight for %d callers, want 2 × 2 for 4", c.Sessions, c.Inflight, c.Callers)
	}
	r := rep.Ratios
	for name, x := range map[string]*float64{"pooled/raw": r.PooledOverRawP50, "cold/pooled": r.ColdOverPooledP50, "concurrent/pooled": r.ConcurrentOverPooled} {
		if x == nil || *x <= 0 {
			t.Errorf("ratio %s: %v", name, x)
		}
	}
	if len(rep.Sweep) != 4 {
		t.Fatalf("sweep: %+v, want 2 session counts × 2 in-flight values", rep.Sweep)
	}
	for _, p := range rep.Sweep {
		if p.Callers != p.Sessions*p.Inflight || p.Calls < 1 || p.CallsPerSec <= 0 || p.PctOfIdeal <= 0 {
			t.Errorf("sweep point %+v", p)
		}
	}
	if s := rep.Suggested; s == nil || s.MaxSessions < 1 || s.MaxSessions > 2 || s.MaxInflight < 1 || s.MaxInflight > 2 || s.Reason == "" {
		t.Errorf("suggested: %+v", s)
	}
	if rep.Configured.MaxSessions != 4 || rep.Configured.MaxInflight != 16 || rep.CPUNote == "" {
		t.Errorf("configured %+v, cpu note %q", rep.Configured, rep.CPUNote)
	}
}

// TestBenchInProcess runs the command inside the test (so that -race sees its goroutines).
func TestBenchInProcess(t *testing.T) {
	// run's signal handling starts os/signal's goroutine, which lives as long as the process:
	// start it before the leak check counts goroutines.
	_, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	stop()
	spinetest.NoLeaks(t)
	var stdout, stderr bytes.Buffer
	code := run([]string{"--project", demoProject(t), "bench", "demo", "sleep", "ms=1", "--calls", "16", "--cold-calls", "2",
		"--concurrency", "4", "--sessions", "2", "--rounds", "2", "--sweep-sessions", "2", "--sweep-inflight", "2",
		"--sweep-time", "20ms", "--output", "json"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr.String())
	}
	var rep bench.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || len(rep.Modes) != 4 || len(rep.Sweep) != 1 {
		t.Fatalf("report: %v\n%s", err, stdout.String())
	}
	if p := rep.Modes[2]; p.P50Ms < 1 { // sleep 1ms: a sanity check on the unit
		t.Errorf("pooled p50 %.3f ms for a 1 ms sleep", p.P50Ms)
	}
}

func TestBenchText(t *testing.T) {
	spinetest.NoLeaks(t)
	stdout, stderr, code := spineRun(t, "bench", "demo", "echo", "--args", `{"text":"hi"}`,
		"--calls", "10", "--modes", "raw,pooled", "--rounds", "2", "--sweep-time", "0")
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	for _, want := range []string{"protocol 2025-11-25", "raw", "pooled", "pooled p50 / raw p50"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	for _, absent := range []string{"cold p50", "sweep", "suggested"} {
		if strings.Contains(stdout, absent) {
			t.Errorf("stdout has %q, for modes that did not run:\n%s", absent, stdout)
		}
	}
}

func TestBenchUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "demo"}, "want SERVER and TOOL"},
		{[]string{"bench", "nope", "echo"}, `unknown server "nope" (configured and enabled: demo)`},
		{[]string{"bench", "demo", "ech"}, `unknown tool "ech" (did you mean "echo"?)`},
		{[]string{"bench", "demo", "echo", "--modes", "warm"}, `unknown mode "warm"`},
		{[]string{"bench", "demo", "echo", "--calls", "0"}, "--calls"},
		{[]string{"bench", "demo", "echo", "--sweep-inflight", "1,x"}, `--sweep-inflight: "x"`},
		{[]string{"bench", "demo", "echo", "--output", "yaml"}, `--output "yaml"`},
	} {
		_, stderr, code := spineRun(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("spine %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(c.args, " "), code, stderr, c.want)
		}
	}
}

// A tool that answers isError makes the run fail (exit 1) after the report is printed.
func TestBenchToolErrorFails(t *testing.T) {
	stdout, stderr, code := spineRun(t, "bench", "demo", "fail", "message=boom",
		"--calls", "4", "--modes", "pooled", "--rounds", "1", "--sweep-time", "0", "--output", "json")
	if code != exitFailed || !strings.Contains(stderr, "returned an isError result") {
		t.Fatalf("exit %d, stderr %q; want exit 1 and the count of isError results", code, stderr)
	}
	var rep bench.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || len(rep.Modes) != 1 || rep.Modes[0].ToolErrors != 4 {
		t.Errorf("report: %v %+v", err, rep.Modes)
	}
}
