package ops

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
)

// Collector is SPINE's metrics as a prometheus.Collector: an embedding program registers it
// in its own registry; Monitor serves it at /metrics. Counters fed by what the executor
// does (operations, pool events, workflow runs) count from NewCollector on; the pool's
// gauges and counters (sessions, restarts, waits, circuit, cache) are read from
// Executor.Stats at each scrape. Labels carry server, tool, operation, class, state and
// workflow names only — never arguments, identities or tokens — and tool names are bounded
// by each server's tool list (see Refresh).
type Collector struct {
	ex      *executor.Executor
	servers map[string]bool
	keyed   map[string]bool // affinity servers: their tools are never listed in the background
	stop    func()

	tools     toolNames
	workflows boundedNames
	refresh   refresher

	calls        *prometheus.CounterVec
	callSeconds  *prometheus.HistogramVec
	operations   *prometheus.CounterVec
	opSeconds    *prometheus.HistogramVec
	poolEvents   *prometheus.CounterVec
	runs         *prometheus.CounterVec
	runSeconds   *prometheus.HistogramVec
	runsActive   *prometheus.GaugeVec
	steps        *prometheus.CounterVec
	fromStats    statsMetrics
	extraSources *sources
}

// callBuckets span a warm call (well under a millisecond) to a long tool (a minute).
var callBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// runBuckets span a workflow of a few warm calls to one of many long ones.
var runBuckets = []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300, 900}

// NewCollector starts counting what ex does. Close stops it.
func NewCollector(ex *executor.Executor) *Collector {
	c := &Collector{
		ex:           ex,
		servers:      map[string]bool{},
		workflows:    boundedNames{max: maxWorkflowLabels},
		extraSources: &sources{},
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "spine_calls_total",
			Help: "Tool calls answered or failed, by server, tool and outcome class (ok, tool_error, not_sent, maybe_ran, timeout, refused, protocol). Tools the server does not list count as tool=\"_other\".",
		}, []string{"server", "tool", "class"}),
		callSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "spine_call_duration_seconds",
			Help:    "Time from a tool call's request to its answer or failure, pool wait included, by server and tool.",
			Buckets: callBuckets,
		}, []string{"server", "tool"}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "spine_operations_total",
			Help: "Operations other than tool calls (read_resource, get_prompt, list_*, server_info) answered or failed, by server, operation and outcome class.",
		}, []string{"server", "op", "class"}),
		opSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "spine_operation_duration_seconds",
			Help:    "Time from an operation's request (other than a tool call) to its answer or failure, by server and operation.",
			Buckets: callBuckets,
		}, []string{"server", "op"}),
		poolEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "spine_pool_events_total",
			Help: "Pool and lifecycle events by server and kind (session_opened, session_lost, connect_failed, circuit_opened, health_failed, recycled, ...).",
		}, []string{"server", "event"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "spine_workflow_runs_total",
			Help: "Workflow runs finished, by workflow and outcome (ok, failed).",
		}, []string{"workflow", "outcome"}),
		runSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "spine_workflow_run_duration_seconds",
			Help:    "Duration of finished workflow runs, by workflow.",
			Buckets: runBuckets,
		}, []string{"workflow"}),
		runsActive: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "spine_workflow_runs_in_progress",
			Help: "Workflow runs started and not finished, by workflow.",
		}, []string{"workflow"}),
		steps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "spine_workflow_steps_total",
			Help: "Workflow steps finished, by workflow and final status (ok, failed, skipped, cancelled).",
		}, []string{"workflow", "status"}),
	}
	for _, s := range ex.Servers() {
		c.servers[s] = true
	}
	c.keyed = map[string]bool{}
	for _, spec := range ex.Project().Enabled() {
		// Listing an affinity server's tools without a key would open a session nobody
		// owns: its tools come from SetTools, or stay "_other".
		c.keyed[spec.Name] = spec.Isolation == capability.IsolationAffinity
	}
	c.refresh = refresher{list: c.listTools}
	c.fromStats = newStatsMetrics()
	c.stop = ex.Observe(executor.Observer{Events: c.event, Calls: c.call, Runs: c.run})
	return c
}

