package actors

import (
	"time"

	"github.com/spine-mcp/spine/actors/internal/pool"
)

// backoff is SPINE's one backoff (pool.Backoff: doubling, capped, ±25% jitter) as this
// package uses it; the pool's own instances (restarts, retries) live with the pool.
type backoff struct{ pool.Backoff }

func (b backoff) delay(n int) time.Duration { return b.Delay(n) }

// stepBackoff spaces a workflow step's attempts: longer than the pool's retries, since a step
// often waits for a server to come back.
var stepBackoff = backoff{pool.Backoff{Base: 100 * time.Millisecond, Max: 2 * time.Second}}
