package actors

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/describe"
)

// Describer writes the self-description of what a scan found. It runs on its own goroutine,
// never in an actor's Receive, and may call servers (delegated mode calls a builder tool).
type Describer func(ctx context.Context, s *capability.Snapshot) (describe.Result, error)

// ScanOptions configures a capability-scan actor.
type ScanOptions struct {
	// Runtime is the actor tree whose servers are scanned, through their pools. Required.
	Runtime *Runtime
	// Registry receives every snapshot; a change is what triggers events and descriptions.
	// Default: a new, empty registry (so that the first scan of each server is a change).
	Registry *capability.Registry
	// Servers are the servers to scan and watch. Default: every server of the runtime.
	Servers []string
	// Debounce is how long to wait after a list_changed before rescanning, so that a burst
	// of notifications makes one scan. Default DefaultScanDebounce.
	Debounce time.Duration
	// Timeout bounds one scan, and separately one description, of one server.
	// Default DefaultScanTimeout.
	Timeout time.Duration
	// Describe writes the description of a changed snapshot. Default: the standalone
	// generator over describe.FromCapability (no project workflows).
	Describe Describer
	// Events receives every ScanEvent, in order, from the actor's goroutine: it must not
	// block. Listeners registered with Listen receive the same events as messages.
	Events func(ScanEvent)
	// Log receives the actor's own logs: scan failures at warn, the rest at debug.
	Log zerolog.Logger
}

// Listen asks a capability-scan actor to send every ScanEvent to PID.
type Listen struct{ PID *actor.PID }

// Rescan asks a capability-scan actor to scan Server again now (every watched server when
// Server is empty), whether or not it said its lists changed.
type Rescan struct{ Server string }

// Messages the scan actor sends itself. inc is the incarnation that started the work: after
// a restart, answers meant for the old instance are dropped.
type (
	scanDue  struct{ server string }
	scanDone struct {
		inc    uint64
		server string
		snap   *capability.Snapshot
		err    error
	}
	describeDone struct {
		inc    uint64
		server string
		result describe.Result
		err    error
	}
)

// scanIncarnations numbers scan actor instances, so that work started by an instance that
// was restarted can be told apart.
var scanIncarnations atomic.Uint64

// scanState is one watched server: at most one scan-and-describe runs for it at a time.
type scanState struct {
	busy     bool        // a scan or description is under way
	again    bool        // a change arrived meanwhile: scan again when done
	debounce *time.Timer // armed by a list_changed; nil when none is pending
}

// scanActor keeps the registry up to date with what each server offers, rescanning a
// server when it says its lists changed, and has a new description written for what changed.
type scanActor struct {
	opts    ScanOptions
	stopped chan struct{} // closed when the actor has stopped for good (StartScan's); or nil
	inc     uint64
	self    *actor.PID
	root    *actor.RootContext

	states    map[string]*scanState
	listeners []*actor.PID
	base      context.Context // ends when the actor stops: cancels every scan under way
	cancel    context.CancelFunc
	work      sync.WaitGroup // the scan and describe goroutines
}

// NewScanProps returns the props of a capability-scan actor, for a test that spawns it
// itself; programs use Runtime.StartScan, which spawns it under the app actor. Stopping it
// waits for the scans under way to be cancelled.
func NewScanProps(opts ScanOptions) *actor.Props {
	opts = opts.withDefaults()
	return actor.PropsFromProducer(func() actor.Actor { return &scanActor{opts: opts} })
}

// Scan is a running capability-scan actor (Runtime.StartScan).
type Scan struct {
	rt      *Runtime
	pid     *actor.PID
	stopped chan struct{}
}

