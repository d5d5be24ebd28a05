package gateway

import (
	"encoding/json"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/spine-mcp/spine/ops"
)

// monitor serves the operations endpoints (/metrics, /healthz, /readyz, /status,
// /status.json) of the gateway's executor, with the gateway's downstream sessions and name
// collisions as extra sources and metrics besides, behind auth (nil: open). The gateway
// closes it.
func (g *Gateway) monitor(auth *Auth, metrics []prometheus.Collector) *ops.Monitor {
	opts := ops.Options{Collectors: metrics}
	if auth != nil {
		opts.Auth = auth.middleware
	}
	m := ops.NewMonitor(g.ex, opts)
	m.SetDownstream(downstreamSource{g})
	m.SetCollisions(collisionSource{g})
	// The tools are known from the catalogue: the collector needs to list none (for an
	// affinity server it would open a session no host session owns).
	tools := map[string][]string{}
	for _, t := range g.Names().Tools {
		tools[t.Server] = append(tools[t.Server], t.Upstream)
	}
	for server, names := range tools {
		m.Collector().SetTools(server, names)
	}
	g.monitorsMu.Lock()
	g.monitors = append(g.monitors, m)
	g.monitorsMu.Unlock()
	return m
}

// downstreamSource lists the gateway's downstream sessions for the status page and metrics.
type downstreamSource struct{ g *Gateway }

func (d downstreamSource) Sessions() []ops.DownstreamSession {
	var out []ops.DownstreamSession
	for ss := range d.g.server.Sessions() {
		s := ops.DownstreamSession{ID: ss.ID(), Transport: "http"}
		if len(s.ID) > 8 {
			s.ID = s.ID[:8] // enough to tell sessions apart; the whole id is a credential of sorts
		}
		if s.ID == "" {
			s.Transport = "stdio"
		}
		if p := ss.InitializeParams(); p != nil {
			s.Era = p.ProtocolVersion
			if p.ClientInfo != nil {
				s.Client = p.ClientInfo.Name + " " + p.ClientInfo.Version
			}
		}
		out = append(out, s)
	}
	return out
}

// collisionSource gives the gateway's name collisions in the status page's terms.
type collisionSource struct{ g *Gateway }

func (c collisionSource) Collisions() []ops.Collision {
	var out []ops.Collision
	for _, col := range c.g.Names().Collisions {
		out = append(out, ops.Collision{Name: col.Wanted, Kind: col.Kind, Kept: col.Holder, Other: col.Server, Exposed: col.Got})
	}
	return out
}

// namesJSON serves the gateway's own status: the name mapping with its collisions, the
// affinity sessions held and the pools (what spine serve --print-names shows, live).
func (g *Gateway) namesJSON() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(g.Status())
	})
}
