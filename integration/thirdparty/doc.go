// Package thirdparty tests SPINE against real third-party MCP servers: the Node.js reference
// servers @modelcontextprotocol/server-everything, server-memory and server-filesystem, at the
// exact versions pinned in package.json and package-lock.json beside this file. It holds tests
// only.
//
// Each server is started two ways: directly (node .../dist/index.js, the package's bin) and as
// .mcp.json files name it (npx -y @modelcontextprotocol/PKG, run from this directory so that
// npx finds the pinned install without the network; the tests check that it does). The tests
// cover:
//
//   - server-everything: tool, resource, resource-template and prompt lists; echo, get-sum,
//     a long-running tool, structured content, reading a resource and an instantiated
//     resource template, a prompt with arguments; many concurrent calls on one session;
//     cold start against warm calls (logged, for the README).
//   - server-memory: entities, relations and observations created in some calls and read
//     and searched in later ones, also after the session was replaced (a new process).
//   - server-filesystem: write, read and list inside the allowed directory; paths outside it
//     (absolute, with "..", relative, through a symlink) fail for the caller.
//   - process hygiene: an npx-launched server is a tree (npm exec, sh, node); closing the
//     executor leaves none of it running, also with a call in flight, and killing any one
//     process of it makes SPINE replace the session and end the rest of the tree.
//   - config compatibility: a .mcp.json in the Claude Code style (stdio and http entries,
//     env, headers, ${VAR} and ${VAR:-default}) loads unchanged and works; Codex's keys
//     startup_timeout_sec, tool_timeout_sec, enabled_tools and disabled_tools take effect.
//   - spine serve, over HTTP and over stdio, driven by the TypeScript SDK's v1 client
//     (@modelcontextprotocol/sdk 1.32.2, tsclient.mjs; the session-based protocol) and over
//     HTTP by its v2 client (@modelcontextprotocol/client 2.4.0, tsclient2.mjs; 2026-07-28,
//     sessionless), both pinned in package.json, in front of the demo server and
//     server-everything: list, calls, an affinity server (a handle for v2), resources, the
//     served L0/L1, prompts, cancellation, list_changed after grow; the v2 client also answers
//     the demo server's elicitation and sampling in rounds (input requests, requestState).
//   - both protocol eras: server-everything (2025-11-25 only) over stdio, streamable HTTP and
//     SSE under protocol = "auto", which settles on 2025-11-25 with one server/discover probe
//     per server (a proxy over HTTP, a wrapper reading stdin over stdio count them), with
//     calls, lists, a resource, a prompt, progress and a resources list_changed; and
//     tsserver2.mjs, a small server written with the TypeScript SDK v2
//     (@modelcontextprotocol/server 2.4.0, pinned), over stdio (its serveStdio entry) and HTTP
//     (its createMcpHandler on node:http) in each era and under "auto".
//   - examples/thirdparty-chain.toml, a workflow chaining everything and memory, in process
//     and with `spine run`; its servers run through pinned.mjs, which starts the pinned
//     install only (without it, the servers fail saying to run npm ci) and keeps the memory
//     graph in a private temporary directory removed when the server exits.
//
// Run them with
//
//	npm ci --prefix integration/thirdparty
//	go test ./integration/thirdparty/
//
// Without Node.js on PATH, or without the npm install, the tests skip, so that go test ./...
// passes on a machine with only Go. When the CI environment variable is set and Node.js is
// present, a missing install fails them instead: CI cannot skip them silently.
package thirdparty
