package executor

import (
	"context"

	"github.com/spine-mcp/spine/actors"
)

// WithLane returns a context under which a CallTool of a shared server may run on the
// calling goroutine itself, on a slot of a warm session that the server's pool lends to its
// callers while nothing waits for a session: the call is written and its answer read on the
// caller's goroutine, without the hops through the pool's actors (the pool still answers or
// retries a call that fails there, by its one retry policy). Calls that ask for progress,
// carry trace context or per-call headers, or go to identity or affinity pools take the
// usual path.
//
// Use it from a long-lived goroutine that makes call after call, such as a server's
// connection handler; a goroutine started for one call would grow the call path's stack
// afresh each time, which the pool's own call runners exist to avoid.
func WithLane(ctx context.Context) context.Context { return actors.WithLane(ctx) }
