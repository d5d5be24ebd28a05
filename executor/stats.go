package executor

import (
	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/capability"
)

// Stats is a snapshot of every server's pool counters. It marshals to the JSON shape that
// every `--output json` of the CLI uses.
type Stats struct {
	Servers map[string]ServerStats `json:"servers"`
}

// ServerStats are one server's counters: sessions by state, sessions created and closed,
// restarts, calls, errors, pool hits and misses, acquire wait, circuit state, list-cache hits
// and misses.
type ServerStats struct {
	Sessions        SessionCounts `json:"sessions"`
	SessionsCreated int64         `json:"sessions_created"` // upstream client sessions opened (the session actors of a 2026-07-28 HTTP server share one)
	SessionsClosed  int64         `json:"sessions_closed"`  // and closed again; a failed connect is neither
	Restarts        int64         `json:"restarts"`
	Calls           int64         `json:"calls"`
	Errors          int64         `json:"errors"`
	Hits            int64         `json:"hits"`   // calls served by a session that was already open
	Misses          int64         `json:"misses"` // calls that had to wait for a session to open
	AcquireWait     AcquireWait   `json:"acquire_wait"`
	Circuit         string        `json:"circuit"` // closed, open or half_open
	CacheHits       int64         `json:"cache_hits"`
	CacheMisses     int64         `json:"cache_misses"`
	// SkippedLines counts the lines the server's sessions wrote to stdout that were no MCP
	// message (banners, log lines), skipped (stdio servers only).
	SkippedLines int64 `json:"skipped_lines"`
	// QueueDepth is how many calls wait in the pool for a session now.
	QueueDepth int64 `json:"queue_depth"`
	// Protocol is the protocol version the latest handshake settled on, Era its era
	// (legacy, modern) and Version the server's own version from it; "" before the first
	// session opens.
	Protocol      string `json:"protocol,omitempty"`
	Era           string `json:"era,omitempty"`
	ServerVersion string `json:"server_version,omitempty"`
}

// SessionCounts counts a server's sessions by state. Ready = Busy + Idle.
type SessionCounts struct {
	Connecting int64 `json:"connecting"`
	Ready      int64 `json:"ready"`
	Busy       int64 `json:"busy"`
	Idle       int64 `json:"idle"`
}

// AcquireWait sums up how long calls waited in the queue for a free session.
type AcquireWait struct {
	Count   int64   `json:"count"`
	TotalMs float64 `json:"total_ms"`
	MaxMs   float64 `json:"max_ms"`
}

func serverStatsOf(s actors.StatsSnapshot) ServerStats {
	out := ServerStats{
		Sessions: SessionCounts{
			Connecting: s.Sessions.Connecting, Ready: s.Sessions.Ready, Busy: s.Sessions.Busy, Idle: s.Sessions.Idle,
		},
		SessionsCreated: s.SessionsCreated,
		SessionsClosed:  s.SessionsClosed,
		Restarts:        s.Restarts,
		Calls:           s.Calls,
		Errors:          s.Errors,
		Hits:            s.Hits,
		Misses:          s.Misses,
		AcquireWait:     AcquireWait{Count: s.AcquireWait.Count, TotalMs: s.AcquireWait.TotalMs, MaxMs: s.AcquireWait.MaxMs},
		Circuit:         s.Circuit,
		CacheHits:       s.CacheHits,
		CacheMisses:     s.CacheMisses,
		SkippedLines:    s.SkippedLines,
		QueueDepth:      s.QueueDepth,
		Protocol:        s.Protocol,
		ServerVersion:   s.ServerVersion,
	}
	if s.Protocol != "" {
		out.Era = string(capability.EraOf(s.Protocol))
	}
	return out
}

// Stats returns a snapshot of every server's pool counters.
func (e *Executor) Stats() Stats {
	snaps := e.rt.Stats()
	out := Stats{Servers: make(map[string]ServerStats, len(snaps))}
	for name, s := range snaps {
		out.Servers[name] = serverStatsOf(s)
	}
	return out
}
