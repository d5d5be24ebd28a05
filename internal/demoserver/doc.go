// Package demoserver is the demo MCP server shipped inside the spine binary
// (`spine demo-server`). It exists so that SPINE's quick start and its tests
// need nothing but Go: every behaviour a pooled, supervised client must cope
// with — quick answers, slow answers, tool errors, a dying process, a call
// that never returns, per-session state, a tool list that changes — is one
// tool away.
//
// Tools:
//
//	echo {text}        returns text unchanged
//	add {a, b}         returns a + b as text, and {"sum": a + b} as structured content
//	sleep {ms}         waits ms milliseconds, returns "slept <ms>ms"; honours cancellation
//	fail {message}     returns a result with isError set and message as its text
//	crash              ends the process at once with exit status 3 (CrashExitCode)
//	hang               never answers; returns only when the call is cancelled
//	counter            counts "1", "2", "3"... within one MCP session
//	grow               adds grown_1, grown_2, ... and so triggers notifications/tools/list_changed
//	ask {question}     asks the client's user (elicitation); answers "answer: <text>" or "declined"
//	sample {prompt}    asks the client's model (sampling); answers "model <name>: <text>"
//	roots              asks the client for its roots; answers their URIs
//
// sleep reports progress (when it starts and when it ends) to a caller that asks for it. ask,
// sample and roots are multi-round-trip requests (protocol 2026-07-28); on a 2025-11-25
// session the SDK sends the client the equivalent request itself.
//
// It also offers the resource demo://readme (text/markdown) and the prompt
// summarize {topic}. The greeting (Options.Greeting, or DEMO_GREETING, or
// "hello") appears in the server's instructions and in the readme, so that a
// test can tell which configuration it reached.
//
// [New] builds a server for any transport (tests use in-memory transports);
// [ServeStdio] serves one session on stdin/stdout, as a stdio MCP server does;
// [ServeHTTP] serves streamable HTTP on a loopback address, with a session per
// client (2025-11-25) or, with Options.Stateless, none (both protocol eras). Both
// stop when their context ends, cancelling calls in flight.
//
// Running it:
//
//	spine demo-server                        # stdio
//	spine demo-server --http 127.0.0.1:0     # prints http://127.0.0.1:PORT/mcp on stdout
//	spine demo-server --http 127.0.0.1:0 --stateless   # the same, without sessions
//
// and from Go:
//
//	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//	defer stop()
//	err := demoserver.ServeHTTP(ctx, "127.0.0.1:0", demoserver.Options{Stderr: os.Stderr},
//		func(url string) { fmt.Println(url) })
package demoserver
