package gateway

import "github.com/spine-mcp/spine/executor"

// Status is what /names.json shows: the name mapping (with collisions and servers that
// could not be listed), the downstream sessions holding affinity sessions, and the pools.
type Status struct {
	Names            Mapping        `json:"names"`
	AffinitySessions int            `json:"affinity_sessions"`
	Pools            executor.Stats `json:"pools"`
}

// Status returns a snapshot of the gateway.
func (g *Gateway) Status() Status {
	return Status{Names: g.Names(), AffinitySessions: g.sessions.live(), Pools: g.ex.Stats()}
}
