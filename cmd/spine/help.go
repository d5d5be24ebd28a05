package main

import (
	"fmt"
	"io"
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
  --log-level LEVEL  debug | info | warn | error (default: [log] level, else warn)

Examples:
  spine call demo echo text=hi          call the demo server's echo tool
  spine call demo add a=2 b=3 --output json
  spine tools demo                      list the demo server's tools
  spine servers                         check that every server starts and answers
  spine run examples/fanout.toml        run a workflow; progress on stderr, outputs on stdout
  spine describe --server demo --out docs   write the demo server's self-description

Exit codes: 0 success; 1 a call or server failed (a tool result with isError too);
2 bad usage, config or workflow (nothing was run); 130 interrupted.

Run 'spine help COMMAND' for a command's usage.
`)
}

func commandUsage(w io.Writer, c command) {
	fmt.Fprintf(w, "usage: spine %s\n\n%s\n", c.usage, c.summary)
	if c.name == "call" {
		fmt.Fprint(w, `
Arguments are given as --args '{"json": "object"}' and/or as k=v pairs; a value that parses
as JSON (a number, true, false, null, an array or object) keeps its type, anything else is a
string: spine call demo add a=2 b=3; spine call demo echo text="hello world".
`)
	}
}
