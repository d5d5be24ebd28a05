package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/capability"
)

// appActor is the root of the tree: it spawns one server actor per enabled server in config
// order, and spawns the workflow runs and capability scans under itself (spawnWork), so that
// stopping it is the one path that stops everything. When stopped, it stops the runs and
// scans first, all at once, since they are clients of the servers; then the servers one by
// one from last to first (protoactor would stop children concurrently).
type appActor struct {
	servers []ServerOptions
	pids    []*actor.PID
	work    map[string]*actor.PID // runs and scans, by id; they leave it when they stop
}

// serversQuery asks the app actor for its server actors, in config order.
type serversQuery struct{}

type serversAnswer struct{ pids []*actor.PID }

// spawnWork asks the app actor to spawn a workflow run or a capability scan as its child;
// the answer is a *spawnedWork. It carries props, a live value, so it never leaves the
// process: it is the runtime's own message to its root, not part of the plain-data protocol
// between actors.
type spawnWork struct {
	props *actor.Props
	name  string
}

type spawnedWork struct {
	pid *actor.PID
	err error
}

func newAppProps(servers []ServerOptions) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return &appActor{servers: servers, work: map[string]*actor.PID{}} })
}

func (a *appActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		for _, opts := range a.servers {
			pid, err := ctx.SpawnNamed(NewServerProps(opts), "server-"+opts.Spec.Name)
			if err != nil { // names are unique in a project: this is a bug
				opts.Log.Error().Err(err).Str("server", opts.Spec.Name).Msg("spawn server actor")
			}
			a.pids = append(a.pids, pid)
		}
	case *serversQuery:
		ctx.Respond(&serversAnswer{pids: a.pids})
	case *spawnWork:
		pid, err := ctx.SpawnNamed(m.props, m.name)
		if err == nil {
			a.work[pid.Id] = pid // a child's Terminated comes to its parent unasked
		}
		ctx.Respond(&spawnedWork{pid: pid, err: err})
	case *actor.Terminated:
		delete(a.work, m.Who.Id)
	case *actor.Stopping:
		a.stopWork(ctx)
		for i := len(a.pids) - 1; i >= 0; i-- {
			if a.pids[i] != nil {
				_ = ctx.StopFuture(a.pids[i]).Wait()
			}
		}
	}
}

// stopWork stops every run and scan at once and waits for each: a run reports what it has
// when stopped, a scan cancels its requests and waits for its goroutines.
func (a *appActor) stopWork(ctx actor.Context) {
	futures := make([]*actor.Future, 0, len(a.work))
	for _, pid := range a.work {
		futures = append(futures, ctx.StopFuture(pid))
	}
	for _, f := range futures {
		_ = f.Wait()
	}
	clear(a.work)
}

// serverOptions builds the options of each enabled server's actor.
func serverOptions(project *capability.Project, events EventHook, log zerolog.Logger, td *teardown, mailboxes *runners) []ServerOptions {
	var out []ServerOptions
	eras := newEraMemory() // one per runtime: an origin's era is the same for every server on it
	for _, spec := range project.Enabled() {
		spec.Policy = spec.Policy.WithDefaults() // a spec built by hand works too
		o := ServerOptions{Spec: spec, Stats: &ServerStats{}, Events: events, Log: log, teardown: td, eras: eras, mailboxes: mailboxes}
		if spec.Isolation == capability.IsolationShared {
			o.lanes = &laneSlot{}
		}
		out = append(out, o)
	}
	return out
}
