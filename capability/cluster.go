package capability

import (
	"net"
	"strconv"
)

// ClusterConfig is the [cluster] table: how `spine serve` nodes form a cluster (package
// cluster). Its flags (--cluster-address, --cluster-peers) override it.
type ClusterConfig struct {
	// Address is this node's HOST:PORT for its peers (protoactor remote); "" = no cluster.
	Address string
	// Peers are the nodes' addresses (this node's own may be among them).
	Peers []string
	// KeyEnv names the environment variable holding the key that signs session ids (at
	// least 32 bytes, the same on every node). The key never sits in the file.
	KeyEnv string
}

// DefaultClusterKeyEnv is [cluster] key_env's default.
const DefaultClusterKeyEnv = "SPINE_CLUSTER_KEY"

var clusterKeys = []string{"address", "peers", "key_env"}

// parseCluster reads the [cluster] table over c.
func parseCluster(t *table, c *ClusterConfig) {
	t.checkKeys(clusterKeys, map[string]string{"addr": "address", "listen": "address", "members": "peers", "key": "key_env"})
	if v, ok := t.str("address", true); ok {
		if msg := CheckHostPort(v); msg != "" {
			t.fail(msg, "address")
		} else {
			c.Address = v
		}
	}
	if v, ok := t.strList("peers", true); ok {
		for _, p := range v {
			if msg := CheckHostPort(p); msg != "" {
				t.fail("peer "+strconv.Quote(p)+": "+msg, "peers")
			}
		}
		c.Peers = v
	}
	if v, ok := t.str("key_env", false); ok {
		if v == "" {
			t.fail("name an environment variable, e.g. "+DefaultClusterKeyEnv, "key_env")
		} else {
			c.KeyEnv = v
		}
	}
}

// CheckHostPort returns what is wrong with a cluster address ("" when nothing is).
func CheckHostPort(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return "want HOST:PORT, e.g. 10.0.0.5:7800"
	}
	if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
		return "want a port from 1 to 65535"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return host + " names no node: the address is the node's identity, so give the one its peers reach it at"
	}
	return ""
}
