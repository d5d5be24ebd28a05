package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/cluster"
)

// clusterFlags are spine serve's cluster flags; [cluster] in spine.toml gives their defaults.
type clusterFlags struct {
	address string
	peers   string
}

// startCluster starts this node of a cluster when [cluster] or the flags ask for one, and
// returns nil otherwise. Config errors exit 2 and say what to set.
func startCluster(e *env, f clusterFlags, cfg capability.ClusterConfig, maxBody int64) (*cluster.Node, error) {
	if f.address != "" {
		if msg := capability.CheckHostPort(f.address); msg != "" {
			return nil, badUsage("--cluster-address %q: %s", f.address, msg)
		}
		cfg.Address = f.address
	}
	if f.peers != "" {
		cfg.Peers = nil
		for _, p := range strings.Split(f.peers, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			if msg := capability.CheckHostPort(p); msg != "" {
				return nil, badUsage("--cluster-peers: peer %q: %s", p, msg)
			}
			cfg.Peers = append(cfg.Peers, p)
		}
	}
	if cfg.Address == "" && len(cfg.Peers) == 0 {
		return nil, nil
	}
	if cfg.Address == "" {
		return nil, badInput(fmt.Errorf("[cluster] address: peers are configured but not this node's address: set [cluster] address = \"HOST:PORT\" (reachable by the peers) or --cluster-address"))
	}
	keyEnv := cfg.KeyEnv
	if keyEnv == "" {
		keyEnv = capability.DefaultClusterKeyEnv
	}
	key := os.Getenv(keyEnv)
	if key == "" {
		return nil, badInput(fmt.Errorf("[cluster] key_env: the environment variable %s is not set: set it to the key that signs session ids, the same on every node, at least 32 bytes (e.g. %s=$(openssl rand -hex 32)); [cluster] key_env names another variable", keyEnv, keyEnv))
	}
	node, err := cluster.Start(cluster.Config{Address: cfg.Address, Peers: cfg.Peers, Key: []byte(key), MaxBodyBytes: maxBody, Log: e.log})
	if err != nil {
		return nil, badInput(fmt.Errorf("[cluster]: %w (variable %s)", err, keyEnv))
	}
	e.log.Info().Str("address", node.Address()).Strs("peers", node.Peers()).Msg("cluster node started")
	return node, nil
}
