#!/usr/bin/env node
// pinned.mjs runs one of the MCP reference servers pinned in package.json and
// package-lock.json beside it, from the node_modules that `npm ci --prefix
// integration/thirdparty` installs here: never another version, and never one fetched from
// the registry (as `npx -y` does when the install is missing).
//
//   node integration/thirdparty/pinned.mjs [--private-tmp VAR=FILE] PACKAGE [ARG...]
//
// PACKAGE is server-everything, server-memory or server-filesystem; the ARGs go to the
// server. With --private-tmp VAR=FILE, the environment variable VAR names FILE in a new
// private temporary directory (under $TMPDIR), removed when the server exits — unless VAR is
// already set and not empty. examples/thirdparty-chain.toml keeps server-memory's knowledge
// graph there.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const install = "run npm ci --prefix integration/thirdparty";

function fail(message) {
  process.stderr.write(`pinned.mjs: ${message}\n`);
  process.exit(1);
}

let args = process.argv.slice(2);
let privateTmp = "";
if (args[0] === "--private-tmp") {
  privateTmp = args[1] ?? "";
  args = args.slice(2);
}
const [pkg, ...serverArgs] = args;
if (!pkg || (privateTmp !== "" && !/^[A-Za-z_][A-Za-z0-9_]*=[^/]+$/.test(privateTmp))) {
  fail("usage: node pinned.mjs [--private-tmp VAR=FILE] PACKAGE [ARG...]");
}

const name = `@modelcontextprotocol/${pkg}`;
const pinned = JSON.parse(readFileSync(join(here, "package.json"), "utf8")).dependencies?.[name];
if (!pinned) {
  fail(`${name} is not one of the servers pinned in integration/thirdparty/package.json`);
}
const dir = join(here, "node_modules", ...name.split("/"));
let installed;
try {
  installed = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
} catch {
  fail(`${name} is not installed in integration/thirdparty/node_modules: ${install}`);
}
if (installed.version !== pinned) {
  fail(`${name} ${installed.version} is installed, package.json pins ${pinned}: ${install}`);
}
const bin = typeof installed.bin === "string" ? installed.bin : Object.values(installed.bin ?? {})[0];
if (!bin) {
  fail(`${name} names no program in its package.json "bin"`);
}

if (privateTmp !== "") {
  const eq = privateTmp.indexOf("=");
  const variable = privateTmp.slice(0, eq);
  if (!process.env[variable]) {
    const tmp = mkdtempSync(join(tmpdir(), "spine-"));
    process.env[variable] = join(tmp, privateTmp.slice(eq + 1));
    process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) {
      process.on(signal, () => process.exit(128 + constants.signals[signal]));
    }
  }
}

// The server runs in this process, as if started as `node ENTRY ARG...`.
const entry = join(dir, bin);
process.argv = [process.argv[0], entry, ...serverArgs];
await import(pathToFileURL(entry).href);
