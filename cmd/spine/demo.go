package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/spine-mcp/spine/internal/demoserver"
)

func runDemoServer(ctx context.Context, e *env, args []string) error {
	var addr string
	var stateless bool
	var listTTL, listenFor time.Duration
	if _, err := e.flags(args, func(fs *flag.FlagSet) {
		fs.StringVar(&addr, "http", "", "serve streamable HTTP on this loopback address (e.g. 127.0.0.1:0) instead of stdio")
		fs.BoolVar(&stateless, "stateless", false, "with --http: no MCP sessions, every request on its own (speaks protocol 2026-07-28 as well as 2025-11-25)")
		fs.DurationVar(&listTTL, "list-ttl", 0, "the ttlMs put on lists and reads for 2026-07-28 clients (0: not to be kept)")
		fs.DurationVar(&listenFor, "listen-for", 0, "end every subscriptions/listen stream this long after it opened (0: keep them open)")
	}); err != nil {
		return err
	}
	if stateless && addr == "" {
		return badUsage("--stateless needs --http (a stdio server speaks both protocol versions already)")
	}
	if listTTL < 0 || listenFor < 0 {
		return badUsage("--list-ttl and --listen-for take a duration of zero or more (e.g. 500ms)")
	}
	opts := demoserver.Options{Greeting: os.Getenv("DEMO_GREETING"), Stderr: e.stderr, Stateless: stateless,
		ListTTL: listTTL, ListenFor: listenFor}
	if addr == "" {
		return demoserver.ServeStdio(ctx, opts)
	}
	return demoserver.ServeHTTP(ctx, addr, opts, func(url string) { fmt.Fprintln(e.stdout, url) })
}
