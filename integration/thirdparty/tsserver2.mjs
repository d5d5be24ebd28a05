#!/usr/bin/env node
// tsserver2.mjs is a small MCP server written with the TypeScript MCP SDK's v2 server
// (@modelcontextprotocol/server, as pinned in package-lock.json beside it), which speaks the
// sessionless 2026-07-28 protocol and, on the same endpoint, 2025-11-25. It has a tool that
// adds, a tool that reports progress, a tool that adds a tool (a list change), a resource with
// a cache hint and a prompt.
//
//   node integration/thirdparty/tsserver2.mjs stdio
//   node integration/thirdparty/tsserver2.mjs http   # prints "listening URL" on stdout
//
// Over stdio the SDK's serveStdio must serve it: the era is decided by the opening exchange
// (server/discover or initialize), which a bare StdioServerTransport connected to one McpServer
// does not answer in the 2026-07-28 way. Over HTTP createMcpHandler serves it, mounted on
// node:http here (the SDK's own adapter lives in another package).

import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const load = (path) => import(pathToFileURL(join(here, "node_modules", path)).href);
const { McpServer, createMcpHandler } = await load("@modelcontextprotocol/server/dist/index.mjs");
const { serveStdio } = await load("@modelcontextprotocol/server/dist/stdio.mjs");
const { z } = await load("zod/index.js");

let grown = 0; // tools added by grow, in this process

// factory builds one server instance: per connection over stdio, per request over HTTP.
function factory(onGrow) {
  const server = new McpServer({ name: "ts-sdk-v2-server", version: "1" },
    { capabilities: { tools: { listChanged: true }, resources: {}, prompts: {} } });
  server.registerTool("add", {
    description: "Adds a and b.",
    inputSchema: z.object({ a: z.number(), b: z.number() }),
    outputSchema: z.object({ sum: z.number() }),
  }, async ({ a, b }) => ({
    content: [{ type: "text", text: String(a + b) }],
    structuredContent: { sum: a + b },
  }));
  server.registerTool("steps", {
    description: "Counts to steps, 100 ms a step, reporting progress at each step.",
    inputSchema: z.object({ steps: z.number().int().min(1).max(20) }),
  }, async ({ steps }, ctx) => {
    const token = ctx.mcpReq._meta?.progressToken;
    for (let i = 1; i <= steps; i++) {
      if (token !== undefined) {
        await ctx.mcpReq.notify({ method: "notifications/progress", params: { progressToken: token, progress: i, total: steps } });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { content: [{ type: "text", text: `done after ${steps} steps` }] };
  });
  server.registerTool("grow", { description: "Adds a tool grown_N and says that the tool list changed." }, async () => {
    grown++;
    onGrow();
    return { content: [{ type: "text", text: `grown_${grown}` }] };
  });
  for (let i = 1; i <= grown; i++) {
    server.registerTool(`grown_${i}`, { description: `Grown tool ${i}.` }, async () => ({
      content: [{ type: "text", text: `grown_${i}` }],
    }));
  }
  server.registerResource("note", "ts://note", { mimeType: "text/plain", cacheHint: { ttlMs: 60000, cacheScope: "public" } },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: "text/plain", text: "a note from the TypeScript SDK v2" }] }));
  server.registerPrompt("greet", {
    description: "Greets someone.",
    argsSchema: z.object({ name: z.string() }),
  }, ({ name }) => ({ messages: [{ role: "user", content: { type: "text", text: `Say hello to ${name}.` } }] }));
  return server;
}

const mode = process.argv[2];
if (mode === "stdio") {
  // One instance per connection: a grown tool shows on it at once (the SDK sends list_changed
  // to a legacy client, and to a modern client's subscriptions/listen).
  let current;
  serveStdio(() => {
    current = factory(() => {
      const i = grown;
      current.registerTool(`grown_${i}`, { description: `Grown tool ${i}.` }, async () => ({
        content: [{ type: "text", text: `grown_${i}` }],
      }));
    });
    return current;
  });
} else if (mode === "http") {
  const handler = createMcpHandler(() => factory(() => handler.notify.toolsChanged()));
  const http = createServer(async (req, res) => {
    try {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const ac = new AbortController();
      res.on("close", () => ac.abort());
      const request = new Request(`http://${req.headers.host}${req.url}`, {
        method: req.method,
        headers: Object.entries(req.headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])),
        body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks),
        signal: ac.signal,
      });
      const response = await handler.fetch(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) {
        Readable.fromWeb(response.body).on("error", () => res.destroy()).pipe(res);
      } else {
        res.end();
      }
    } catch (err) {
      process.stderr.write(`tsserver2.mjs: ${err?.stack ?? err}\n`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  http.listen(0, "127.0.0.1", () => {
    process.stdout.write(`listening http://127.0.0.1:${http.address().port}/mcp\n`);
  });
  for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => process.exit(0));
  }
} else {
  process.stderr.write("usage: node tsserver2.mjs stdio|http\n");
  process.exit(2);
}