// StartScan spawns a capability-scan actor for rt (opts.Runtime is rt) under the app actor,
// so that Close stops it with the rest of the tree and waits for it. Every server of
// opts.Servers must be one of rt's; the error names the first that is not. Once Close has
// begun it starts nothing and fails with ErrClosed.
func (rt *Runtime) StartScan(opts ScanOptions) (*Scan, error) {
	opts.Runtime = rt
	opts = opts.withDefaults()
	for _, server := range opts.Servers {
		if _, err := rt.ServerPID(server); err != nil {
			return nil, err
		}
	}
	stopped := make(chan struct{})
	props := actor.PropsFromProducer(func() actor.Actor { return &scanActor{opts: opts, stopped: stopped} })
	pid, err := rt.spawnWork(props, "scan-"+strconv.FormatUint(rt.NextID(), 10))
	if err != nil {
		return nil, fmt.Errorf("capability scan: %w", err)
	}
	return &Scan{rt: rt, pid: pid, stopped: stopped}, nil
}

// Listen has every ScanEvent of the scan sent to pid as well.
func (s *Scan) Listen(pid *actor.PID) { s.rt.system.Root.Send(s.pid, &Listen{PID: pid}) }

// Rescan asks the scan to scan server again now (every watched server for "").
func (s *Scan) Rescan(server string) { s.rt.system.Root.Send(s.pid, &Rescan{Server: server}) }

// Stop stops the scan and returns once it has stopped: its scans under way are cancelled and
// their goroutines have ended, and its hook is called no more. It is idempotent, and returns
// at once when Close has stopped the scan already.
func (s *Scan) Stop() {
	s.rt.system.Root.Stop(s.pid)
	select {
	case <-s.stopped:
	case <-s.rt.shutdown: // the system is gone: nothing runs any more
	}
}

// withDefaults fills in the defaults of ScanOptions: the one place they are set.
func (o ScanOptions) withDefaults() ScanOptions {
	if o.Registry == nil {
		o.Registry = capability.NewRegistry()
	}
	if o.Servers == nil && o.Runtime != nil {
		o.Servers = o.Runtime.Servers()
	}
	if o.Debounce <= 0 {
		o.Debounce = DefaultScanDebounce
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultScanTimeout
	}
	if o.Describe == nil {
		o.Describe = StandaloneDescriber
	}
	if o.Events == nil {
		o.Events = func(ScanEvent) {}
	}
	return o
}

// StandaloneDescriber describes a snapshot with the standalone generator and no workflows.
func StandaloneDescriber(_ context.Context, s *capability.Snapshot) (describe.Result, error) {
	var g describe.Generator
	return g.Generate(describe.FromCapability(s))
}

// Receive implements actor.Actor.
func (a *scanActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		a.start(ctx)
	case *Listen:
		a.listeners = append(a.listeners, m.PID)
	case *ListChanged:
		a.listChanged(m.Server)
	case *Rescan:
		for _, server := range a.opts.Servers {
			if m.Server == "" || m.Server == server {
				a.due(ctx, server)
			}
		}
	case *scanDue:
		if st := a.states[m.server]; st != nil {
			st.debounce = nil
		}
		a.due(ctx, m.server)
	case *scanDone:
		if m.inc == a.inc {
			a.scanned(ctx, m)
		}
	case *describeDone:
		if m.inc == a.inc {
			a.described(ctx, m)
		}
	case *actor.Stopping, *actor.Restarting:
		a.stop()
	case *actor.Stopped:
		if a.stopped != nil {
			close(a.stopped)
		}
	}
}

// start subscribes to every watched server, then scans each once: a change between the
// two is caught by the rescan it triggers.
func (a *scanActor) start(ctx actor.Context) {
	a.inc = scanIncarnations.Add(1)
	a.self, a.root = ctx.Self(), ctx.ActorSystem().Root
	a.base, a.cancel = context.WithCancel(context.Background())
	a.states = make(map[string]*scanState, len(a.opts.Servers))
	for _, server := range a.opts.Servers {
		if a.opts.Runtime == nil {
			a.publish(ctx, &ScanFailed{Server: server, Err: fmt.Errorf("server %q: %w: no runtime to scan", server, ErrClosed)})
			continue
		}
		pid, err := a.opts.Runtime.ServerPID(server)
		if err != nil {
			a.publish(ctx, &ScanFailed{Server: server, Err: err})
			continue
		}
		ctx.Send(pid, &Subscribe{PID: a.self})
		a.states[server] = &scanState{}
		a.due(ctx, server)
	}
}

