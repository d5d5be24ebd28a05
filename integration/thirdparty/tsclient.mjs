#!/usr/bin/env node
// tsclient.mjs drives `spine serve` with the TypeScript MCP SDK's client (v1, the session-based
// protocol), as pinned in package-lock.json beside it, and prints what it saw as one JSON
// document for serve_test.go to check.
//
//   node integration/thirdparty/tsclient.mjs http URL
//   node integration/thirdparty/tsclient.mjs stdio SPINE_BINARY PROJECT_DIR

import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const sdk = (p) => import(pathToFileURL(join(here, "node_modules/@modelcontextprotocol/sdk/dist/esm", p)).href);

const { Client } = await sdk("client/index.js");
const { StreamableHTTPClientTransport } = await sdk("client/streamableHttp.js");
const { StdioClientTransport } = await sdk("client/stdio.js");
const types = await sdk("types.js");

const [mode, target, project] = process.argv.slice(2);
const transport = mode === "http"
  ? new StreamableHTTPClientTransport(new URL(target))
  : new StdioClientTransport({ command: target, args: ["serve", "--stdio"], cwd: project, stderr: "inherit" });

const client = new Client({ name: "ts-sdk-v1", version: "1" });
let listChanged = 0;
client.setNotificationHandler(types.ToolListChangedNotificationSchema, () => { listChanged++; });
await client.connect(transport);

const out = { instructions: client.getInstructions() ?? "" };
const names = async () => (await client.listTools()).tools.map((t) => t.name);
out.tools = await names();
const text = (r) => (r.content ?? []).filter((c) => c.type === "text").map((c) => c.text).join("");
out.echo = text(await client.callTool({ name: "demo__echo", arguments: { text: "from ts" } }));
const add = await client.callTool({ name: "demo__add", arguments: { a: 2, b: 3 } });
out.add = add.structuredContent;
out.fail = (await client.callTool({ name: "demo__fail", arguments: { message: "no" } })).isError === true;
out.counter = [];
for (let i = 0; i < 3; i++) {
  out.counter.push(text(await client.callTool({ name: "aff__counter", arguments: {} })));
}
out.readme = (await client.readResource({ uri: "demo://readme" })).contents[0].text.length > 0;
out.schema = (await client.readResource({ uri: "spine://demo/schema" })).contents[0].text.includes("echo");
out.prompt = (await client.getPrompt({ name: "demo__summarize", arguments: { topic: "x" } })).messages.length;

// Cancellation: an aborted call returns at once.
const ac = new AbortController();
const slow = client.callTool({ name: "demo__sleep", arguments: { ms: 60000 } }, undefined, { signal: ac.signal });
setTimeout(() => ac.abort(), 200);
const started = Date.now();
try { await slow; out.cancelled = false; } catch { out.cancelled = Date.now() - started < 30000; }

const grown = text(await client.callTool({ name: "demo__grow", arguments: {} }));
for (let i = 0; i < 200 && !(await names()).includes("demo__" + grown); i++) {
  await new Promise((r) => setTimeout(r, 50));
}
out.grown = (await names()).includes("demo__" + grown);
for (let i = 0; i < 200 && listChanged === 0; i++) {
  await new Promise((r) => setTimeout(r, 50));
}
out.listChanged = listChanged > 0;

await client.close();
process.stdout.write(JSON.stringify(out) + "\n");
