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

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/bench"
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
	eras        bool
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
	fs.StringVar(&f.modes, "modes", strings.Join(bench.ModeNames(), ","), "modes to run (also "+strings.Join(bench.EraModeNames(), ", ")+")")
	fs.BoolVar(&f.eras, "eras", false, "also run the pooled mode pinned to each protocol era, side by side (for a server that speaks both)")
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
	opts := bench.Options{
		Project: p, Server: pos[0], Tool: pos[1],
		Modes: modes, Calls: f.calls, ColdCalls: f.coldCalls, Concurrency: f.concurrency,
		Sessions: f.sessions, Inflight: f.inflight, Rounds: f.rounds,
		SweepSessions: sweepS, SweepInflight: sweepI, SweepTime: f.sweepTime,
		Executor: []executor.Option{executor.WithLogger(e.log), executor.WithEventLog(logEvents(e.log))},
		Progress: func(line string) { fmt.Fprintf(e.stderr, "spine bench: %s\n", line) },
	}
	toolArgs, err := checkBenchTool(ctx, &opts, given)
	if err != nil {
		return err
	}
	if len(toolArgs) > 0 {
		opts.Args, _ = json.Marshal(toolArgs) // decoded from JSON or typed strings: marshals
	}
	rep, err := bench.Run(ctx, opts)
	if err != nil {
		return err
	}
	return e.writeBench(rep, f.output)
}

// validate checks the flags and returns the modes and sweep shapes they name.
func (f *benchFlags) validate() (modes []string, sweepS, sweepI []int, err error) {
	names := append(bench.ModeNames(), bench.EraModeNames()...)
	given := f.modes
	if f.eras {
		given += "," + strings.Join(bench.EraModeNames(), ",")
	}
	for _, m := range strings.Split(given, ",") {
		m = strings.TrimSpace(m)
		if !slices.Contains(names, m) {
			return nil, nil, nil, badUsage("--modes: unknown mode %q (want %s)", m, strings.Join(names, ", "))
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

// checkBenchTool looks the tool up in the server's tools list, through an executor of its
// own over that server alone, closed before any mode starts, and types the k=v arguments by
// its input schema. An unknown tool is refused (exit 2) before anything is measured.
func checkBenchTool(ctx context.Context, o *bench.Options, given *toolArgs) (map[string]any, error) {
	spec, _ := o.Project.Server(o.Server)
	p := *o.Project
	p.Servers = []capability.ServerSpec{*spec}
	ex, err := executor.New(&p, o.Executor...)
	if err != nil {
		return nil, err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		_ = ex.Close(ctx)
	}()
	tool, err := lookupTool(ctx, ex, o.Server, o.Tool)
	if err != nil {
		return nil, err
	}
	return given.typed(tool)
}

// writeBench prints the report and fails the run (exit 1) when calls answered isError.
func (e *env) writeBench(rep *bench.Report, output string) error {
	if output == "json" {
		if err := writeJSON(e.stdout, rep); err != nil {
			return err
		}
	} else {
		_ = rep.WriteText(e.stdout) // as for every command's text, a failed write is not checked
	}
	if n := rep.ToolErrors(); n > 0 {
		fmt.Fprintf(e.stderr, "spine bench: %d call(s) returned an isError result\n", n)
		return errReported
	}
	return nil
}
