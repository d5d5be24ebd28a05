package cluster

import "sync/atomic"

// stats counts what the node routed.
type stats struct {
	forwarded  atomic.Int64 // requests forwarded to their owner
	served     atomic.Int64 // requests peers forwarded here
	rejected   atomic.Int64 // session ids that failed verification
	ownerLost  atomic.Int64 // requests whose owner was gone
	sharedHere atomic.Int64 // shared servers' calls of other nodes' sessions served here
}

// Stats is what a node routed since it started.
type Stats struct {
	Forwarded int64 `json:"forwarded"`  // requests forwarded to the node owning their session
	Served    int64 `json:"served"`     // requests other nodes forwarded to this one
	Rejected  int64 `json:"rejected"`   // session ids or handles not minted by the cluster
	OwnerLost int64 `json:"owner_lost"` // requests for sessions of a node that is gone
	// SharedHere counts the calls to shared servers, in sessions of other nodes, served here.
	SharedHere int64 `json:"shared_here"`
}

// Stats returns what the node routed since it started.
func (n *Node) Stats() Stats {
	return Stats{
		Forwarded:  n.stats.forwarded.Load(),
		Served:     n.stats.served.Load(),
		Rejected:   n.stats.rejected.Load(),
		OwnerLost:  n.stats.ownerLost.Load(),
		SharedHere: n.stats.sharedHere.Load(),
	}
}
