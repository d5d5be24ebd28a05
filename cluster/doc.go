// Package cluster runs several `spine serve` nodes as one gateway, on protoactor-go's
// remote: no shared store, no protocol of SPINE's own.
//
// The node that handles a downstream session's first request owns it — its session actors
// and upstream sessions live there — and the id it mints names it: a Signer signs the owner's
// address with HMAC-SHA256 under a key every node shares, for the legacy Mcp-Session-Id and
// for spine_session handles alike. Any node can then tell who owns a session from the id
// alone. Node.Route verifies an id before anything else (a forged or altered one gets 404 and
// goes nowhere), serves the node's own sessions and everything sessionless itself (shared
// servers are served by whichever node receives the request), and forwards a peer's session
// to it as a protobuf message (package wire) whose answer — a JSON body, or an SSE stream of
// progress and notifications — comes back as a sequence of chunks.
//
// When the owner is gone, so is the session: requests for it get 404 (a legacy client
// initializes again, on a live node) or, for a handle, a tool error saying its state is
// gone. Nothing is re-created elsewhere. A broken connection to a peer (protoactor's
// EndpointTerminatedEvent) fails its forwarded requests at once.
//
//	node, err := cluster.Start(cluster.Config{Address: "10.0.0.5:7800", Peers: peers, Key: key})
//	if err != nil { ... }
//	defer node.Close()
//	gw, _ := gateway.New(ctx, project, gateway.Options{NewSessionID: node.NewSessionID})
//	h := gw.Handler(gateway.HTTPOptions{})
//	node.SetHandler(h)
//	srv := &http.Server{Handler: node.Route("/mcp", h)}
package cluster
