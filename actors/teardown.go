package actors

import (
	"context"
	"sync"
)

// teardown is what a runtime's Close shares with its session actors and their processes:
// whether to hurry — skip the drain and the grace periods and kill process groups at once —
// and how many sessions are not released yet, so that Close returns only when no server
// process is left (protoactor gives up waiting for a stopping actor after 10 s, and a pool
// of servers that ignore SIGTERM takes longer to end one by one).
//
// A nil *teardown never hurries and counts nothing.
type teardown struct {
	hurry     chan struct{}
	hurryOnce sync.Once

	mu   sync.Mutex
	live int
	idle chan struct{} // closed when live drops to zero; nil while it is zero
}

func newTeardown() *teardown { return &teardown{hurry: make(chan struct{})} }

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

// opened counts a session actor that started; released must follow when it has let go of
// everything it held.
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

// waitReleased waits until every session that was opened has been released.
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

// hurryKey carries a teardown's hurry channel on a session's dial context down to its process.
type hurryKey struct{}

func withHurry(ctx context.Context, hurry <-chan struct{}) context.Context {
	if hurry == nil {
		return ctx
	}
	return context.WithValue(ctx, hurryKey{}, hurry)
}

// hurryOf returns the hurry channel on ctx, or nil (never closed).
func hurryOf(ctx context.Context) <-chan struct{} {
	h, _ := ctx.Value(hurryKey{}).(<-chan struct{})
	return h
}
