package actors

import (
	"github.com/asynkron/protoactor-go/actor"
)

// replyProcess is a one-shot mailbox that delivers an actor's answer to a goroutine through a
// channel, so that a caller can wait for it together with its context (protoactor's futures
// know no context). It unregisters itself on its first message; a caller that gave up leaves
// it registered until the answer, which the server actors always send, arrives.
type replyProcess struct {
	registry *actor.ProcessRegistryValue
	ch       chan any
}

func newReply(system *actor.ActorSystem) (*actor.PID, <-chan any) {
	p := &replyProcess{registry: system.ProcessRegistry, ch: make(chan any, 1)}
	pid, _ := system.ProcessRegistry.Add(p, "reply"+system.ProcessRegistry.NextId())
	return pid, p.ch
}

func (p *replyProcess) SendUserMessage(pid *actor.PID, message any) {
	if env, ok := message.(*actor.MessageEnvelope); ok {
		message = env.Message
	}
	select {
	case p.ch <- message:
	default: // answered already
	}
	p.registry.Remove(pid)
}

func (p *replyProcess) SendSystemMessage(*actor.PID, any) {}

func (p *replyProcess) Stop(pid *actor.PID) { p.registry.Remove(pid) }
