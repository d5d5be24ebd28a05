package actors

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// Runners run every function given to them, reuse an idle runner rather than start another,
// and close waits for the busy ones.
func TestRunners(t *testing.T) {
	r := newRunners(4)
	var ran atomic.Int64
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		r.Schedule(func() { ran.Add(1); wg.Done() })
	}
	wg.Wait()
	if ran.Load() != 100 {
		t.Fatalf("ran %d of 100", ran.Load())
	}

	// One at a time: each finds the runner the previous one left idle.
	r2 := newRunners(1)
	started := 0
	for range 50 {
		done := make(chan struct{})
		r2.mu.Lock()
		idle := len(r2.idle)
		r2.mu.Unlock()
		if idle == 0 {
			started++
		}
		r2.Schedule(func() { close(done) })
		<-done
		waitIdle(t, r2, 1)
	}
	if started != 1 {
		t.Errorf("started %d runners for 50 calls one at a time, want 1", started)
	}

	// close waits for a busy runner, and what is scheduled after it still runs.
	release, busy := make(chan struct{}), make(chan struct{})
	r.Schedule(func() { close(busy); <-release })
	<-busy
	closed := make(chan struct{})
	go func() { r.close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("close returned while a runner was busy")
	default:
	}
	close(release)
	<-closed
	after := make(chan struct{})
	r.Schedule(func() { close(after) })
	<-after
	r2.close()
}

// waitIdle waits until n runners are idle: a runner goes back to the idle stack just after
// its function returns.
func waitIdle(t *testing.T, r *runners, n int) {
	t.Helper()
	for i := 0; ; i++ {
		r.mu.Lock()
		idle := len(r.idle)
		r.mu.Unlock()
		if idle == n {
			return
		}
		if i > 1e7 {
			t.Fatalf("%d runners idle, want %d", idle, n)
		}
		runtime.Gosched()
	}
}