// Refresh lists every server's tools (from the executor's list cache when it is warm), the
// set that bounds the tool label. Until a server's list is known its calls count as
// tool="_other"; the first such call, and every tools list_changed, start a refresh in the
// background. A program that lists tools anyway (a gateway advertising them) calls Refresh
// once its servers are up, so that its first calls are labelled.
func (c *Collector) Refresh(ctx context.Context) error {
	var first error
	for _, s := range c.ex.Servers() {
		if c.keyed[s] {
			continue
		}
		if err := c.listTools(ctx, s); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (c *Collector) listTools(ctx context.Context, server string) error {
	tools, err := c.ex.ListTools(ctx, server)
	if err != nil {
		return err
	}
	names := make([]string, len(tools))
	for i, t := range tools {
		names[i] = t.Name
	}
	c.tools.set(server, names)
	return nil
}

// SetTools gives the tool names of server (which bound its tool label), for a program that
// knows them already — a gateway that listed every server to advertise its tools, or a
// server with isolation = "affinity", whose tools the collector never lists itself (that
// would open a session no caller owns).
func (c *Collector) SetTools(server string, names []string) {
	c.tools.set(server, names)
}

// Close stops counting, and waits for a background refresh of tool lists to end.
func (c *Collector) Close() {
	c.stop()
	c.refresh.close()
}

// serverLabel folds a name that is no configured server (an unknown server's refusal).
func (c *Collector) serverLabel(server string) string {
	if c.servers[server] {
		return server
	}
	return otherLabel
}

func (c *Collector) call(r executor.CallRecord) {
	server := c.serverLabel(r.Server)
	class := classLabel(r)
	if r.Op != executor.OpCallTool {
		c.operations.WithLabelValues(server, string(r.Op), class).Inc()
		c.opSeconds.WithLabelValues(server, string(r.Op)).Observe(r.Duration.Seconds())
		return
	}
	tool, known := c.tools.label(r.Server, r.Tool)
	if !known && server != otherLabel && !c.keyed[r.Server] {
		c.refresh.start(r.Server)
	}
	c.calls.WithLabelValues(server, tool, class).Inc()
	c.callSeconds.WithLabelValues(server, tool).Observe(r.Duration.Seconds())
}

// classLabel is the outcome of an operation as a label: its failure class, or ok, or
// tool_error for a tool that answered with isError (an answer, not a failure, but what an
// operator wants to see apart).
func classLabel(r executor.CallRecord) string {
	switch {
	case r.Class != "":
		return string(r.Class)
	case r.ToolError:
		return "tool_error"
	}
	return "ok"
}

func (c *Collector) event(e executor.Event) {
	c.poolEvents.WithLabelValues(c.serverLabel(e.Server), string(e.Kind)).Inc()
	if e.Kind == executor.EventListChanged && c.servers[e.Server] && !c.keyed[e.Server] {
		c.refresh.start(e.Server)
	}
}

func (c *Collector) run(r executor.RunRecord) {
	wf := c.workflows.label(r.Workflow)
	switch {
	case r.Report != nil:
		c.runsActive.WithLabelValues(wf).Dec()
		outcome := "failed"
		if r.Report.OK {
			outcome = "ok"
		}
		c.runs.WithLabelValues(wf, outcome).Inc()
		c.runSeconds.WithLabelValues(wf).Observe(time.Since(r.Started).Seconds())
	case r.Step != nil:
		if r.Step.Status.Finished() {
			c.steps.WithLabelValues(wf, string(r.Step.Status)).Inc()
		}
	default:
		c.runsActive.WithLabelValues(wf).Inc()
	}
}

// Describe sends the descriptors of every metric.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range c.vecs() {
		m.Describe(ch)
	}
	c.fromStats.describe(ch)
	c.extraSources.describe(ch)
}

// Collect sends the current value of every metric.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c.vecs() {
		m.Collect(ch)
	}
	c.fromStats.collect(ch, c.ex)
	c.extraSources.collect(ch)
}

func (c *Collector) vecs() []prometheus.Collector {
	return []prometheus.Collector{c.calls, c.callSeconds, c.operations, c.opSeconds, c.poolEvents,
		c.runs, c.runSeconds, c.runsActive, c.steps}
}

// refresher runs at most one tool-list refresh per server at a time in the background, and
// no more often than refreshEvery, so that a server whose lists fail is not asked again on
// every call.
type refresher struct {
	list func(ctx context.Context, server string) error

	mu      sync.Mutex
	running map[string]bool
	last    map[string]time.Time
	closed  bool
	wg      sync.WaitGroup
	cancel  context.CancelFunc
	ctx     context.Context
}

// refreshEvery spaces the background refreshes of one server.
const refreshEvery = 10 * time.Second

// refreshTimeout bounds one background refresh: a list is a quick call on a warm session.
const refreshTimeout = 30 * time.Second

func (r *refresher) start(server string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.running[server] || time.Since(r.last[server]) < refreshEvery {
		return
	}
	if r.ctx == nil {
		r.ctx, r.cancel = context.WithCancel(context.Background())
		r.running, r.last = map[string]bool{}, map[string]time.Time{}
	}
	r.running[server], r.last[server] = true, time.Now()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		ctx, cancel := context.WithTimeout(r.ctx, refreshTimeout)
		defer cancel()
		_ = r.list(ctx, server) // a failed list leaves the old one; the next trigger tries again
		r.mu.Lock()
		delete(r.running, server)
		r.mu.Unlock()
	}()
}

func (r *refresher) close() {
	r.mu.Lock()
	r.closed = true
	if r.cancel != nil {
		r.cancel()
	}
	r.mu.Unlock()
	r.wg.Wait()
}
