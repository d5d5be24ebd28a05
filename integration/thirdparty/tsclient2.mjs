#!/usr/bin/env node
// tsclient2.mjs drives `spine serve --http` with the TypeScript MCP SDK's v2 client
// (@modelcontextprotocol/client, as pinned in package-lock.json beside it) on the sessionless
// 2026-07-28 protocol (server/discover, no Mcp-Session-Id), and prints what it saw as one JSON
// document for serve_test.go to check.
//
//   node integration/thirdparty/tsclient2.mjs URL

import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const { Client, StreamableHTTPClientTransport } = await import(
  pathToFileURL(join(here, "node_modules/@modelcontextprotocol/client/dist/index.mjs")).href);

// It offers elicitation and sampling: an upstream's question reaches it as an input request,
// which the SDK answers through these handlers and sends back with the requestState.
const client = new Client({ name: "ts-sdk-v2", version: "1" }, {
  versionNegotiation: { mode: { pin: "2026-07-28" } },
  capabilities: { elicitation: { form: {} }, sampling: {} },
});
const asked = [];
client.setRequestHandler("elicitation/create", async (req) => {
  asked.push(req.params.message);
  return { action: "accept", content: { answer: "ts-v2" } };
});
client.setRequestHandler("sampling/createMessage", async (req) => {
  asked.push(req.params.messages[0].content.text);
  return { role: "assistant", model: "ts-model", content: { type: "text", text: "sampled" } };
});
await client.connect(new StreamableHTTPClientTransport(new URL(process.argv[2])));

const text = (r) => (r.content ?? []).filter((c) => c.type === "text").map((c) => c.text).join("");
const out = {
  version: client.getNegotiatedProtocolVersion(),
  instructions: client.getInstructions() ?? "",
  tools: (await client.listTools()).tools.map((t) => t.name),
};
out.echo = text(await client.callTool({ name: "demo__echo", arguments: { text: "from ts v2" } }));
out.add = (await client.callTool({ name: "demo__add", arguments: { a: 2, b: 3 } })).structuredContent;
out.schema = (await client.readResource({ uri: "spine://demo/schema" })).contents[0].text.includes("echo");
out.prompt = (await client.getPrompt({ name: "demo__summarize", arguments: { topic: "x" } })).messages.length;
// Questions in rounds: the same upstream call goes on with each answer.
out.ask = text(await client.callTool({ name: "demo__ask", arguments: { question: "who are you?" } }));
out.sample = text(await client.callTool({ name: "demo__sample", arguments: { prompt: "say hi" } }));
out.asked = asked;
// An affinity server through a handle: its own upstream session.
const handle = (await client.callTool({ name: "aff__open_session", arguments: {} })).structuredContent.spine_session;
out.counter = [];
for (let i = 0; i < 3; i++) {
  out.counter.push(text(await client.callTool({ name: "aff__counter", arguments: { spine_session: handle } })));
}
await client.callTool({ name: "aff__close_session", arguments: { spine_session: handle } });
await client.close();
process.stdout.write(JSON.stringify(out) + "\n");
