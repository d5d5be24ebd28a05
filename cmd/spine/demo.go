package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/spine-mcp/spine/internal/demoserver"
)

func runDemoServer(ctx context.Context, e *env, args []string) error {
	var addr string
	if _, err := e.flags(args, func(fs *flag.FlagSet) {
		fs.StringVar(&addr, "http", "", "serve streamable HTTP on this loopback address (e.g. 127.0.0.1:0) instead of stdio")
	}); err != nil {
		return err
	}
	opts := demoserver.Options{Greeting: os.Getenv("DEMO_GREETING"), Stderr: e.stderr}
	if addr == "" {
		return demoserver.ServeStdio(ctx, opts)
	}
	return demoserver.ServeHTTP(ctx, addr, opts, func(url string) { fmt.Fprintln(e.stdout, url) })
}
