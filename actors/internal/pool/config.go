package pool

import "time"

// Isolation says how callers share sessions; docs/design.md, "Isolation and slots".
type Isolation uint8

// The isolation modes.
const (
	Shared   Isolation = iota // one pool key for every caller
	Identity                  // one pool key per identity; a session never serves another
	Affinity                  // one dedicated session per affinity key
)

// MaxKeys bounds the pool keys a server keeps: the least recently used idle ones are
// forgotten first (never the one being created). Identity and affinity keys come from
// callers; without a bound a caller minting keys would grow the server's memory forever.
const MaxKeys = 1024

// Config is the policy of one server's pool: the knobs of the README's "Pool behaviour",
// already defaulted (capability.DefaultPolicy) by the caller.
type Config struct {
	Isolation        Isolation
	MinSessions      int           // kept open in the shared pool
	MaxSessions      int           // per pool key (1 for an affinity key)
	MaxInflight      int           // calls one session runs at once
	TotalSessions    int           // sessions across all keys (max_total_sessions)
	AcquireTimeout   time.Duration // the longest a call waits for a session
	Retries          int           // attempts after the first, under the one retry policy
	HealthInterval   time.Duration // an idle session older than this is probed; 0 = never
	HealthProbes     bool          // false when health_methods is only "skip"
	IdleTimeout      time.Duration // an idle session above the minimum closes; 0 = never
	MaxLifetime      time.Duration // a session this old is recycled; 0 = never
	CircuitThreshold int           // consecutive failed starts that open the circuit; 0 = never
	CircuitReset     time.Duration // open → half-open after this
	Tick             time.Duration // how often maintenance runs (recycling, idle, keys)

	// NewSessionID numbers sessions; nil numbers them 1, 2, … within this pool.
	NewSessionID func() uint64
}

// TickFor returns the maintenance interval for the given timeouts: a quarter of the shortest
// (so that a session is closed within 25% of its idle_timeout), at most 1 s, at least 10 ms.
func TickFor(idle, lifetime, reset time.Duration) time.Duration {
	d := time.Second
	for _, x := range []time.Duration{idle, lifetime, reset} {
		if x > 0 && x/4 < d {
			d = x / 4
		}
	}
	return max(d, 10*time.Millisecond)
}
