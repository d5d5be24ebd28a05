package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"sync/atomic"
	"syscall"

	"github.com/spine-mcp/spine/executor"
)

// interrupts is the CLI's two-stage stop. SIGINT, SIGTERM and SIGHUP (the terminal went away)
// all stop it gracefully: the first one cancels the command's context, it stops starting
// work, the executor drains in-flight calls briefly (closeTimeout), tears down and the CLI
// exits 130. A second signal skips what is left of the drain and of the grace periods: the
// executor is closed with an expired context, which kills the server process groups at once
// through the runtime's normal teardown, so that nothing is left running (an os.Exit would
// orphan them).
//
// SIGQUIT (Ctrl-\) is the immediate stop at once: Go's own handler would print every
// goroutine's stack and exit on the spot, leaving the servers running. The stacks are still
// written to stderr, for what Ctrl-\ is pressed for — a CLI that looks stuck — and then the
// process groups are killed and the CLI exits 130 like for a second Ctrl-C.
type interrupts struct {
	sigs   chan os.Signal
	done   chan struct{}
	stderr io.Writer
	hurry  atomic.Bool
	ex     atomic.Pointer[executor.Executor]
}

// watchInterrupts starts watching for SIGINT, SIGTERM, SIGHUP and SIGQUIT; cancel is called
// on the first. SIGQUIT's stack dump goes to stderr.
func watchInterrupts(cancel context.CancelFunc, stderr io.Writer) *interrupts {
	in := &interrupts{sigs: make(chan os.Signal, 2), done: make(chan struct{}), stderr: stderr}
	signal.Notify(in.sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	go in.watch(cancel)
	return in
}

func (in *interrupts) watch(cancel context.CancelFunc) {
	for second := false; ; second = true {
		select {
		case sig := <-in.sigs:
			cancel()
			if sig == syscall.SIGQUIT {
				_ = pprof.Lookup("goroutine").WriteTo(in.stderr, 2) // the format of Go's own dump
			}
			if second || sig == syscall.SIGQUIT {
				in.rush()
				return
			}
		case <-in.done:
			return
		}
	}
}

// rush makes the teardown immediate: the command's executor, if there is one yet, is closed
// at once, and the one it may still create is closed at once too (see hurried).
func (in *interrupts) rush() {
	in.hurry.Store(true)
	if ex := in.ex.Load(); ex != nil {
		_ = ex.Close(expired())
	}
}

// own registers the command's executor, for a second signal to close it at once.
func (in *interrupts) own(ex *executor.Executor) { in.ex.Store(ex) }

// hurried reports whether a second signal (or SIGQUIT) asked for an immediate teardown.
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
