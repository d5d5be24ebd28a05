package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
)

// Options say what Run measures, and how much.
type Options struct {
	// Project is the configuration Server comes from; no other server of it is started.
	Project *capability.Project
	// Server and Tool name what every call calls, with Args (a JSON object; nil for none).
	Server string
	Tool   string
	Args   json.RawMessage

	// Modes are the modes to run (see ModeNames), reported in this order; nil runs them all.
	Modes []string
	// Calls is the number of calls of each warm mode (raw, pooled, pooled-concurrent), at
	// least 1. ColdCalls is that of the cold mode; 0 leaves the cold mode out.
	Calls     int
	ColdCalls int
	// Concurrency is the number of callers of the pooled-concurrent mode, at least 1.
	Concurrency int
	// Sessions and Inflight shape the pool of the pooled-concurrent mode. 0: the server's
	// max_sessions, and Concurrency / Sessions (at most the server's max_inflight).
	Sessions int
	Inflight int
	// Rounds is the number of interleaved rounds, at least 1: each runs a batch of every
	// mode, in an order that rotates from round to round.
	Rounds int

	// SweepSessions × SweepInflight are the pool shapes the sweep measures, SweepTime each.
	// A SweepTime of 0 runs no sweep, and the report suggests no pool size.
	SweepSessions []int
	SweepInflight []int
	SweepTime     time.Duration

	// Executor are the options of every executor Run starts (a logger, an event log).
	Executor []executor.Option
	// Progress, when set, gets a line of progress as the run goes on: what is being set up,
	// each round, each sweep point.
	Progress func(line string)
}

// check refuses options Run cannot follow.
func (o *Options) check() error {
	if o.Project == nil || o.Server == "" || o.Tool == "" {
		return errors.New("bench: Project, Server and Tool are required")
	}
	for _, m := range o.Modes {
		if !knownMode(m) {
			return fmt.Errorf("bench: unknown mode %q (want %s)", m, strings.Join(append(ModeNames(), eraModeNames...), ", "))
		}
	}
	switch {
	case o.Calls < 1 || o.Concurrency < 1 || o.Rounds < 1:
		return errors.New("bench: Calls, Concurrency and Rounds must be at least 1")
	case o.ColdCalls < 0 || o.Sessions < 0 || o.Inflight < 0 || o.SweepTime < 0:
		return errors.New("bench: ColdCalls, Sessions, Inflight and SweepTime must not be negative")
	case o.SweepTime > 0 && (len(o.SweepSessions) == 0 || len(o.SweepInflight) == 0):
		return errors.New("bench: a sweep needs SweepSessions and SweepInflight")
	case slices.ContainsFunc(o.SweepSessions, nonPositive) || slices.ContainsFunc(o.SweepInflight, nonPositive):
		return errors.New("bench: SweepSessions and SweepInflight must be positive")
	}
	return nil
}

func nonPositive(n int) bool { return n < 1 }

func (o *Options) progress(format string, a ...any) {
	if o.Progress != nil {
		o.Progress(fmt.Sprintf(format, a...))
	}
}

