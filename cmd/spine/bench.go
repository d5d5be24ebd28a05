package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
)

// benchFlags are the options of `spine bench`.
type benchFlags struct {
	args        string
	calls       int
	coldCalls   int
	concurrency int
	sessions    int
	inflight    int
	rounds      int
	modes       string
	sweepS      string
	sweepI      string
	sweepTime   time.Duration
	output      string
}

func (f *benchFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.args, "args", "", "tool arguments as a JSON object (k=v pairs also work)")
	fs.IntVar(&f.calls, "calls", 500, "calls per mode (raw, pooled, pooled-concurrent)")
	fs.IntVar(&f.coldCalls, "cold-calls", 50, "calls of the cold mode (each spawns or dials a session)")
	fs.IntVar(&f.concurrency, "concurrency", 8, "callers of the pooled-concurrent mode")
	fs.IntVar(&f.sessions, "sessions", 0, "sessions of the pooled-concurrent mode (default: the server's max_sessions)")
	fs.IntVar(&f.inflight, "inflight", 0, "max_inflight of the pooled-concurrent mode (default: concurrency/sessions, at most the server's max_inflight)")
	fs.IntVar(&f.rounds, "rounds", 10, "interleaved rounds: each runs a batch of every mode, in rotating order")
	fs.StringVar(&f.modes, "modes", strings.Join(benchModeNames, ","), "modes to run")
	fs.StringVar(&f.sweepS, "sweep-sessions", "1,2,4", "session counts of the sweep")
	fs.StringVar(&f.sweepI, "sweep-inflight", "1,4,16", "in-flight calls per session of the sweep")
	fs.DurationVar(&f.sweepTime, "sweep-time", 250*time.Millisecond, "time per sweep point (0: no sweep, no suggestion)")
	outputFlag(fs, &f.output, "text", "json")
}

func runBench(ctx context.Context, e *env, args []string) error {
	var f benchFlags
	pos, err := e.flags(args, f.define)
	if err != nil {
		return err
	}
	if err := checkOutput(f.output, "text", "json"); err != nil {
		return err
	}
	if len(pos) < 2 {
		return badUsage("want SERVER and TOOL")
	}
	modes, sweepS, sweepI, err := f.validate()
	if err != nil {
		return err
	}
	given, err := parseToolArgs(f.args, pos[2:])
	if err != nil {
		return err
	}
	p, err := e.project()
	if err != nil {
		return err
	}
	if err := checkServer(p, pos[0]); err != nil {
		return err
	}
	spec, _ := p.Server(pos[0])
	t := &benchTarget{project: p, spec: *spec, tool: pos[1],
		opts: []executor.Option{executor.WithLogger(e.log), executor.WithEventLog(logEvents(e.log))}}
	toolArgs, err := t.checkTool(ctx, given)
	if err != nil {
		return err
	}
	if len(toolArgs) > 0 {
		t.args, _ = json.Marshal(toolArgs) // decoded from JSON or typed strings: marshals
	}
	return e.bench(ctx, t, &f, modes, sweepS, sweepI)
}

// validate checks the flags and returns the modes and sweep shapes they name.
func (f *benchFlags) validate() (modes []string, sweepS, sweepI []int, err error) {
	for _, m := range strings.Split(f.modes, ",") {
		m = strings.TrimSpace(m)
		if !slices.Contains(benchModeNames, m) {
			return nil, nil, nil, badUsage("--modes: unknown mode %q (want %s)", m, strings.Join(benchModeNames, ", "))
		}
		if !slices.Contains(modes, m) {
			modes = append(modes, m)
		}
	}
	switch {
	case f.calls < 1 || f.coldCalls < 0 || f.concurrency < 1 || f.sessions < 0 || f.inflight < 0 || f.rounds < 1:
		return nil, nil, nil, badUsage("--calls, --concurrency and --rounds must be at least 1; --cold-calls, --sessions and --inflight not negative")
	case f.sweepTime < 0:
		return nil, nil, nil, badUsage("--sweep-time must not be negative")
	}
	if sweepS, err = intList("--sweep-sessions", f.sweepS); err != nil {
		return nil, nil, nil, err
	}
	if sweepI, err = intList("--sweep-inflight", f.sweepI); err != nil {
		return nil, nil, nil, err
	}
	return modes, sweepS, sweepI, nil
}

func intList(name, s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 {
			return nil, badUsage("%s: %q is not a positive number", name, part)
		}
		out = append(out, n)
	}
	return out, nil
}

// checkTool looks the tool up in the server's tools list, through an executor of its own
// that is closed before any mode starts, and types the k=v arguments by its input schema.
// An unknown tool is refused (exit 2) before anything is measured.
func (t *benchTarget) checkTool(ctx context.Context, given *toolArgs) (map[string]any, error) {
	ex, err := t.executorFor(t.spec)
	if err != nil {
		return nil, err
	}
	defer closeExecutor(ex)
	tool, err := lookupTool(ctx, ex, t.spec.Name, t.tool)
	if err != nil {
		return nil, err
	}
	return given.typed(tool)
}

