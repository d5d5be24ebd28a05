package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/spine-mcp/spine/executor"
)

// SweepPoint is the throughput of one pool shape: sessions × in-flight callers kept busy for
// a fixed time.
type SweepPoint struct {
	Sessions    int     `json:"sessions"`
	Inflight    int     `json:"inflight"`
	Callers     int     `json:"callers"`
	Calls       int     `json:"calls"`
	CallsPerSec float64 `json:"calls_per_sec"`
	P50Ms       float64 `json:"p50_ms"`
	P99Ms       float64 `json:"p99_ms"`
	// PctOfIdeal compares CallsPerSec with sessions × in-flight / the single-call p50 (raw
	// mode's, else pooled mode's): what perfect pipelining would give.
	PctOfIdeal float64 `json:"pct_of_ideal"`
}

// Suggestion is the pool shape the sweep recommends.
type Suggestion struct {
	MaxSessions int     `json:"max_sessions"`
	MaxInflight int     `json:"max_inflight"`
	CallsPerSec float64 `json:"calls_per_sec"`
	Reason      string  `json:"reason"`
}

// runSweep measures every shape of sessions × inflight: one executor per session count
// (exactly that many sessions, warm), then sessions × inflight callers for each in-flight
// value, each for about each. Least-loaded dispatch spreads the callers evenly, so each
// session has inflight calls in flight.
func runSweep(ctx context.Context, t *target, sessions, inflight []int, each, single time.Duration, progress func(SweepPoint)) ([]SweepPoint, error) {
	var out []SweepPoint
	for _, s := range sessions {
		spec := t.spec
		spec.MinSessions, spec.MaxSessions, spec.MaxInflight = s, s, slices.Max(inflight)
		ex, err := t.executorFor(spec)
		if err != nil {
			return out, err
		}
		err = warmExecutor(ctx, ex, t, s, s)
		for _, f := range inflight {
			if err != nil {
				break
			}
			var p SweepPoint
			p, err = sweepOnce(ctx, ex, t, s, f, each)
			if err == nil {
				if single > 0 {
					ideal := float64(s*f) / single.Seconds()
					p.PctOfIdeal = round4(100 * p.CallsPerSec / ideal)
				}
				out = append(out, p)
				progress(p)
			}
		}
		closeExecutor(ex)
		if err != nil {
			return out, fmt.Errorf("sweep %d sessions: %w", s, err)
		}
	}
	return out, nil
}

// sweepOnce keeps sessions × inflight callers busy until each has passed and measures the
// calls that started before then.
func sweepOnce(ctx context.Context, ex *executor.Executor, t *target, sessions, inflight int, each time.Duration) (SweepPoint, error) {
	callers := sessions * inflight
	call := func(ctx context.Context) error {
		_, err := ex.CallTool(ctx, t.spec.Name, t.tool, t.args)
		return err
	}
	// A short warm-up at this concurrency, untimed.
	if err := keepBusy(ctx, callers, time.Now().Add(each/10), call, nil); err != nil {
		return SweepPoint{}, err
	}
	var (
		mu  sync.Mutex
		lat []time.Duration
	)
	start := time.Now()
	err := keepBusy(ctx, callers, start.Add(each), call, func(d time.Duration) {
		mu.Lock()
		lat = append(lat, d)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	if err != nil {
		return SweepPoint{}, err
	}
	sum := summarize(lat)
	return SweepPoint{
		Sessions: sessions, Inflight: inflight, Callers: callers, Calls: len(lat),
		CallsPerSec: round4(float64(len(lat)) / elapsed.Seconds()),
		P50Ms:       round4(sum.P50Ms), P99Ms: round4(sum.P99Ms),
	}, nil
}

// keepBusy runs callers goroutines that call until deadline; record (if set) gets every
// call's latency. The first error stops all of them.
func keepBusy(ctx context.Context, callers int, deadline time.Time, call func(context.Context) error, record func(time.Duration)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				start := time.Now()
				if err := call(ctx); err != nil {
					once.Do(func() { first = err })
					cancel()
					return
				}
				if record != nil {
					record(time.Since(start))
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err() // the caller's context ended (nothing here cancels it otherwise)
	}
	return first
}

// suggest picks the smallest pool shape (sessions × in-flight, then fewer sessions) whose
// throughput is within 10% of the best the sweep saw: past that point more concurrency only
// adds waiting, and more sessions cost processes and memory.
func suggest(points []SweepPoint) *Suggestion {
	if len(points) == 0 {
		return nil
	}
	best := slices.MaxFunc(points, func(a, b SweepPoint) int {
		return cmpFloat(a.CallsPerSec, b.CallsPerSec)
	})
	var pick *SweepPoint
	for i := range points {
		p := &points[i]
		if p.CallsPerSec < 0.9*best.CallsPerSec {
			continue
		}
		if pick == nil || p.Callers < pick.Callers || (p.Callers == pick.Callers && p.Sessions < pick.Sessions) {
			pick = p
		}
	}
	reason := fmt.Sprintf("%.0f calls/s with %d session(s) × %d in flight, within 10%% of the best seen (%.0f calls/s at %d × %d)",
		pick.CallsPerSec, pick.Sessions, pick.Inflight, best.CallsPerSec, best.Sessions, best.Inflight)
	if largest := slices.MaxFunc(points, func(a, b SweepPoint) int { return a.Callers - b.Callers }); pick.Callers == largest.Callers {
		reason += "; still scaling at the largest shape measured: try larger --sweep-sessions / --sweep-inflight"
	} else if pick.Inflight == 1 && pick.Sessions > 1 {
		reason += "; in-flight calls did not help, sessions did: the server may not pipeline"
	}
	return &Suggestion{MaxSessions: pick.Sessions, MaxInflight: pick.Inflight, CallsPerSec: pick.CallsPerSec, Reason: reason}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
