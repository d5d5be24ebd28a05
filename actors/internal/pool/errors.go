package pool

import "errors"

// The causes of the refusals and losses the pool decides, named once. Each reads well after
// the caller's "server %q: tool %q: ".
var (
	// ErrDraining refuses a call that arrives, or still waits, once a drain or Close has begun.
	ErrDraining = errors.New("closed: the executor is closing")
	// ErrShuttingDown answers what the pool still holds when it stops.
	ErrShuttingDown = errors.New("closed: the server is shutting down")
	// ErrReleased refuses the calls still waiting for a key that Release ended.
	ErrReleased = errors.New("closed: the caller's sessions were released")
	// ErrPinnedGone fails a call of a batch whose pinned session is gone before the call.
	ErrPinnedGone = errors.New("the pinned session is gone")
	// errNotReady is the failure of calls dispatched to a session that stopped before
	// starting them (the session actor says the same of a call it was handed while not ready).
	errNotReady = errors.New("session not ready")
	// errActorStopped is why a session whose actor stopped on its own failed.
	errActorStopped = errors.New("the session actor stopped")
	// errNoSessionBeforeDeadline fails a call still waiting when its caller's deadline passes.
	errNoSessionBeforeDeadline = errors.New("no free session before the caller's deadline: context deadline exceeded")
)
