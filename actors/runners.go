package actors

import (
	"slices"
	"sync"
	"time"
)

// runners runs functions on long-lived goroutines, so that the stack a run grows is kept
// for the next run instead of being grown again on a fresh goroutine. On the call path a
// fresh goroutine grows its stack (a copy of every frame each time it doubles) at every call:
// once for each mailbox run of the server and session actors (protoactor's default dispatcher
// starts a goroutine per run) and once for the call itself (go-sdk's encoding is deep). The
// profile of one pooled call put ~10% of the client's CPU in that copying.
//
// A runner that finishes goes back to an idle stack and waits for the next function; at most
// maxIdle wait, the others end, and one that waits longer than runnerLinger ends too, so that
// a burst leaves no goroutines behind once it is over (a pool at rest holds what it held
// before). close ends them all and waits for every runner, which is what makes each goroutine
// owned: the runtime closes the mailbox runners after its actor system has stopped, a session
// closes its call runners in its release.
type runners struct {
	maxIdle    int
	throughput int // messages a mailbox run handles before yielding (as protoactor's default)

	mu     sync.Mutex
	idle   []chan func()
	closed bool
	wg     sync.WaitGroup
}

func newRunners(maxIdle int) *runners {
	return &runners{maxIdle: maxIdle, throughput: mailboxThroughput}
}

// mailboxThroughput is protoactor's default: a mailbox run handles at most this many
// messages before it gives its goroutine back.
const mailboxThroughput = 300

// Schedule runs fn on an idle runner, or on a new one when none waits. After close it runs
// fn on a goroutine of its own, as protoactor's default dispatcher does: a message sent to an
// actor of a stopped system is then still handled (and dropped) rather than lost.
//
// Schedule implements protoactor's mailbox.Dispatcher.
func (r *runners) Schedule(fn func()) {
	if !r.run(fn) {
		go fn()
	}
}

// Throughput implements protoactor's mailbox.Dispatcher.
func (r *runners) Throughput() int { return r.throughput }

// run runs fn on a runner; it says false, and runs nothing, once closed.
func (r *runners) run(fn func()) bool {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return false
	}
	if n := len(r.idle); n > 0 {
		ch := r.idle[n-1]
		r.idle = r.idle[:n-1]
		r.mu.Unlock()
		ch <- fn // one slot, and only this send fills it: never blocks
		return true
	}
	r.wg.Add(1)
	r.mu.Unlock()
	go r.loop(make(chan func(), 1), fn)
	return true
}

func (r *runners) loop(ch chan func(), fn func()) {
	defer r.wg.Done()
	linger := time.NewTimer(runnerLinger)
	defer linger.Stop()
	for fn != nil {
		fn()
		fn = nil // let what it holds go while idle
		r.mu.Lock()
		if r.closed || len(r.idle) >= r.maxIdle {
			r.mu.Unlock()
			return
		}
		r.idle = append(r.idle, ch)
		r.mu.Unlock()
		linger.Reset(runnerLinger)
		select {
		case fn = <-ch: // nil once closed
		case <-linger.C:
			if r.leave(ch) {
				return
			}
			fn = <-ch // taken off the idle stack just now: its function is on its way
		}
	}
}

// leave takes an idle runner off the idle stack; false if it was taken already.
func (r *runners) leave(ch chan func()) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.Index(r.idle, ch); i >= 0 {
		r.idle = slices.Delete(r.idle, i, i+1)
		return true
	}
	return false
}

// close ends the idle runners, lets the busy ones end after their function, and waits for
// all of them.
func (r *runners) close() {
	r.mu.Lock()
	r.closed = true
	idle := r.idle
	r.idle = nil
	r.mu.Unlock()
	for _, ch := range idle {
		close(ch)
	}
	r.wg.Wait()
}