// Run sets the modes up, runs their calls interleaved, sweeps pool shapes and reports. It
// closes every session and executor it opened before it returns. Calls that answer with an
// isError result are measured and counted (Report.ToolErrors); any other failed call ends
// the run with an error.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	spec, ok := o.Project.Server(o.Server)
	if !ok {
		return nil, fmt.Errorf("bench: unknown server %q", o.Server)
	}
	if o.Modes == nil {
		o.Modes = modeNames
	}
	var names []string // a mode named twice runs once
	for _, m := range o.Modes {
		if !slices.Contains(names, m) {
			names = append(names, m)
		}
	}
	o.Modes = names
	t := &target{project: o.Project, spec: *spec, tool: o.Tool, args: o.Args, opts: o.Executor}

	started := time.Now()
	sessions := o.Sessions
	if sessions == 0 {
		sessions = max(t.spec.MaxSessions, 1)
	}
	inflight := o.Inflight
	if inflight == 0 {
		inflight = min(t.spec.MaxInflight, max(1, (o.Concurrency+sessions-1)/sessions))
	}
	rep := &Report{
		Server: t.spec.Name, Tool: t.tool, Transport: string(t.spec.Transport),
		Machine: machine(),
		Settings: Settings{
			Calls: o.Calls, ColdCalls: o.ColdCalls, Concurrency: o.Concurrency, Sessions: sessions,
			Inflight: inflight, Rounds: o.Rounds, Modes: o.Modes, SweepMs: msOf(o.SweepTime),
		},
		Configured: PoolSettings{MaxSessions: t.spec.MaxSessions, MaxInflight: t.spec.MaxInflight},
		CPUNote:    cpuNote,
		Sweep:      []SweepPoint{},
	}
	o.progress("%s %s over %s; setting up %s", t.spec.Name, t.tool, t.spec.Transport, strings.Join(o.Modes, ", "))

	modes, info, err := t.setUp(ctx, &o, sessions, inflight)
	defer func() {
		for _, m := range modes {
			if m.close != nil {
				m.close()
			}
		}
	}()
	if err != nil {
		return nil, err
	}
	if info != nil {
		rep.Protocol = info.ProtocolVersion
		if info.ServerInfo != nil {
			rep.ServerInfo = strings.TrimSpace(info.ServerInfo.Name + " " + info.ServerInfo.Version)
		}
	}
	if rep.Modes, err = measure(ctx, modes, o.Rounds, t.spec.Transport, &o); err != nil {
		return nil, err
	}
	rep.Ratios = ratios(rep.Modes)
	if o.SweepTime > 0 {
		rep.Sweep, err = runSweep(ctx, t, o.SweepSessions, o.SweepInflight, o.SweepTime, singleLatency(rep.Modes), func(p SweepPoint) {
			o.progress("sweep %d session(s) × %d in flight: %.0f calls/s", p.Sessions, p.Inflight, p.CallsPerSec)
		})
		if err != nil {
			return nil, err
		}
		rep.Suggested = suggest(rep.Sweep)
	}
	rep.DurationMs = round4(msOf(time.Since(started)))
	return rep, nil
}

// setUp opens what each mode needs and warms it up. The modes are returned also on error,
// for the caller to close.
func (t *target) setUp(ctx context.Context, o *Options, sessions, inflight int) ([]*mode, *mcp.InitializeResult, error) {
	var (
		modes []*mode
		info  *mcp.InitializeResult
	)
	for _, name := range o.Modes {
		var (
			m   *mode
			err error
		)
		switch name {
		case ModeCold:
			if o.ColdCalls == 0 {
				continue
			}
			m = t.coldMode(o.ColdCalls)
			err = m.sequential(ctx, 1) // warm-up (the binary into the page cache), discarded below
		case ModeRaw:
			var cs *mcp.ClientSession
			m, cs, err = t.rawMode(ctx, o.Calls)
			if err == nil {
				info = cs.InitializeResult()
				err = m.sequential(ctx, 5) // warm-up, discarded below
			}
		case ModePooled:
			var ex *executor.Executor
			m, ex, err = t.pooledMode(ctx, ModePooled, o.Calls, 1, 0, 0)
			if err == nil && info == nil {
				info, err = ex.ServerInfo(ctx, t.spec.Name)
			}
		case ModePooledConcurrent:
			m, _, err = t.pooledMode(ctx, ModePooledConcurrent, o.Calls, o.Concurrency, sessions, inflight)
		case ModePooledLegacy, ModePooledModern:
			spec := t.spec
			spec.Protocol = strings.TrimPrefix(name, "pooled-")
			m, _, err = t.pooledModeOf(ctx, spec, name, o.Calls, 1, 0, 0)
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
func measure(ctx context.Context, modes []*mode, rounds int, transport capability.Transport, o *Options) ([]ModeResult, error) {
	for _, m := range modes {
		m.childCPU0, m.childKnown = childCPU(m.pids)
	}
	err := runInterleaved(ctx, modes, rounds, func(r int) {
		o.progress("round %d/%d", r, rounds)
	})
	if err != nil {
		return nil, err
	}
	out := make([]ModeResult, 0, len(modes))
	for _, m := range modes {
		end, ok := childCPU(m.pids)
		m.childCPU, m.childKnown = end-m.childCPU0, m.childKnown && ok
		out = append(out, m.result(transport))
	}
	return out, nil
}
