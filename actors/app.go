package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/capability"
)

// appActor is the root of the tree: it spawns one server actor per enabled server in config
// order and, when stopped, stops them one by one from last to first (protoactor would stop
// children concurrently).
type appActor struct {
	servers []ServerOptions
	pids    []*actor.PID
}

// serversQuery asks the app actor for its server actors, in config order.
type serversQuery struct{}

type serversAnswer struct{ pids []*actor.PID }

func newAppProps(servers []ServerOptions) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return &appActor{servers: servers} })
}

func (a *appActor) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
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
	case *actor.Stopping:
		for i := len(a.pids) - 1; i >= 0; i-- {
			if a.pids[i] != nil {
				_ = ctx.StopFuture(a.pids[i]).Wait()
			}
		}
	}
}

// serverOptions builds the options of each enabled server's actor.
func serverOptions(project *capability.Project, events EventHook, log zerolog.Logger, td *teardown) []ServerOptions {
	var out []ServerOptions
	eras := newEraMemory() // one per runtime: an origin's era is the same for every server on it
	for _, spec := range project.Enabled() {
		spec.Policy = spec.Policy.WithDefaults() // a spec built by hand works too
		out = append(out, ServerOptions{Spec: spec, Stats: &ServerStats{}, Events: events, Log: log, teardown: td, eras: eras})
	}
	return out
}
