package ops

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/spine-mcp/spine/executor"
)

// Options configures a Monitor. The zero value is ready to use.
type Options struct {
	// Auth wraps the handlers that show what SPINE does — /metrics, /status and
	// /status.json — with the gateway's authentication, so that they are behind the same
	// auth as the MCP endpoint. /healthz and /readyz stay open: probes carry no token and
	// learn nothing but up or down. Default: no wrapping.
	Auth func(http.Handler) http.Handler
	// Ready is asked by /readyz besides the servers' circuits: a non-nil error (the listener
	// is draining, the config is being reloaded) makes the gateway not ready, with the
	// error's text as the reason. Default: ready once the executor runs.
	Ready func() error
	// Recent is how many calls, errors and workflow runs the status page keeps. Default: 50.
	Recent int
	// Registry is the registry /metrics serves. Default: a new one with the Collector, and
	// the Go runtime's and the process's collectors.
	Registry *prometheus.Registry
	// Collectors are registered on /metrics besides the executor's (a cluster node's
	// routing counts). Default: none.
	Collectors []prometheus.Collector
}

// defaultRecent is Options.Recent's default: a screenful.
const defaultRecent = 50

// Monitor serves the operations endpoints of one executor: /metrics, /healthz, /readyz,
// /status and /status.json. Close stops it watching the executor.
type Monitor struct {
	ex        *executor.Executor
	opts      Options
	collector *Collector
	registry  *prometheus.Registry
	history   *history
	stop      func()
	started   time.Time
}

// NewMonitor starts watching ex.
func NewMonitor(ex *executor.Executor, opts Options) *Monitor {
	if opts.Recent <= 0 {
		opts.Recent = defaultRecent
	}
	m := &Monitor{ex: ex, opts: opts, collector: NewCollector(ex), history: newHistory(opts.Recent), started: time.Now()}
	m.registry = opts.Registry
	if m.registry == nil {
		m.registry = prometheus.NewRegistry()
		m.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m.registry.MustRegister(m.collector)
	m.registry.MustRegister(opts.Collectors...)
	m.stop = ex.Observe(executor.Observer{Calls: m.history.call, Runs: m.history.run})
	return m
}

// Collector returns the monitor's metrics, to register in another registry as well.
func (m *Monitor) Collector() *Collector { return m.collector }

// SetDownstream registers the gateway's downstream sessions (status page and metrics).
func (m *Monitor) SetDownstream(d Downstream) { m.collector.SetDownstream(d) }

// SetCollisions registers the gateway's name collisions (status page and metrics).
func (m *Monitor) SetCollisions(c Collisions) { m.collector.SetCollisions(c) }

// Close stops watching the executor. The handlers keep answering from what was seen.
func (m *Monitor) Close() {
	m.stop()
	m.collector.Close()
}

// Paths are the paths Mount serves, each with its handler.
const (
	PathMetrics    = "/metrics"
	PathHealthz    = "/healthz"
	PathReadyz     = "/readyz"
	PathStatus     = "/status"
	PathStatusJSON = "/status.json"
)

// Mount registers the five endpoints on mux, the ones that show what SPINE does behind
// Options.Auth.
func (m *Monitor) Mount(mux *http.ServeMux) {
	for path, h := range m.handlers() {
		mux.Handle("GET "+path, h)
	}
}

// Handler serves the five endpoints alone, for a listener of their own (--metrics ADDR).
func (m *Monitor) Handler() http.Handler {
	mux := http.NewServeMux()
	m.Mount(mux)
	return mux
}

func (m *Monitor) handlers() map[string]http.Handler {
	auth := m.opts.Auth
	if auth == nil {
		auth = func(h http.Handler) http.Handler { return h }
	}
	return map[string]http.Handler{
		PathMetrics:    auth(m.Metrics()),
		PathHealthz:    m.Healthz(),
		PathReadyz:     m.Readyz(),
		PathStatus:     auth(m.StatusPage()),
		PathStatusJSON: auth(m.StatusJSON()),
	}
}

// Metrics serves the registry in Prometheus' text format (or OpenMetrics when asked).
func (m *Monitor) Metrics() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{EnableOpenMetrics: true})
}
