package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
)

// The modes Run can measure.
const (
	// ModeCold opens a raw go-sdk session per call (see Connect): spawn or dial, handshake,
	// the call, the close. What a host that opens a session per call pays.
	ModeCold = "cold"
	// ModeRaw calls on one persistent raw go-sdk session, one call after the other: the
	// limit a pool can approach.
	ModeRaw = "raw"
	// ModePooled makes the same calls through an executor with the server's configured pool.
	ModePooled = "pooled"
	// ModePooledConcurrent makes them from Options.Concurrency callers through a pool of
	// exactly Options.Sessions sessions.
	ModePooledConcurrent = "pooled-concurrent"
)

var modeNames = []string{ModeCold, ModeRaw, ModePooled, ModePooledConcurrent}

// The era modes make the pooled mode's calls with the server's protocol pinned to one era, so
// that a server that speaks both shows what each costs, side by side in one run. They are not
// run by default.
const (
	ModePooledLegacy = "pooled-" + capability.ProtocolLegacy
	ModePooledModern = "pooled-" + capability.ProtocolModern
)

var eraModeNames = []string{ModePooledLegacy, ModePooledModern}

// ModeNames returns every mode, in the order `spine bench` runs them by default.
func ModeNames() []string { return slices.Clone(modeNames) }

// EraModeNames returns the era modes (pooled, with the protocol pinned to each era).
func EraModeNames() []string { return slices.Clone(eraModeNames) }

// knownMode says whether Run can measure the mode called name.
func knownMode(name string) bool {
	return slices.Contains(modeNames, name) || slices.Contains(eraModeNames, name)
}

// closeTimeout bounds the drain of an executor's in-flight calls when a mode closes it.
const closeTimeout = 5 * time.Second

// callOutcome is what one measured call says besides its latency.
type callOutcome struct {
	isError  bool
	answered time.Duration // cold: from spawn/dial to the answer, before the close
}

// mode is one way of making the calls. Its calls are made in batches, interleaved with the
// other modes' batches, and measured batch by batch.
type mode struct {
	name     string
	planned  int
	callers  int // goroutines calling at once
	sessions int // sessions serving the calls (0 = one per call)
	inflight int // max_inflight of those sessions
	call     func(ctx context.Context) (callOutcome, error)
	close    func()
	pids     []int // live child processes serving the mode (stdio servers)

	done       int
	lat        []time.Duration
	answers    []time.Duration
	wall       time.Duration
	cpu        cpuClock
	toolErrors int
	childCPU0  time.Duration
	childCPU   time.Duration
	childKnown bool
}

// batch makes n calls and adds their latencies, wall time and CPU time to the mode.
func (m *mode) batch(ctx context.Context, n int) error {
	c0 := readCPU()
	start := time.Now()
	var err error
	if m.callers <= 1 {
		err = m.sequential(ctx, n)
	} else {
		err = m.parallel(ctx, n)
	}
	m.wall += time.Since(start)
	d := readCPU().sub(c0)
	m.cpu.self += d.self
	m.cpu.children += d.children
	m.done += n
	return err
}

func (m *mode) sequential(ctx context.Context, n int) error {
	for range n {
		start := time.Now()
		out, err := m.call(ctx)
		if err != nil {
			return err
		}
		m.record(time.Since(start), out)
	}
	return nil
}

func (m *mode) record(d time.Duration, out callOutcome) {
	m.lat = append(m.lat, d)
	if out.answered > 0 {
		m.answers = append(m.answers, out.answered)
	}
	if out.isError {
		m.toolErrors++
	}
}

// reset forgets what warm-up calls recorded.
func (m *mode) reset() {
	m.done, m.lat, m.answers, m.wall, m.cpu, m.toolErrors = 0, nil, nil, 0, cpuClock{}, 0
}

// parallel makes n calls from m.callers goroutines, each taking the next call as soon as
// its previous one is answered.
func (m *mode) parallel(ctx context.Context, n int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range m.callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var outs []callOutcome
			for next.Add(1) <= int64(n) {
				start := time.Now()
				out, err := m.call(ctx)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					cancel()
					return
				}
				lat = append(lat, time.Since(start))
				outs = append(outs, out)
			}
			mu.Lock()
			for i := range lat {
				m.record(lat[i], outs[i])
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return first
}

// runInterleaved runs every mode's planned calls in rounds: each round runs one batch per
// mode, in an order that rotates from round to round, so that drift of a shared, noisy
// machine hits every mode alike.
func runInterleaved(ctx context.Context, modes []*mode, rounds int, progress func(round int)) error {
	for r := range rounds {
		for i := range modes {
			m := modes[(i+r)%len(modes)]
			n := (m.planned - m.done + rounds - r - 1) / (rounds - r)
			if n == 0 {
				continue
			}
			if err := m.batch(ctx, n); err != nil {
				return fmt.Errorf("%s mode: %w", m.name, err)
			}
		}
		progress(r + 1)
	}
	return nil
}

// target is what every mode calls: one tool of one server with fixed arguments.
type target struct {
	project *capability.Project
	spec    capability.ServerSpec
	tool    string
	args    json.RawMessage // nil for none
	opts    []executor.Option
}

