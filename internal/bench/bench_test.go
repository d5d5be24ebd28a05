package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spine-mcp/spine/internal/spinetest"
)

func TestMain(m *testing.M) { spinetest.Main(m) }

// TestRun runs every mode and a small sweep on the demo server and checks the report's shape
// and sanity, not its timings.
func TestRun(t *testing.T) {
	spinetest.NoLeaks(t)
	var (
		mu    sync.Mutex
		lines []string
	)
	rep, err := Run(context.Background(), Options{
		Project: spinetest.Project(spinetest.Demo(t, "demo")), Server: "demo", Tool: "echo",
		Args:  json.RawMessage(`{"text":"hi"}`),
		Calls: 6, ColdCalls: 2, Concurrency: 2, Sessions: 1, Rounds: 2,
		SweepSessions: []int{1}, SweepInflight: []int{1, 2}, SweepTime: 20 * time.Millisecond,
		Progress: func(line string) {
			mu.Lock()
			lines = append(lines, line)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Server != "demo" || rep.Tool != "echo" || rep.Transport != "stdio" || rep.Protocol != "2025-11-25" || rep.ServerInfo == "" {
		t.Errorf("server %q tool %q transport %q protocol %q info %q", rep.Server, rep.Tool, rep.Transport, rep.Protocol, rep.ServerInfo)
	}
	if s := rep.Settings; s.Sessions != 1 || s.Inflight != 2 || len(s.Modes) != 4 {
		t.Errorf("settings %+v: want the pool of pooled-concurrent resolved to 1 × 2, and every mode", s)
	}
	want := map[string]int{ModeCold: 2, ModeRaw: 6, ModePooled: 6, ModePooledConcurrent: 6}
	if len(rep.Modes) != len(want) {
		t.Fatalf("modes: %+v", rep.Modes)
	}
	for i, m := range rep.Modes {
		if m.Mode != ModeNames()[i] || m.Calls != want[m.Mode] || m.ToolErrors != 0 || m.P50Ms <= 0 || m.CPU.Server == nil {
			t.Errorf("mode %d: %+v", i, m)
		}
	}
	if raw := rep.Modes[1]; raw.Sessions != 1 || raw.Inflight != 1 || raw.Callers != 1 {
		t.Errorf("raw: %+v", raw)
	}
	if rep.Ratios.PooledOverRawP50 == nil || rep.Ratios.ColdOverPooledP50 == nil || rep.Ratios.ConcurrentOverPooled == nil {
		t.Errorf("ratios %+v", rep.Ratios)
	}
	if len(rep.Sweep) != 2 || rep.Suggested == nil || rep.Suggested.MaxSessions != 1 {
		t.Errorf("sweep %+v, suggested %+v", rep.Sweep, rep.Suggested)
	}
	if rep.ToolErrors() != 0 {
		t.Errorf("tool errors: %d", rep.ToolErrors())
	}
	joined := strings.Join(lines, "\n")
	for _, want := range []string{"demo echo over stdio; setting up cold, raw, pooled, pooled-concurrent", "round 2/2", "sweep 1 session(s) × 2 in flight"} {
		if !strings.Contains(joined, want) {
			t.Errorf("progress lacks %q:\n%s", want, joined)
		}
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil || !strings.Contains(text.String(), "pooled p50 / raw p50") {
		t.Errorf("text: %v\n%s", err, text.String())
	}
}

// Tool errors are measured and counted, not failures of the run.
func TestRunCountsToolErrors(t *testing.T) {
	spinetest.NoLeaks(t)
	rep, err := Run(context.Background(), Options{
		Project: spinetest.Project(spinetest.Demo(t, "demo")), Server: "demo", Tool: "fail",
		Args: json.RawMessage(`{"message":"boom"}`), Modes: []string{ModeRaw, ModePooled, ModeRaw},
		Calls: 3, Concurrency: 1, Rounds: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Modes) != 2 || rep.ToolErrors() != 6 || rep.Suggested != nil || len(rep.Sweep) != 0 {
		t.Errorf("modes %+v, %d tool errors, sweep %+v, suggested %+v", rep.Modes, rep.ToolErrors(), rep.Sweep, rep.Suggested)
	}
}

func TestOptionsCheck(t *testing.T) {
	valid := func() Options {
		return Options{Project: spinetest.Project(), Server: "s", Tool: "t", Calls: 1, Concurrency: 1, Rounds: 1}
	}
	if o := valid(); o.check() != nil {
		t.Fatalf("valid options refused: %v", o.check())
	}
	for name, change := range map[string]func(*Options){
		"no project":     func(o *Options) { o.Project = nil },
		"unknown mode":   func(o *Options) { o.Modes = []string{"warm"} },
		"no calls":       func(o *Options) { o.Calls = 0 },
		"negative cold":  func(o *Options) { o.ColdCalls = -1 },
		"sweep, no list": func(o *Options) { o.SweepTime = time.Second },
		"zero in a list": func(o *Options) { o.SweepSessions = []int{1, 0} },
	} {
		o := valid()
		change(&o)
		if o.check() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := Run(context.Background(), valid()); err == nil || !strings.Contains(err.Error(), `unknown server "s"`) {
		t.Errorf("Run of an unknown server: %v", err)
	}
}

func TestSummarize(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	got := summarize(ds)
	if got != (Latency{P50Ms: 50, P90Ms: 90, P99Ms: 99, MeanMs: 50.5}) {
		t.Errorf("summarize 1..100 ms = %+v", got)
	}
	if summarize(nil) != (Latency{}) {
		t.Error("summarize of nothing is not zero")
	}
	if p := percentile([]time.Duration{7}, 99); p != 7 {
		t.Errorf("percentile of one = %v", p)
	}
}

func TestSuggest(t *testing.T) {
	if suggest(nil) != nil {
		t.Error("a suggestion without a sweep")
	}
	points := []SweepPoint{
		{Sessions: 1, Inflight: 1, Callers: 1, CallsPerSec: 100},
		{Sessions: 1, Inflight: 4, Callers: 4, CallsPerSec: 380},
		{Sessions: 2, Inflight: 2, Callers: 4, CallsPerSec: 390},
		{Sessions: 2, Inflight: 4, Callers: 8, CallsPerSec: 400},
		{Sessions: 4, Inflight: 4, Callers: 16, CallsPerSec: 395},
	}
	s := suggest(points)
	// Within 10% of 400: 380, 390, 395; fewest callers, then fewest sessions: 1 × 4.
	if s.MaxSessions != 1 || s.MaxInflight != 4 || s.CallsPerSec != 380 || !strings.Contains(s.Reason, "best seen (400 calls/s at 2 × 4)") {
		t.Errorf("suggest = %+v", s)
	}
	still := suggest(points[:2])
	if still.MaxInflight != 4 || !strings.Contains(still.Reason, "still scaling") {
		t.Errorf("suggest at the largest shape = %+v", still)
	}
	noPipe := suggest([]SweepPoint{
		{Sessions: 1, Inflight: 1, Callers: 1, CallsPerSec: 100},
		{Sessions: 2, Inflight: 1, Callers: 2, CallsPerSec: 200},
		{Sessions: 1, Inflight: 4, Callers: 4, CallsPerSec: 100},
	})
	if noPipe.MaxSessions != 2 || !strings.Contains(noPipe.Reason, "may not pipeline") {
		t.Errorf("suggest for a server that does not pipeline = %+v", noPipe)
	}
}

func TestRatios(t *testing.T) {
	r := ratios([]ModeResult{
		{Mode: ModeRaw, Latency: Latency{P50Ms: 2}, CPU: CPUUsage{Client: 10}},
		{Mode: ModePooled, Latency: Latency{P50Ms: 3}, CallsPerSec: 100, CPU: CPUUsage{Client: 15}},
		{Mode: ModePooledConcurrent, CallsPerSec: 250},
	})
	if r.PooledOverRawP50 == nil || *r.PooledOverRawP50 != 1.5 || *r.PooledOverRawCPU != 1.5 ||
		*r.ConcurrentOverPooled != 2.5 || r.ColdOverPooledP50 != nil {
		t.Errorf("ratios = %+v", r)
	}
}

func TestProcStat(t *testing.T) {
	kids := childPids() // none: the test has started no process
	if len(kids) != 0 {
		t.Skipf("the test process has children already: %v", kids)
	}
	if _, ok := childCPU([]int{1 << 30}); ok {
		t.Error("childCPU of a pid that does not exist is known")
	}
	if got := newChildren([]int{1, 2}, []int{2, 3, 4}); len(got) != 2 || got[0] != 3 || got[1] != 4 {
		t.Errorf("newChildren = %v", got)
	}
}

// WriteText prints this, byte for byte.
func TestWriteText(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	rep := &Report{
		Server: "demo", Tool: "echo", Transport: "stdio", Protocol: "2025-11-25", ServerInfo: "spine-demo 0.1.0",
		Machine:  Machine{CPUs: 2, OS: "linux", Arch: "amd64", Go: "go1.26.8", LoadAvg: "0.50 0.40 0.30"},
		Settings: Settings{Rounds: 10, SweepMs: 250},
		Modes: []ModeResult{
			{Mode: ModeCold, Calls: 50, Callers: 1, Latency: Latency{P50Ms: 5.03, P90Ms: 6, P99Ms: 9.5},
				CallsPerSec: 190, CPU: CPUUsage{Client: 960, Server: f(4700), Total: 5660}, AnswerP50Ms: f(4.2)},
			{Mode: ModeRaw, Calls: 500, Callers: 1, Sessions: 1, Inflight: 1, Latency: Latency{P50Ms: 0.0829, P90Ms: 0.2, P99Ms: 2.9},
				CallsPerSec: 5401, CPU: CPUUsage{Client: 99, Total: 99}},
		},
		Ratios:     Ratios{PooledOverRawP50: f(0.995), ColdOverPooledP50: f(63)},
		Sweep:      []SweepPoint{{Sessions: 2, Inflight: 4, Callers: 8, CallsPerSec: 1250, P50Ms: 5.22, P99Ms: 1234, PctOfIdeal: 8.4}},
		Suggested:  &Suggestion{MaxSessions: 2, MaxInflight: 4, Reason: "the reason"},
		Configured: PoolSettings{MaxSessions: 4, MaxInflight: 16},
	}
	const want = `server "demo" (stdio, spine-demo 0.1.0, protocol 2025-11-25), tool "echo"
2 CPUs, linux/amd64, go1.26.8, load 0.50 0.40 0.30; 10 interleaved rounds

  MODE  CALLS  CALLERS  SESSIONS     P50     P90     P99  CALLS/S  CPU/CALL  (CLIENT+SERVER)
  cold     50        1    1/call  5.03ms  6.00ms  9.50ms      190    5.66ms   (960µs+4.70ms)
   raw    500        1       1×1    83µs   200µs  2.90ms     5401      99µs                -
cold p50 until the answer (without the close): 4.20ms

pooled p50 / raw p50:        0.995  (what the pool adds to a call)
cold p50 / pooled p50:       63.0  (what a warm session saves)

sweep (250 ms per point; ideal = sessions × in-flight / single-call p50):
  SESSIONS  IN-FLIGHT  CALLERS  CALLS/S     P50    P99  % OF IDEAL
         2          4        8     1250  5.22ms  1.23s         8.4

suggested: max_sessions = 2, max_inflight = 4 (configured: 4, 16)
  the reason

CPU/CALL: client = this process (getrusage); server = the server's processes where they are
children of this one (stdio), - otherwise. More in cpu_note of --output json.
`
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	if err := rep.WriteText(failingWriter{}); !errors.Is(err, errWrite) {
		t.Errorf("WriteText to a failing writer: %v", err)
	}
}

var errWrite = errors.New("write failed")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

// The report's JSON inlines each mode's latencies, as `spine bench --output json` documents.
func TestReportJSON(t *testing.T) {
	b, err := json.Marshal(ModeResult{Mode: ModeRaw, Latency: Latency{P50Ms: 1}})
	if err != nil || !strings.Contains(string(b), `"p50_ms":1,`) || strings.Contains(string(b), "Latency") {
		t.Errorf("mode JSON %s: %v", b, err)
	}
}

// TestTreeCPU: the test process's own CPU time is read once it has spent a clock tick, and its
// tree counts at least that.
func TestTreeCPU(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	deadline := time.Now().Add(spinetest.Patience)
	sink := 0
	for time.Now().Before(deadline) {
		for i := range 1 << 20 { // spend CPU
			sink += i
		}
		if own, tree := TreeCPU(os.Getpid()); own >= clockTick {
			if tree < own {
				t.Fatalf("tree %v < own %v", tree, own)
			}
			return
		}
	}
	t.Fatalf("no CPU time read for this process (sink %d)", sink)
}
