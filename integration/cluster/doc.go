// Package cluster tests `spine serve` nodes as a cluster the way an operator runs them:
// three processes on loopback with [cluster] peers, a round-robin load balancer in front,
// go-sdk clients behind it, and a node killed under them.
package cluster