// bench sets the modes up, runs them interleaved, sweeps pool shapes and reports.
func (e *env) bench(ctx context.Context, t *benchTarget, f *benchFlags, names []string, sweepS, sweepI []int) error {
	started := time.Now()
	sessions := f.sessions
	if sessions == 0 {
		sessions = t.spec.MaxSessions
	}
	inflight := f.inflight
	if inflight == 0 {
		inflight = min(t.spec.MaxInflight, max(1, (f.concurrency+sessions-1)/sessions))
	}
	rep := &benchReport{
		Server: t.spec.Name, Tool: t.tool, Transport: string(t.spec.Transport),
		Machine: machine(),
		Settings: benchSettings{
			Calls: f.calls, ColdCalls: f.coldCalls, Concurrency: f.concurrency, Sessions: sessions,
			Inflight: inflight, Rounds: f.rounds, Modes: names, SweepMs: msOf(f.sweepTime),
		},
		Configured: benchPoolSettings{MaxSessions: t.spec.MaxSessions, MaxInflight: t.spec.MaxInflight},
		CPUNote:    cpuNote,
		Sweep:      []sweepPoint{},
	}
	e.progress("spine bench: %s %s over %s; setting up %s", t.spec.Name, t.tool, t.spec.Transport, strings.Join(names, ", "))

	modes, info, err := t.setUp(ctx, f, names, sessions, inflight)
	defer func() {
		for _, m := range modes {
			if m.close != nil {
				m.close()
			}
		}
	}()
	if err != nil {
		return err
	}
	if info != nil {
		rep.Protocol = info.ProtocolVersion
		if info.ServerInfo != nil {
			rep.ServerInfo = strings.TrimSpace(info.ServerInfo.Name + " " + info.ServerInfo.Version)
		}
	}
	if rep.Modes, err = e.measure(ctx, modes, f.rounds, t.spec.Transport); err != nil {
		return err
	}
	rep.Ratios = ratios(rep.Modes)
	if f.sweepTime > 0 {
		rep.Sweep, err = runSweep(ctx, t, sweepS, sweepI, f.sweepTime, singleLatency(rep.Modes), func(p sweepPoint) {
			e.progress("spine bench: sweep %d session(s) × %d in flight: %.0f calls/s", p.Sessions, p.Inflight, p.CallsPerSec)
		})
		if err != nil {
			return err
		}
		rep.Suggested = suggest(rep.Sweep)
	}
	rep.DurationMs = round4(msOf(time.Since(started)))
	return e.writeBench(rep, f.output)
}

// setUp opens what each mode needs and warms it up. The modes are returned also on error,
// for the caller to close.
func (t *benchTarget) setUp(ctx context.Context, f *benchFlags, names []string, sessions, inflight int) ([]*benchMode, *mcp.InitializeResult, error) {
	var (
		modes []*benchMode
		info  *mcp.InitializeResult
	)
	for _, name := range names {
		var (
			m   *benchMode
			err error
		)
		switch name {
		case modeCold:
			if f.coldCalls == 0 {
				continue
			}
			m = t.coldMode(f.coldCalls)
			err = m.sequential(ctx, 1) // warm-up (the binary into the page cache), discarded below
		case modeRaw:
			var cs *mcp.ClientSession
			m, cs, err = t.rawMode(ctx, f.calls)
			if err == nil {
				info = cs.InitializeResult()
				err = m.sequential(ctx, 5) // warm-up, discarded below
			}
		case modePooled:
			var ex *executor.Executor
			m, ex, err = t.pooledMode(ctx, modePooled, f.calls, 1, 0, 0)
			if err == nil && info == nil {
				info, err = ex.ServerInfo(ctx, t.spec.Name)
			}
		case modeConcurrent:
			m, _, err = t.pooledMode(ctx, modeConcurrent, f.calls, f.concurrency, sessions, inflight)
		}
		if m != nil {
			modes = append(modes, m)
		}
		if err != nil {
			return modes, nil, fmt.Errorf("set up %s mode: %w", name, err)
		}
		m.reset()
	}
	return modes, info, nil
}

// measure runs the modes' calls interleaved and summarises each mode, with the CPU time its
// live server processes used meanwhile.
func (e *env) measure(ctx context.Context, modes []*benchMode, rounds int, transport capability.Transport) ([]modeResult, error) {
	for _, m := range modes {
		m.childCPU0, m.childKnown = childCPU(m.pids)
	}
	err := runInterleaved(ctx, modes, rounds, func(r int) {
		e.progress("spine bench: round %d/%d", r, rounds)
	})
	if err != nil {
		return nil, err
	}
	out := make([]modeResult, 0, len(modes))
	for _, m := range modes {
		end, ok := childCPU(m.pids)
		m.childCPU, m.childKnown = end-m.childCPU0, m.childKnown && ok
		out = append(out, m.result(transport))
	}
	return out, nil
}

// writeBench prints the report and fails the run (exit 1) when calls answered isError.
func (e *env) writeBench(rep *benchReport, output string) error {
	if output == "json" {
		if err := writeJSON(e.stdout, rep); err != nil {
			return err
		}
	} else {
		writeBenchText(e.stdout, rep)
	}
	toolErrors := 0
	for _, m := range rep.Modes {
		toolErrors += m.ToolErrors
	}
	if toolErrors > 0 {
		fmt.Fprintf(e.stderr, "spine bench: %d call(s) returned an isError result\n", toolErrors)
		return errReported
	}
	return nil
}

// reset forgets what warm-up calls recorded.
func (m *benchMode) reset() {
	m.done, m.lat, m.answers, m.wall, m.cpu, m.toolErrors = 0, nil, nil, 0, cpuClock{}, 0
}

// progress writes one line of progress on stderr.
func (e *env) progress(format string, a ...any) {
	fmt.Fprintf(e.stderr, format+"\n", a...)
}