// listChanged arms the server's debounce timer, unless one is armed already.
func (a *scanActor) listChanged(server string) {
	st := a.states[server]
	if st == nil || st.debounce != nil {
		return
	}
	root, self := a.root, a.self
	st.debounce = time.AfterFunc(a.opts.Debounce, func() { root.Send(self, &scanDue{server: server}) })
}

// due scans server now, or once the scan under way is done.
func (a *scanActor) due(ctx actor.Context, server string) {
	st := a.states[server]
	switch {
	case st == nil:
		return
	case st.busy:
		st.again = true
		return
	}
	st.busy = true
	a.opts.Log.Debug().Str("server", server).Msg("capability scan")
	rt, inc := a.opts.Runtime, a.inc
	a.goWork(func(wctx context.Context) any {
		snap, err := ScanServer(wctx, rt, server)
		return &scanDone{inc: inc, server: server, snap: snap, err: err}
	})
}

// goWork runs fn on a goroutine with a bounded context and sends its answer to the actor.
func (a *scanActor) goWork(fn func(context.Context) any) {
	root, self, base, timeout := a.root, a.self, a.base, a.opts.Timeout
	a.work.Add(1)
	go func() {
		defer a.work.Done()
		wctx, cancel := context.WithTimeout(base, timeout)
		defer cancel()
		msg := fn(wctx)
		if base.Err() == nil {
			root.Send(self, msg)
		}
	}()
}

// scanned records a scan: a changed snapshot is published and described.
func (a *scanActor) scanned(ctx actor.Context, m *scanDone) {
	if m.err != nil {
		a.publish(ctx, &ScanFailed{Server: m.server, Err: m.err})
		a.done(ctx, m.server)
		return
	}
	if !a.opts.Registry.Put(m.snap) {
		a.opts.Log.Debug().Str("server", m.server).Str("hash", m.snap.Hash).Msg("capabilities unchanged")
		a.done(ctx, m.server)
		return
	}
	a.publish(ctx, &CapabilitiesChanged{Server: m.server, Hash: m.snap.Hash, Snapshot: m.snap})
	snap, describer, inc := m.snap, a.opts.Describe, a.inc
	a.goWork(func(wctx context.Context) any {
		r, err := describer(wctx, snap)
		if err != nil {
			err = fmt.Errorf("describe: %w", err)
		}
		return &describeDone{inc: inc, server: snap.Server, result: r, err: err}
	})
}

func (a *scanActor) described(ctx actor.Context, m *describeDone) {
	if m.err != nil {
		a.publish(ctx, &ScanFailed{Server: m.server, Err: m.err})
	} else {
		a.publish(ctx, &DescriptionChanged{Server: m.server, Result: m.result})
	}
	a.done(ctx, m.server)
}

// done ends the server's scan, starting the next one if a change arrived meanwhile.
func (a *scanActor) done(ctx actor.Context, server string) {
	st := a.states[server]
	if st == nil {
		return
	}
	st.busy = false
	if st.again {
		st.again = false
		a.due(ctx, server)
	}
}

// publish hands an event to the hook and to every listener.
func (a *scanActor) publish(ctx actor.Context, ev ScanEvent) {
	if f, ok := ev.(*ScanFailed); ok {
		a.opts.Log.Warn().Str("server", f.Server).Err(f.Err).Msg("capability scan failed")
	} else {
		a.opts.Log.Debug().Str("event", ev.String()).Msg("capability scan")
	}
	a.opts.Events(ev)
	for _, pid := range a.listeners {
		ctx.Send(pid, ev)
	}
}

// stop cancels the scans under way and waits for their goroutines: they return as soon as
// their requests see the cancellation.
func (a *scanActor) stop() {
	for _, st := range a.states {
		if st.debounce != nil {
			st.debounce.Stop()
			st.debounce = nil
		}
	}
	if a.cancel != nil {
		a.cancel()
	}
	a.work.Wait()
}
