package bench

import (
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spine-mcp/spine/capability"
)

// Report is the result of Run; encoding/json gives the document `spine bench --output json`
// prints.
type Report struct {
	Server     string       `json:"server"`
	Tool       string       `json:"tool"`
	Transport  string       `json:"transport"`
	Protocol   string       `json:"protocol"`
	ServerInfo string       `json:"server_info"`
	Machine    Machine      `json:"machine"`
	Settings   Settings     `json:"settings"`
	Modes      []ModeResult `json:"modes"`
	Ratios     Ratios       `json:"ratios"`
	Sweep      []SweepPoint `json:"sweep"`
	Suggested  *Suggestion  `json:"suggested"`
	Configured PoolSettings `json:"configured"`
	CPUNote    string       `json:"cpu_note"`
	DurationMs float64      `json:"duration_ms"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	Go         string `json:"go"`
	LoadAvg    string `json:"loadavg,omitempty"` // 1, 5 and 15 minutes, when the run started
}

// Settings are the options the run used, with Sessions and Inflight as resolved from the
// server's configuration when Options left them 0.
type Settings struct {
	Calls       int      `json:"calls"`
	ColdCalls   int      `json:"cold_calls"`
	Concurrency int      `json:"concurrency"`
	Sessions    int      `json:"sessions"`
	Inflight    int      `json:"inflight"`
	Rounds      int      `json:"rounds"`
	Modes       []string `json:"modes"`
	SweepMs     float64  `json:"sweep_ms_per_point"`
}

// PoolSettings are the pool limits the server is configured with.
type PoolSettings struct {
	MaxSessions int `json:"max_sessions"`
	MaxInflight int `json:"max_inflight"`
}

// ModeResult is the measurement of one mode.
type ModeResult struct {
	Mode       string `json:"mode"`
	Calls      int    `json:"calls"`
	ToolErrors int    `json:"tool_errors"`
	Callers    int    `json:"callers"`
	Sessions   int    `json:"sessions"` // 0: a new session per call
	Inflight   int    `json:"inflight"`
	Latency
	CallsPerSec float64  `json:"calls_per_sec"`
	CPU         CPUUsage `json:"cpu_us_per_call"`
	// AnswerP50Ms (cold only) is the median time from spawn or dial to the answer, without
	// the close that follows.
	AnswerP50Ms *float64 `json:"answer_p50_ms,omitempty"`
}

// CPUUsage is CPU time per call in microseconds: this process (Client) and the server
// (Server: only for stdio servers, which are child processes; null otherwise).
type CPUUsage struct {
	Client float64  `json:"client"`
	Server *float64 `json:"server"`
	Total  float64  `json:"total"`
}

// Ratios compare the modes that ran; a ratio is null when one of its modes did not run.
type Ratios struct {
	PooledOverRawP50     *float64 `json:"pooled_over_raw_p50"`
	ColdOverPooledP50    *float64 `json:"cold_over_pooled_p50"`
	ConcurrentOverPooled *float64 `json:"concurrent_over_pooled_calls_per_sec"`
	PooledOverRawCPU     *float64 `json:"pooled_over_raw_cpu"`
}

// ToolErrors returns how many measured calls answered with an isError result, over all modes.
func (r *Report) ToolErrors() int {
	n := 0
	for _, m := range r.Modes {
		n += m.ToolErrors
	}
	return n
}

const cpuNote = "cpu_us_per_call is CPU time per call over the mode's batches: client = this process " +
	"(getrusage RUSAGE_SELF: SPINE, the go-sdk client, the transport); server = the server's " +
	"processes when they are children of this one: stdio servers only (cold: reaped children, " +
	"RUSAGE_CHILDREN; warm modes: /proc/PID/stat of the live children, 10 ms ticks, over the " +
	"whole run); null for HTTP servers and where /proc is missing. Processes a server forks " +
	"itself (npx, sh -c wrappers) count only once they exit."

// result summarises the mode's measurements.
func (m *mode) result(transport capability.Transport) ModeResult {
	r := ModeResult{
		Mode: m.name, Calls: len(m.lat), ToolErrors: m.toolErrors, Callers: m.callers,
		Sessions: m.sessions, Inflight: m.inflight, Latency: summarize(m.lat),
	}
	r.P50Ms, r.P90Ms, r.P99Ms, r.MeanMs = round4(r.P50Ms), round4(r.P90Ms), round4(r.P99Ms), round4(r.MeanMs)
	if m.wall > 0 {
		r.CallsPerSec = round4(float64(len(m.lat)) / m.wall.Seconds())
	}
	if len(m.answers) > 0 {
		a := round4(summarize(m.answers).P50Ms)
		r.AnswerP50Ms = &a
	}
	n := float64(max(len(m.lat), 1))
	r.CPU.Client = round4(float64(m.cpu.self.Microseconds()) / n)
	r.CPU.Total = r.CPU.Client
	if transport == capability.TransportStdio {
		server := m.cpu.children // reaped children: the cold mode's servers
		known := m.name == ModeCold || m.childKnown && len(m.pids) > 0
		server += m.childCPU
		if known {
			s := round4(float64(server.Microseconds()) / n)
			r.CPU.Server = &s
			r.CPU.Total = round4(r.CPU.Client + s)
		}
	}
	return r
}

// ratios compares the modes that ran; a ratio is null when one of its modes did not run.
func ratios(modes []ModeResult) Ratios {
	by := map[string]*ModeResult{}
	for i := range modes {
		by[modes[i].Mode] = &modes[i]
	}
	ratio := func(a, b float64) *float64 {
		if b <= 0 {
			return nil
		}
		r := round4(a / b)
		return &r
	}
	var out Ratios
	if p, r := by[ModePooled], by[ModeRaw]; p != nil && r != nil {
		out.PooledOverRawP50 = ratio(p.P50Ms, r.P50Ms)
		out.PooledOverRawCPU = ratio(p.CPU.Client, r.CPU.Client)
	}
	if c, p := by[ModeCold], by[ModePooled]; c != nil && p != nil {
		out.ColdOverPooledP50 = ratio(c.P50Ms, p.P50Ms)
	}
	if c, p := by[ModePooledConcurrent], by[ModePooled]; c != nil && p != nil {
		out.ConcurrentOverPooled = ratio(c.CallsPerSec, p.CallsPerSec)
	}
	return out
}

// singleLatency is the time of one call on a warm session, the unit of the sweep's ideal.
func singleLatency(modes []ModeResult) time.Duration {
	for _, name := range []string{ModeRaw, ModePooled} {
		for _, m := range modes {
			if m.Mode == name && m.P50Ms > 0 {
				return time.Duration(m.P50Ms * float64(time.Millisecond))
			}
		}
	}
	return 0
}

// machine describes where the run happened, load included: ratios from a busy machine spread.
func machine() Machine {
	m := Machine{
		CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		OS: runtime.GOOS, Arch: runtime.GOARCH, Go: runtime.Version(),
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	return m
}