// params builds fresh call params (the SDK writes into them).
func (t *target) params() *mcp.CallToolParams {
	p := &mcp.CallToolParams{Name: t.tool}
	if len(t.args) > 0 {
		p.Arguments = t.args
	}
	return p
}

func (t *target) callTimeout() time.Duration { return t.spec.CallTimeoutFor(t.tool) }

// coldMode: a fresh raw go-sdk session per call (Connect): spawn or dial, handshake, the
// call, then the close (go-sdk's, and for stdio the kill of the server's process group).
func (t *target) coldMode(calls int) *mode {
	return &mode{
		name: ModeCold, planned: calls, callers: 1,
		call: func(ctx context.Context) (callOutcome, error) {
			start := time.Now()
			client := mcp.NewClient(&mcp.Implementation{Name: "spine-bench-cold", Version: executor.Version()}, nil)
			s, err := Connect(ctx, t.spec, client)
			if err != nil {
				return callOutcome{}, err
			}
			defer s.Close()
			cctx, cancel := context.WithTimeout(ctx, t.callTimeout())
			defer cancel()
			res, err := s.ClientSession().CallTool(cctx, t.params())
			if err != nil {
				return callOutcome{}, err
			}
			return callOutcome{isError: res.IsError, answered: time.Since(start)}, nil
		},
	}
}

// rawMode: one persistent raw go-sdk session (Connect), sequential calls: the limit a pool
// can approach.
func (t *target) rawMode(ctx context.Context, calls int) (*mode, *mcp.ClientSession, error) {
	s, err := Connect(ctx, t.spec, nil)
	if err != nil {
		return nil, nil, err
	}
	cs := s.ClientSession()
	m := &mode{
		name: ModeRaw, planned: calls, callers: 1, sessions: 1, inflight: 1, close: s.Close,
		call: func(ctx context.Context) (callOutcome, error) {
			cctx, cancel := context.WithTimeout(ctx, t.callTimeout())
			defer cancel()
			res, err := cs.CallTool(cctx, t.params())
			if err != nil {
				return callOutcome{}, err
			}
			return callOutcome{isError: res.IsError}, nil
		},
	}
	if pid := s.Pid(); pid > 0 {
		m.pids = []int{pid}
	}
	return m, cs, nil
}

// executorFor starts an executor over spec alone (the rest of the project is not started).
func (t *target) executorFor(spec capability.ServerSpec) (*executor.Executor, error) {
	p := *t.project
	p.Servers = []capability.ServerSpec{spec}
	return executor.New(&p, t.opts...)
}

// pooledMode: the same calls through an executor with the server's configured pool.
// pooledConcurrent: callers goroutines through a pool of exactly sessions sessions.
func (t *target) pooledMode(ctx context.Context, name string, calls, callers, sessions, inflight int) (*mode, *executor.Executor, error) {
	return t.pooledModeOf(ctx, t.spec, name, calls, callers, sessions, inflight)
}

// pooledModeOf is pooledMode over spec (the target's server, changed: an era mode's pin).
func (t *target) pooledModeOf(ctx context.Context, spec capability.ServerSpec, name string, calls, callers, sessions, inflight int) (*mode, *executor.Executor, error) {
	if sessions > 0 {
		spec.MinSessions, spec.MaxSessions, spec.MaxInflight = sessions, sessions, inflight
	}
	before := childPids()
	ex, err := t.executorFor(spec)
	if err != nil {
		return nil, nil, err
	}
	closeEx := func() { closeExecutor(ex) }
	if err := warmExecutor(ctx, ex, t, max(sessions, 1), callers); err != nil {
		closeEx()
		return nil, nil, err
	}
	m := &mode{
		name: name, planned: calls, callers: callers, close: closeEx,
		sessions: int(ex.Stats().Servers[spec.Name].Sessions.Ready), inflight: spec.MaxInflight,
		pids: newChildren(before, childPids()),
		call: func(ctx context.Context) (callOutcome, error) {
			res, err := ex.CallTool(ctx, spec.Name, t.tool, t.args)
			if err != nil {
				return callOutcome{}, err
			}
			return callOutcome{isError: res.IsError}, nil
		},
	}
	return m, ex, nil
}

// warmExecutor waits until ex has sessions ready, then makes 2×callers calls from callers
// goroutines, so that measured calls find warm sessions.
func warmExecutor(ctx context.Context, ex *executor.Executor, t *target, sessions, callers int) error {
	if _, err := ex.CallTool(ctx, t.spec.Name, t.tool, t.args); err != nil {
		return err
	}
	deadline := time.Now().Add(t.spec.ConnectTimeout + 5*time.Second)
	for ex.Stats().Servers[t.spec.Name].Sessions.Ready < int64(sessions) {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d sessions not ready within connect_timeout %s", sessions, t.spec.ConnectTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	m := &mode{callers: callers, call: func(ctx context.Context) (callOutcome, error) {
		_, err := ex.CallTool(ctx, t.spec.Name, t.tool, t.args)
		return callOutcome{}, err
	}}
	if callers <= 1 {
		return m.sequential(ctx, 2)
	}
	return m.parallel(ctx, 2*callers)
}

func closeExecutor(ex *executor.Executor) {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	_ = ex.Close(ctx)
}
