// Package actors is SPINE's mechanism: the actor tree that owns every MCP session.
//
//	app actor                  spawns server actors in config order, stops them in reverse
//	 ├── server actor "demo"   one per upstream server: the pool and its policies
//	 │    ├── session actor    owns ONE persistent MCP client session (one process / HTTP session)
//	 │    └── session actor
//	 ├── workflow actor        one per run (StartWorkflow): sends call / read / prompt requests
//	 └── capability-scan actor one per StartScan: lists what servers offer; rescans on list_changed
//
// Everything is a descendant of the app actor, so that Close stops all of it through one path
// and waits for it: the runs and scans first, then the servers from last to first.
//
// A session actor connects on Started, runs each call (which its server actor starts on it
// directly) on one of its long-lived call runners with a deadline and reports the outcome straight to its server actor, watches its process and connection
// for death, and releases everything (cancelling calls in flight, then killing the server's
// process group) on Restarting and Stopping.
//
// A server actor runs the pool of its server: the pool's decisions are a pure state machine
// (actors/internal/pool) — least-loaded dispatch with a per-session in-flight cap, a FIFO
// wait queue with an acquire timeout, growth to max_sessions, isolation scopes, health probes,
// idle closing and lifetime recycling, the retry policy (never replay an ambiguous call),
// exponential restart backoff with jitter, a circuit breaker over failed starts — and the
// actor carries out what it decides, keeps a list cache and supervises its sessions itself. Every failed call gets its outcome class once,
// from one classifier (classify): not_sent, maybe_ran, timeout, refused or protocol, carried
// as data (*Failure) to the caller; one retry policy (MayRetry) decides for the pool and for
// workflow steps. Pool and lifecycle events are typed values (Event) given to one hook
// (LogEvents logs them with fields). docs/design.md describes the tree, the call path, the
// outcomes, the bounds and the teardown.
//
// Messages are plain data (Request, Response, Cancel, …: strings, numbers, JSON, times) so
// that they can later cross a process boundary. A failure is named after its server once
// (serverError), in the shape the runtime's owner asks for (RuntimeOptions.NameError). The
// limits and timings no config key sets are in limits.go, each with why. This package is the
// only one that imports protoactor. Go programs use package executor, which wraps Runtime:
//
//	rt, err := actors.Start(project, actors.RuntimeOptions{Log: logger})
//	resp, err := rt.Do(ctx, "demo", &actors.Request{Op: actors.OpCallTool, Name: "echo",
//		Args: json.RawMessage(`{"text":"hi"}`)})
//	defer rt.Close(ctx)
package actors
