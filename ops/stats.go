package ops

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/spine-mcp/spine/executor"
)

// statsMetrics are the metrics read from Executor.Stats at each scrape: the pool keeps these
// counters itself (since the executor started, workflow steps included), so a scrape costs
// one snapshot and no bookkeeping on the call path.
type statsMetrics struct {
	sessions, opened, closed, restarts   *prometheus.Desc
	requests, failures, hits, misses     *prometheus.Desc
	waits, waitSeconds, waitMax, circuit *prometheus.Desc
	cacheHits, cacheMisses, skipped      *prometheus.Desc
	info, queue                          *prometheus.Desc
}

func newStatsMetrics() statsMetrics {
	server := []string{"server"}
	return statsMetrics{
		sessions: prometheus.NewDesc("spine_sessions", "Upstream sessions by server and state (connecting, busy, idle).", []string{"server", "state"}, nil),
		opened:   prometheus.NewDesc("spine_sessions_opened_total", "Upstream sessions opened (handshake done), by server.", server, nil),
		closed:   prometheus.NewDesc("spine_sessions_closed_total", "Upstream sessions closed or lost, by server.", server, nil),
		restarts: prometheus.NewDesc("spine_session_restarts_total", "Upstream sessions replaced after they died or their actor restarted, by server.", server, nil),
		requests: prometheus.NewDesc("spine_pool_requests_total", "Requests served by a server's pool, workflow steps included, by server.", server, nil),
		failures: prometheus.NewDesc("spine_pool_request_errors_total", "Requests served by a server's pool that failed, workflow steps included, by server.", server, nil),
		hits:     prometheus.NewDesc("spine_pool_hits_total", "Requests served by a session that was already open, by server.", server, nil),
		misses:   prometheus.NewDesc("spine_pool_misses_total", "Requests that waited for a session to open, by server.", server, nil),
		waits:    prometheus.NewDesc("spine_pool_waits_total", "Requests that queued for a free session, by server.", server, nil),
		waitSeconds: prometheus.NewDesc("spine_pool_wait_seconds_total",
			"Time requests spent queued for a free session, by server.", server, nil),
		waitMax: prometheus.NewDesc("spine_pool_wait_max_seconds", "The longest a request queued for a free session, by server.", server, nil),
		circuit: prometheus.NewDesc("spine_circuit_state",
			"A server's circuit: 1 for its current state (closed, open, half_open), 0 for the others. While open, calls fail fast.", []string{"server", "state"}, nil),
		cacheHits:   prometheus.NewDesc("spine_list_cache_hits_total", "List requests served from the list cache, by server.", server, nil),
		cacheMisses: prometheus.NewDesc("spine_list_cache_misses_total", "List requests that asked the server, by server.", server, nil),
		skipped: prometheus.NewDesc("spine_stdout_skipped_lines_total",
			"Lines a stdio server wrote to stdout that were no MCP message (banners, logs), by server.", server, nil),
		info: prometheus.NewDesc("spine_server_info", "Configured upstream servers: always 1, with the server's transport, isolation and protocol setting, "+
			"and the protocol version its latest handshake settled on with its era (legacy, modern); those two are empty before its first session opens.",
			[]string{"server", "transport", "isolation", "protocol", "version", "era"}, nil),
		queue: prometheus.NewDesc("spine_queue_depth", "Calls waiting in a server's pool for a session now, by server.", server, nil),
	}
}

func (m statsMetrics) describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.sessions, m.opened, m.closed, m.restarts, m.requests, m.failures, m.hits,
		m.misses, m.waits, m.waitSeconds, m.waitMax, m.circuit, m.cacheHits, m.cacheMisses, m.skipped, m.info, m.queue} {
		ch <- d
	}
}

// circuitStates are the values of the circuit label, each always present so that an alert
// on spine_circuit_state{state="open"} == 1 sees a 0 rather than nothing.
var circuitStates = []string{"closed", "open", "half_open"}

func (m statsMetrics) collect(ch chan<- prometheus.Metric, ex *executor.Executor) {
	stats := ex.Stats()
	for _, spec := range ex.Project().Servers {
		st, ok := stats.Servers[spec.Name]
		if !ok {
			continue // a disabled server
		}
		s := spec.Name
		gauge := func(d *prometheus.Desc, v float64, labels ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{s}, labels...)...)
		}
		counter := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, s)
		}
		gauge(m.sessions, float64(st.Sessions.Connecting), "connecting")
		gauge(m.sessions, float64(st.Sessions.Busy), "busy")
		gauge(m.sessions, float64(st.Sessions.Idle), "idle")
		counter(m.opened, float64(st.SessionsCreated))
		counter(m.closed, float64(st.SessionsClosed))
		counter(m.restarts, float64(st.Restarts))
		counter(m.requests, float64(st.Calls))
		counter(m.failures, float64(st.Errors))
		counter(m.hits, float64(st.Hits))
		counter(m.misses, float64(st.Misses))
		counter(m.waits, float64(st.AcquireWait.Count))
		counter(m.waitSeconds, st.AcquireWait.TotalMs/1000)
		gauge(m.waitMax, st.AcquireWait.MaxMs/1000)
		for _, state := range circuitStates {
			v := 0.0
			if st.Circuit == state {
				v = 1
			}
			gauge(m.circuit, v, state)
		}
		counter(m.cacheHits, float64(st.CacheHits))
		counter(m.cacheMisses, float64(st.CacheMisses))
		counter(m.skipped, float64(st.SkippedLines))
		gauge(m.info, 1, string(spec.Transport), string(spec.Policy.Isolation), spec.Policy.Protocol, st.Protocol, st.Era)
		gauge(m.queue, float64(st.QueueDepth))
	}
}
