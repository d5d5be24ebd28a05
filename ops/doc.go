// Package ops is how SPINE is operated: Prometheus metrics, health and readiness probes, and a
// live status page, for one executor. It needs only the *executor.Executor (it watches it
// with Executor.Observe and reads Executor.Stats), so that a gateway in front of the
// executor (spine serve), or any program embedding one, mounts its handlers on a listener of
// its own choosing.
//
// The main types:
//
//   - Collector is SPINE's metrics as a prometheus.Collector: register it in the program's
//     own registry. Tool calls by server, tool and outcome class, their latency histogram,
//     other operations, pool events, workflow runs and steps, and the pool's own counters
//     (sessions by state, restarts, waits, circuit, list cache). Labels never carry
//     arguments, identities or tokens; tool names are bounded by each server's tool list.
//   - Monitor serves /metrics, /healthz, /readyz, /status and /status.json (Mount on a mux,
//     or Handler for a listener of their own); Options.Auth puts the gateway's
//     authentication in front of the three that show activity.
//   - TracerProviderFromEnv builds the OpenTelemetry TracerProvider that
//     executor.WithTracerProvider takes from the standard OTEL_* variables, or nil (no
//     tracing, no cost) when they ask for none.
//   - Downstream and Collisions are the small interfaces a gateway implements to have its
//     client sessions and name collisions shown and counted (SetDownstream, SetCollisions).
//
// A gateway mounts it on the listener of its MCP endpoint:
//
//	mon := ops.NewMonitor(ex, ops.Options{Auth: requireToken, Ready: notDraining})
//	defer mon.Close()
//	mon.SetDownstream(sessions) // optional
//	mux.Handle("/mcp", mcpHandler)
//	mon.Mount(mux) // GET /metrics /healthz /readyz /status /status.json
//	_ = mon.Collector().Refresh(ctx) // label the first calls with their tools
//
// or on a listener of their own: http.Serve(metricsListener, mon.Handler()). A program
// with its own Prometheus registry registers only the metrics:
//
//	c := ops.NewCollector(ex)
//	defer c.Close()
//	registry.MustRegister(c)
package ops
