package actors

import (
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ServerStats are the counters of one server actor. The actor writes them; anyone may read
// them at any time without a message round trip (Snapshot).
type ServerStats struct {
	connecting, ready, busy, idle atomic.Int64

	created, closed, restarts   atomic.Int64
	calls, errors, hits, misses atomic.Int64

	waitCount, waitTotalNs, waitMaxNs atomic.Int64
	cacheHits, cacheMisses            atomic.Int64
	skippedLines                      atomic.Int64 // lines of stdio servers' stdout that were no MCP message
	circuit                           atomic.Value // string
	queued                            atomic.Int64 // calls waiting in the pool for a session
	protocol                          atomic.Pointer[negotiated]
}

// negotiated is what the latest handshake with the server settled on.
type negotiated struct{ protocol, version string }

// StatsSnapshot is a point-in-time copy of a server's counters, in the JSON shape every
// `--output json` uses.
type StatsSnapshot struct {
	Sessions        SessionCounts `json:"sessions"`
	SessionsCreated int64         `json:"sessions_created"`
	SessionsClosed  int64         `json:"sessions_closed"`
	Restarts        int64         `json:"restarts"`
	Calls           int64         `json:"calls"`
	Errors          int64         `json:"errors"`
	Hits            int64         `json:"hits"`
	Misses          int64         `json:"misses"`
	AcquireWait     AcquireWait   `json:"acquire_wait"`
	Circuit         string        `json:"circuit"`
	CacheHits       int64         `json:"cache_hits"`
	CacheMisses     int64         `json:"cache_misses"`
	// SkippedLines counts the lines the server's sessions wrote to stdout that were no MCP
	// message (banners, log lines), skipped (stdio servers only).
	SkippedLines int64 `json:"skipped_lines"`
	// QueueDepth is how many calls wait in the pool for a session now.
	QueueDepth int64 `json:"queue_depth"`
	// Protocol is the protocol version the latest handshake settled on and ServerVersion the
	// server's own version from it; "" before the first session opens.
	Protocol      string `json:"protocol,omitempty"`
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

// Snapshot copies the counters.
func (s *ServerStats) Snapshot() StatsSnapshot {
	var n negotiated
	if p := s.protocol.Load(); p != nil {
		n = *p
	}
	circuit, _ := s.circuit.Load().(string)
	if circuit == "" {
		circuit = "closed"
	}
	return StatsSnapshot{
		Sessions: SessionCounts{
			Connecting: s.connecting.Load(), Ready: s.ready.Load(), Busy: s.busy.Load(), Idle: s.idle.Load(),
		},
		SessionsCreated: s.created.Load(),
		SessionsClosed:  s.closed.Load(),
		Restarts:        s.restarts.Load(),
		Calls:           s.calls.Load(),
		Errors:          s.errors.Load(),
		Hits:            s.hits.Load(),
		Misses:          s.misses.Load(),
		AcquireWait: AcquireWait{
			Count:   s.waitCount.Load(),
			TotalMs: ms(s.waitTotalNs.Load()),
			MaxMs:   ms(s.waitMaxNs.Load()),
		},
		Circuit:       circuit,
		CacheHits:     s.cacheHits.Load(),
		CacheMisses:   s.cacheMisses.Load(),
		SkippedLines:  s.skippedLines.Load(),
		QueueDepth:    s.queued.Load(),
		Protocol:      n.protocol,
		ServerVersion: n.version,
	}
}

// settled records what a session's handshake settled on. s may be nil (no counters).
func (s *ServerStats) settled(protocol string, cs *mcp.ClientSession) {
	if s == nil {
		return
	}
	n := &negotiated{protocol: protocol}
	if cs != nil {
		if init := cs.InitializeResult(); init != nil && init.ServerInfo != nil {
			n.version = init.ServerInfo.Version
		}
	}
	if cur := s.protocol.Load(); cur == nil || *cur != *n {
		s.protocol.Store(n)
	}
}

func ms(ns int64) float64 { return float64(ns) / float64(time.Millisecond) }

func (s *ServerStats) recordWait(d time.Duration) {
	s.waitCount.Add(1)
	s.waitTotalNs.Add(int64(d))
	for {
		cur := s.waitMaxNs.Load()
		if int64(d) <= cur || s.waitMaxNs.CompareAndSwap(cur, int64(d)) {
			return
		}
	}
}

// count updates the lifecycle counters from an event (serverActor.emit), so that what the
// counters say and what the hooks saw cannot disagree. The per-call counters (calls, errors,
// hits, misses, waits, cache) are written where the call is handled: a call is no event, and
// an event per call would cost the hot path a hook call. sessions_created and sessions_closed
// count upstream sessions, which session actors may share (upstream.go).
func (s *ServerStats) count(e Event) {
	switch e.Kind {
	case EventSessionStarted:
		if e.Reason == "restart" {
			s.restarts.Add(1)
		}
	case EventCircuitOpened:
		s.circuit.Store("open")
	case EventCircuitClosed:
		s.circuit.Store("closed")
	case EventCircuitHalfOpen:
		s.circuit.Store("half_open")
	}
}
