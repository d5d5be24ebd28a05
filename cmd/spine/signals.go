package main

import (
	"context"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/spine-mcp/spine/executor"
)

// interrupts is the CLI's two-stage stop on SIGINT and SIGTERM. The first signal cancels the
// command's context: it stops starting work, and the executor drains in-flight calls briefly
// (closeTimeout), tears down and the CLI exits 130. The second signal skips what is left of
// the drain and of the grace periods: the executor is closed with an expired context, which
// kills the server process groups at once through the runtime's normal teardown, so that
// nothing is left running (an os.Exit would orphan them).
type interrupts struct {
	sigs  chan os.Signal
	done  chan struct{}
	hurry atomic.Bool
	ex    atomic.Pointer[executor.Executor]
}

// watchInterrupts starts watching for SIGINT and SIGTERM; cancel is called on the first.
func watchInterrupts(cancel context.CancelFunc) *interrupts {
	in := &interrupts{sigs: make(chan os.Signal, 2), done: make(chan struct{})}
	signal.Notify(in.sigs, os.Interrupt, syscall.SIGTERM)
	go in.watch(cancel)
	return in
}

func (in *interrupts) watch(cancel context.CancelFunc) {
	select {
	case <-in.sigs:
		cancel()
	case <-in.done:
		return
	}
	select {
	case <-in.sigs:
		in.hurry.Store(true)
		if ex := in.ex.Load(); ex != nil {
			_ = ex.Close(expired())
		}
	case <-in.done:
	}
}

// own registers the command's executor, for a second signal to close it at once.
func (in *interrupts) own(ex *executor.Executor) { in.ex.Store(ex) }

// hurried reports whether a second signal asked for an immediate teardown.
func (in *interrupts) hurried() bool { return in.hurry.Load() }

// stop stops watching; a teardown the second signal started has finished by then, since
// the command's own Close waits for it.
func (in *interrupts) stop() {
	signal.Stop(in.sigs)
	close(in.done)
}

// expired returns a context that is already done: Close with it neither drains nor waits
// out grace periods.
func expired() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
