package actors

import (
	"context"
	"log/slog"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

// echoServer answers every Request at once, the way a server actor answers a cache hit:
// what is left is the caller's side of Runtime.Do (reply address, envelope, waiting) and one
// mailbox hop each way.
type echoServer struct{}

func (echoServer) Receive(ctx actor.Context) {
	if req, ok := ctx.Message().(*Request); ok {
		ctx.Send(ctx.Sender(), &Response{ID: req.ID, Result: req.Name})
	}
}

// benchRuntime is a Runtime whose only server is an echoServer named "echo".
func benchRuntime(b *testing.B) *Runtime {
	system := actor.NewActorSystem(actor.WithDeadLetterThrottleCount(0),
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }))
	pid := system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return echoServer{} }))
	b.Cleanup(func() {
		_ = system.Root.StopFuture(pid).Wait()
		system.Shutdown()
	})
	rt := &Runtime{system: system, servers: map[string]*serverHandle{"echo": {pid: pid, stats: &ServerStats{}}}, order: []string{"echo"}}
	for _, h := range rt.servers {
		h.init(system)
	}
	return rt
}

// BenchmarkDo: one Runtime.Do round trip to a server actor that answers at once. This is
// the whole cost of the ask path (allocations included) without a session or a transport.
func BenchmarkDo(b *testing.B) {
	rt := benchRuntime(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		resp, err := rt.Do(ctx, "echo", &Request{Op: OpCallTool, Name: "x"})
		if err != nil || resp.Result != "x" {
			b.Fatal(resp, err)
		}
	}
}

// BenchmarkDoParallel: Runtime.Do from many goroutines at once (the reply table under
// contention).
func BenchmarkDoParallel(b *testing.B) {
	rt := benchRuntime(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := rt.Do(ctx, "echo", &Request{Op: OpCallTool, Name: "x"})
			if err != nil || resp.Result != "x" {
				b.Error(resp, err)
				return
			}
		}
	})
}
