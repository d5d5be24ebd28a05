package actors

import (
	"sync"

	"github.com/asynkron/protoactor-go/actor"
)

// replyProcess is a one-shot mailbox that delivers an actor's answer to a goroutine through a
// channel, so that a caller can wait for it together with its context (protoactor's futures
// know no context). It unregisters itself on its first message; a caller that gave up leaves
// it registered until the answer, which the server actors always send, arrives. It serves
// the rare asks (Pin, Reconnect); calls go through a callReplies.
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

// callReplies is the reply address of every Request sent to one server actor: a process
// registered once, which hands each *Response to the caller waiting for its ID. Compared with
// a process registered per call, a call allocates no PID, no process and no channel (channels
// are reused), and takes no registry lock; the server actor's sends find the process through
// the PID's cache.
//
// A caller that gave up forgets its ID, and the late answer is dropped here. When the server
// actor is gone, protoactor answers with a *actor.DeadLetterResponse that names no request:
// every caller waiting on that server gets it, which is right, since none of them will be
// answered.
type callReplies struct {
	pid *actor.PID

	mu       sync.Mutex
	waiting  map[uint64]chan any
	progress map[uint64]chan *Progress // callers that asked for progress notifications
}

// replyChans recycles the one-slot channels of answered calls.
var replyChans = sync.Pool{New: func() any { return make(chan any, 1) }}

func newCallReplies(system *actor.ActorSystem, server string) *callReplies {
	r := &callReplies{waiting: map[uint64]chan any{}, progress: map[uint64]chan *Progress{}}
	r.pid, _ = system.ProcessRegistry.Add(r, "spine/replies/"+server+system.ProcessRegistry.NextId())
	return r
}

// expect registers a caller for the answer to request id.
func (r *callReplies) expect(id uint64) chan any {
	ch := replyChans.Get().(chan any)
	r.mu.Lock()
	r.waiting[id] = ch
	r.mu.Unlock()
	return ch
}

// expectProgress registers a caller for the progress notifications of request id, until
// stopProgress.
func (r *callReplies) expectProgress(id uint64) chan *Progress {
	ch := make(chan *Progress, 16)
	r.mu.Lock()
	r.progress[id] = ch
	r.mu.Unlock()
	return ch
}

func (r *callReplies) stopProgress(id uint64) {
	r.mu.Lock()
	delete(r.progress, id)
	r.mu.Unlock()
}

// received recycles the channel of an answered call.
func (r *callReplies) received(ch chan any) { replyChans.Put(ch) }

// forget unregisters a caller that gives up. Its channel is reused only when no answer can
// still be on its way into it.
func (r *callReplies) forget(id uint64, ch chan any) {
	r.mu.Lock()
	_, waiting := r.waiting[id]
	delete(r.waiting, id)
	r.mu.Unlock()
	if waiting {
		replyChans.Put(ch)
	}
}

func (r *callReplies) SendUserMessage(_ *actor.PID, message any) {
	if env, ok := message.(*actor.MessageEnvelope); ok {
		message = env.Message
	}
	switch m := message.(type) {
	case *Response:
		r.mu.Lock()
		ch, ok := r.waiting[m.ID]
		delete(r.waiting, m.ID)
		r.mu.Unlock()
		if ok {
			ch <- m // one slot, one answer: never blocks
		}
	case *Progress:
		r.mu.Lock()
		ch := r.progress[m.ID]
		r.mu.Unlock()
		select {
		case ch <- m: // a nil ch (nobody listens) blocks: skipped
		default: // the caller is behind: drop this one, a later notification supersedes it
		}
	case *actor.DeadLetterResponse:
		r.mu.Lock()
		all := r.waiting
		r.waiting = map[uint64]chan any{}
		r.mu.Unlock()
		for _, ch := range all {
			ch <- m
		}
	}
}

func (r *callReplies) SendSystemMessage(*actor.PID, any) {}

func (r *callReplies) Stop(pid *actor.PID) {}
