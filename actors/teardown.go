package actors

import (
	"context"
	"sync"
)

// teardown is what a runtime's Close shares with its session actors and their processes:
// whether to hurry — skip the drain and the grace periods and kill process groups at once —,
// whether the teardown has begun, after which no server process may start, and how many
// session actors and processes are not released yet, so that Close returns only when no
// server process is left (protoactor gives up waiting for a stopping actor after 10 s).
//
// A nil *teardown never hurries, never closes and counts nothing.
type teardown struct {
	hurry     chan struct{}
	hurryOnce sync.Once

	// gate is held for reading around each process start and for writing to close it, so
	// that a start either happens before closing is set, and is counted, or not at all.
	gate    sync.RWMutex
	closing bool

	mu   sync.Mutex
	live int           // session actors opened and processes started, not released yet
	idle chan struct{} // closed when live drops to zero; nil while it is zero
}

func newTeardown() *teardown { return &teardown{hurry: make(chan struct{})} }

// begin marks the start of the teardown: from now on no server process starts. It waits for
// starts under way, which are counted and waited for like the rest.
func (t *teardown) begin() {
	if t == nil {
		return
	}
	t.gate.Lock()
	t.closing = true
	t.gate.Unlock()
}

// admit runs start, which starts a server process, unless the teardown has begun
// (errClosing). A process it started counts as live until released.
func (t *teardown) admit(start func() error) error {
	return t.whileOpen(func() error {
		if err := start(); err != nil {
			return err
		}
		t.opened()
		return nil
	})
}

// whileOpen runs fn unless the teardown has begun (errClosing), and keeps the teardown from
// beginning until fn returns: what fn starts (a process, a run, a scan) is there for the
// teardown to stop.
func (t *teardown) whileOpen(fn func() error) error {
	if t == nil {
		return fn()
	}
	t.gate.RLock()
	defer t.gate.RUnlock()
	if t.closing {
		return errClosing
	}
	return fn()
}

// rush makes the teardown immediate, also one already under way.
func (t *teardown) rush() {
	if t != nil {
		t.hurryOnce.Do(func() { close(t.hurry) })
	}
}

// hurried is closed once the teardown must be immediate (never for a nil teardown).
func (t *teardown) hurried() <-chan struct{} {
	if t == nil {
		return nil
	}
	return t.hurry
}

// opened counts a session actor that started or a process that admit started; released
// must follow when it has let go of everything it held (for a process: when its whole
// group is gone).
func (t *teardown) opened() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.live == 0 {
		t.idle = make(chan struct{})
	}
	t.live++
}

func (t *teardown) released() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.live--
	if t.live == 0 {
		close(t.idle)
		t.idle = nil
	}
}

// waitReleased waits until every session and process that was opened has been released.
func (t *teardown) waitReleased() {
	if t == nil {
		return
	}
	t.mu.Lock()
	idle := t.idle
	t.mu.Unlock()
	if idle != nil {
		<-idle
	}
}

// teardownKey carries a runtime's teardown on a session's dial context down to its process.
type teardownKey struct{}

func withTeardown(ctx context.Context, t *teardown) context.Context {
	if t == nil {
		return ctx
	}
	return context.WithValue(ctx, teardownKey{}, t)
}

// teardownOf returns the teardown on ctx, or nil.
func teardownOf(ctx context.Context) *teardown {
	t, _ := ctx.Value(teardownKey{}).(*teardown)
	return t
}
