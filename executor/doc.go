// Package executor is SPINE's Go API: a synchronous, context-aware face over warm, pooled,
// supervised MCP sessions, for agent loops and other Go programs.
//
// An Executor is built from a project (package capability) and serves CallTool,
// ReadResource, GetPrompt, the List* calls, Batch and Reconnect from the server actors of
// package actors. Every call takes a context: its deadline bounds the call, its
// cancellation cancels the call on the server. Isolation keys ride on the context
// (WithAffinity, WithIdentity, WithHeaders). Every failure is a *CallError whose Class says
// whether the call may have run (not_sent, maybe_ran, timeout, refused, protocol); errors match
// the sentinels of this package with errors.Is. A call that may have run is replayed only when
// it is safe (read-only or idempotent tools, reads, lists). Stats returns every pool's
// counters; Close drains, then tears down in reverse config order — workflow runs and
// description watches included —, within its context's deadline plus one kill grace.
//
// The package speaks its own types (CallError, Class, Event, Stats, RunReport, Progress…),
// go-sdk's, and those of packages capability, workflows and describe; the actor system
// underneath is not part of its API. Logs go to a zerolog logger (WithLogger) or a
// *slog.Logger (WithSlog); pool and lifecycle events are logged, and also handed to a hook
// of the program's (WithEvents).
//
//	project, err := capability.Load(".")
//	if err != nil { ... }
//	ex, err := executor.New(project)
//	if err != nil { ... }
//	defer ex.Close(context.Background())
//	res, err := ex.CallTool(ctx, "demo", "echo", map[string]any{"text": "hi"})
package executor
