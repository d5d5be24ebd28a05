package actors

import (
	"context"
	"log/slog"
	"sync"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// One actor system serves every Runtime of a process. protoactor's constructor allocates its
// process registry as 1,024 buckets of 32 maps each (~3 MB, 10–70 ms on two busy cores), and
// a system has no goroutine of its own, so it is made once, shrunk (shrinkRegistry) and kept;
// each Runtime owns its app actor and everything under it, and Close stops those. Nothing
// in a Runtime depends on the system being its own: actor names carry the runtime's id, and
// every reply process SPINE registers is removed by its owner.
var shared struct {
	once   sync.Once
	system *actor.ActorSystem
	logs   systemLogs
}

// actorSystem returns the process's actor system, making it on first use.
func actorSystem() *actor.ActorSystem {
	shared.once.Do(func() {
		shared.system = actor.NewActorSystem(
			actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(&shared.logs) }),
			// Dead letters are expected and not logged (deadLetterThrottle says why).
			actor.WithDeadLetterThrottleCount(0),
			actor.WithDeadLetterThrottleInterval(deadLetterThrottle),
		)
		shrinkRegistry(shared.system)
	})
	return shared.system
}

// systemLogs is the slog handler of the shared actor system: protoactor's own records, at
// warn and above, go to the logger of every Runtime that is open (there is one in nearly
// every process; a record of the system cannot be told apart by runtime).
type systemLogs struct {
	mu   sync.Mutex
	open map[*Runtime]*slog.Logger
}

func (l *systemLogs) add(rt *Runtime, log zerolog.Logger) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open == nil {
		l.open = map[*Runtime]*slog.Logger{}
	}
	l.open[rt] = slog.New(zerolog.NewSlogHandler(log.Level(max(log.GetLevel(), zerolog.WarnLevel))))
}

func (l *systemLogs) remove(rt *Runtime) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.open, rt)
}

func (l *systemLogs) loggers() []*slog.Logger {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]*slog.Logger, 0, len(l.open))
	for _, log := range l.open {
		out = append(out, log)
	}
	return out
}

func (l *systemLogs) Enabled(context.Context, slog.Level) bool { return true }

func (l *systemLogs) Handle(ctx context.Context, r slog.Record) error {
	for _, log := range l.loggers() {
		if h := log.Handler(); h.Enabled(ctx, r.Level) {
			_ = h.Handle(ctx, r.Clone())
		}
	}
	return nil
}

// WithAttrs and WithGroup are not used by protoactor's logging; the records keep their own
// attributes.
func (l *systemLogs) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *systemLogs) WithGroup(string) slog.Handler      { return l }
