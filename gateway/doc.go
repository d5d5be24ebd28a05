// Package gateway serves every enabled server of a SPINE project as one MCP server: what
// `spine serve` runs. A host configures one server — SPINE over stdio, or a URL — and reaches
// every upstream through SPINE's warm, supervised pools.
//
// A Gateway advertises each server's tools and prompts as <server>__<name> (or bare names,
// NamesBare, where unique; a server's prefix and aliases override), its resources under
// their own URIs (<server>+<uri> where two servers clash), and each workflow file as a tool
// workflow__<name>. Names never change meaning while the gateway runs: a collision gives the
// later server (in config order) a prefixed name and is logged, never fatal. Upstream
// list_changed notifications re-list the server (debounced) and reach downstream sessions.
//
// Calls are mapped by the upstream's isolation: shared servers serve every downstream
// session from one pool; identity servers key their pools by the authenticated subject;
// affinity servers give each downstream session an upstream session of its own, closed when
// the downstream session ends (DELETE, idle timeout, stdio EOF). A lost affinity session is
// reported to its downstream session once (ErrStateLost), never silently replaced. Progress
// notifications flow up to the downstream client, cancellation down to the upstream. An
// upstream's elicitation and sampling requests go to the downstream session whose call caused
// them (to a sessionless client's tools/call as multi-round-trip input requests), or are
// declined where that cannot be told or the client does not offer them.
//
// Handler serves streamable HTTP at /mcp for both protocol eras (a stateful go-sdk handler
// for legacy clients, a stateless one for 2026-07-28 clients, a classifier in front),
// answering application/json (HTTPOptions.StreamResponses: SSE); the plain tools/call of a
// legacy session, the request a gateway serves most, is answered on the direct path, without
// go-sdk's handler but through the same middlewares and tool handler, with the same bytes,
// passing a stdio upstream's result on as the server sent it (direct.go). ServeStdio serves
// one session on stdio.
//
// Every downstream request is one log line (Options.Log: debug, warn when it failed) and,
// with Options.TracerProvider, a server span that continues the caller's traceparent (from
// _meta or the HTTP header) and parents the upstream call's span.
//
//	gw, err := gateway.New(ctx, project, gateway.Options{Log: logger})
//	if err != nil { ... }
//	defer gw.Close(context.Background())
//	srv := &http.Server{Handler: gw.Handler(gateway.HTTPOptions{})}
//	go srv.Serve(listener)
package gateway
