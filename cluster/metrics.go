package cluster

import "github.com/prometheus/client_golang/prometheus"

// routedDesc is the node's one metric: requests by what the node did with them.
var routedDesc = prometheus.NewDesc("spine_cluster_requests_total",
	"Requests naming a session, by what this node did: forwarded to the owner, served for a peer, "+
		"a shared server's call served here, rejected (id not minted by the cluster), owner lost.",
	[]string{"route"}, nil)

// Describe implements prometheus.Collector: a Node is served on /metrics.
func (n *Node) Describe(ch chan<- *prometheus.Desc) { ch <- routedDesc }

// Collect implements prometheus.Collector.
func (n *Node) Collect(ch chan<- prometheus.Metric) {
	s := n.Stats()
	for route, v := range map[string]int64{
		"forwarded": s.Forwarded, "served_for_peer": s.Served, "shared_here": s.SharedHere,
		"rejected": s.Rejected, "owner_lost": s.OwnerLost,
	} {
		ch <- prometheus.MustNewConstMetric(routedDesc, prometheus.CounterValue, float64(v), route)
	}
}
