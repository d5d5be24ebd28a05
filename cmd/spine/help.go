package main

import (
	"context"
	"fmt"
	"io"

	closest "github.com/spine-mcp/spine/internal/suggest"
)

func usage(w io.Writer) {
	fmt.Fprint(w, `spine — warm, pooled, supervised sessions to MCP servers

Usage:
  spine [--project DIR] [--config FILE] [--log-level LEVEL] <command> [arguments]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-17s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Global flags (before or after the command):
  --project DIR      project directory with spine.toml and/or .mcp.json (default ".")
  --config FILE      an explicit config file instead of DIR/spine.toml
  --log-level LEVEL  debug | info | warn | error (default: [log] level, which defaults to info)

Examples:
  spine call demo echo text=hi          call the demo server's echo tool
  spine call demo add a=2 b=3 --output json
  spine tools demo                      list the demo server's tools
  spine servers                         check that every server starts and answers
  spine run examples/fanout.toml        run a workflow; progress on stderr, outputs on stdout
  spine describe --server demo --out docs   write the demo server's self-description

Exit codes: 0 success; 1 a call or server failed (a tool result with isError too);
2 bad usage, config or workflow, an unknown server or tool, no servers configured
(nothing was run); 130 interrupted.

Run 'spine help COMMAND' (or 'spine COMMAND --help') for a command's usage and flags.
`)
}

func commandUsage(w io.Writer, c command) {
	fmt.Fprintf(w, "usage: spine %s\n\n%s\n", c.usage, c.summary)
	switch c.name {
	case "call":
		fmt.Fprint(w, `
Arguments are given as --args '{"json": "object"}' and/or as k=v pairs (which win). A k=v
value takes the type the tool's input schema gives its parameter: for a string parameter
it is the text as written (message=123 sends "123", text=null sends "null"); for a number,
integer, boolean, array or object parameter it is parsed as JSON, and a value that is not
one is refused (exit 2). For a parameter the schema does not type, a value that parses as
JSON (a number, true, false, null, an array or object) keeps its type and anything else
is a string. Examples: spine call demo add a=2 b=3; spine call demo echo text="hello world".

An unknown server or tool is refused before anything is called (exit 2). The result's
_meta fields (protocol metadata) are left out of the output; --meta keeps them in the
JSON of --output json.
`)
	case "serve":
		fmt.Fprint(w, `
Every enabled server of the project as one MCP server: tools and prompts as SERVER__NAME
(or bare names with [serve] names = "bare"), resources under their URIs, workflow files as
tools workflow__NAME, each server's self-description as spine://SERVER/schema and
spine://SERVER/docs/FILE. --http serves streamable HTTP at http://ADDR/mcp for clients of both
protocol eras, prints the URL on stdout once it accepts, and also serves /metrics, /healthz,
/readyz, /status (a live page), /status.json and /names.json; --stdio serves one session on stdin/stdout. A bind that is not loopback needs
[serve.auth] (tokens_env, or issuer + jwks_url + audience): without it spine serve refuses to
start (exit 2). Servers with isolation = "affinity" get an upstream session per downstream
session. SIGINT/SIGTERM drain requests in flight (5s), tear everything down and exit 130.
See the README, "Use SPINE from your MCP host".
`)
	case "tools", "resources", "prompts":
		fmt.Fprint(w, `
--output json prints {"servers": {"NAME": {...}}}; the _meta fields of the items are left out
unless --meta is given.
`)
	}
}

// runHelp is `spine help [COMMAND]`: the general usage, or what `spine COMMAND --help` prints.
func runHelp(ctx context.Context, e *env, args []string) error {
	pos, err := e.flags(args, nil)
	if err != nil {
		return err
	}
	switch len(pos) {
	case 0:
		usage(e.stdout)
		return nil
	case 1:
	default:
		return badUsage("want at most one COMMAND")
	}
	c, ok := lookup(pos[0])
	if !ok {
		return badInput(fmt.Errorf("%w; run 'spine help' for the list", unknownCommand(pos[0])))
	}
	// Every command parses its flags first: --help prints its usage and flags and stops there.
	ce := &env{global: e.global, stdout: e.stdout, stderr: e.stderr, cmd: c}
	return c.run(ctx, ce, []string{"--help"})
}

// didYouMean returns ` (did you mean "X"?)` for the candidate closest to word, or "".
func didYouMean(word string, candidates []string) string {
	if s := closest.Closest(word, candidates); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}
