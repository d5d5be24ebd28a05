package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/trace"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/cluster"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/gateway"
	"github.com/spine-mcp/spine/internal/heapfloor"
	"github.com/spine-mcp/spine/workflows"
)

// defaultServeWorkflows is the glob of workflow files served when neither --workflows nor
// [serve] workflows names any; files there that do not load are skipped with a warning.
const defaultServeWorkflows = "workflows/*.toml"

// serveFlags are spine serve's flags; [serve] in spine.toml gives their defaults.
type serveFlags struct {
	http       string
	stdio      bool
	workflows  listFlag
	printNames bool
	output     string
	cluster    clusterFlags
}

// runServe is `spine serve`: every enabled server as one MCP server, over stdio and/or
// streamable HTTP, until a signal or the stdio peer ends it.
func runServe(ctx context.Context, e *env, args []string) error {
	var f serveFlags
	pos, err := e.flags(args, func(fs *flag.FlagSet) {
		fs.StringVar(&f.http, "http", "", "serve streamable HTTP at http://ADDR/mcp (e.g. 127.0.0.1:7700); a non-loopback ADDR needs [serve.auth]")
		fs.BoolVar(&f.stdio, "stdio", false, "serve one MCP session on stdin/stdout (for a host that launches spine)")
		fs.Var(&f.workflows, "workflows", "serve the workflow files matching GLOB as tools workflow__<name> (repeatable; default "+defaultServeWorkflows+")")
		fs.BoolVar(&f.printNames, "print-names", false, "print the advertised names and where each leads, then exit")
		fs.StringVar(&f.cluster.address, "cluster-address", "", "join a cluster of spine serve nodes: this node's HOST:PORT for its peers (or [cluster] address)")
		fs.StringVar(&f.cluster.peers, "cluster-peers", "", "the cluster's nodes, HOST:PORT,... (or [cluster] peers); the key that signs session ids is read from $SPINE_CLUSTER_KEY ([cluster] key_env)")
		outputFlag(fs, &f.output, "text", "json")
	})
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return badUsage("unexpected argument %q", pos[0])
	}
	if err := checkOutput(f.output, "text", "json"); err != nil {
		return err
	}
	p, err := e.project()
	if err != nil {
		return err
	}
	cfg := p.Serve
	if f.http == "" {
		f.http = cfg.HTTP
	}
	f.stdio = f.stdio || cfg.Stdio
	if !f.printNames && f.http == "" && !f.stdio {
		return badUsage("say where to serve: --http ADDR, --stdio, or both (or [serve] http / stdio)")
	}
	if len(p.Enabled()) == 0 {
		return noServers(p)
	}
	httpOpts, err := serveHTTPOptions(f.http, cfg)
	if err != nil {
		return err
	}
	files, err := serveWorkflows(e, p, f.workflows, cfg.Workflows)
	if err != nil {
		return err
	}
	tp, err := e.tracing()
	if err != nil {
		return err
	}
	var tracer trace.TracerProvider
	if tp != nil {
		tracer = tp
	}
	var node *cluster.Node
	if !f.printNames {
		if node, err = startCluster(e, f.cluster, p.Cluster, httpOpts.MaxBodyBytes); err != nil {
			return err
		}
	}
	gopts := gateway.Options{
		TracerProvider: tracer,
		Names:          gateway.NameMode(cfg.Names),
		Workflows:      files,
		Describe:       true,
		Log:            e.log,
		Version:        executor.Version(),
		InputTimeout:   cfg.InputTimeout,
	}
	if node != nil {
		defer node.Close() // after the gateway has closed: peers' requests are served until then
		gopts.NewSessionID = node.NewSessionID
	}
	gw, err := gateway.New(ctx, p, gopts)
	if err != nil {
		return badInput(err)
	}
	if e.interrupts != nil {
		e.interrupts.own(gw.Executor()) // a second Ctrl-C kills the shared pools at once
	}
	defer closeGateway(e, gw)
	if f.printNames {
		return printNames(e, f.output, gw.Names())
	}
	defer heapfloor.Start(cfg.HeapFloor())()
	return serveUntilDone(ctx, e, gw, node, f, httpOpts)
}

// serveHTTPOptions checks the HTTP settings: a bind that is not loopback needs auth
// (exit 2, saying what to set); tokens_env must name a variable that holds tokens.
func serveHTTPOptions(addr string, cfg capability.ServeConfig) (gateway.HTTPOptions, error) {
	opts := gateway.HTTPOptions{
		MaxBodyBytes:    int64(cfg.MaxBodyBytes),
		SessionTimeout:  cfg.SessionTimeout,
		MaxSessions:     cfg.MaxSessions,
		AllowedOrigins:  cfg.AllowedOrigins,
		StreamResponses: cfg.StreamResponses,
	}
	if env := cfg.Auth.TokensEnv; env != "" {
		a, err := gateway.ParseTokens(os.Getenv(env))
		if err != nil {
			return opts, badInput(fmt.Errorf("[serve.auth] tokens_env = %q: the variable %s: %w", env, env, err))
		}
		opts.Auth = a
	}
	if cfg.Auth.Issuer != "" {
		a, err := gateway.NewOAuth(gateway.OAuthConfig{
			Issuer: cfg.Auth.Issuer, JWKSURL: cfg.Auth.JWKSURL, Audience: cfg.Auth.Audience, Resource: cfg.Auth.Resource,
		})
		if err != nil {
			return opts, badInput(fmt.Errorf("[serve.auth]: %w", err))
		}
		opts.Auth = a.WithTokens(opts.Auth)
	}
	if addr == "" {
		return opts, nil
	}
	if err := gateway.CheckBind(addr, opts); err != nil {
		return opts, badInput(fmt.Errorf("--http %w", err))
	}
	return opts, nil
}

// serveWorkflows reads the workflow files to serve. Files named by --workflows or [serve]
// workflows must load (exit 2 otherwise); those of the default glob are skipped with a
// warning when they do not.
func serveWorkflows(e *env, p *capability.Project, flagGlobs, cfgGlobs []string) ([]gateway.WorkflowFile, error) {
	globs, explicit := flagGlobs, true
	if len(globs) == 0 {
		globs = cfgGlobs
	}
	if len(globs) == 0 {
		globs, explicit = []string{defaultServeWorkflows}, false
	}
	var files []gateway.WorkflowFile
	seen := map[string]bool{}
	for _, g := range globs {
		if !filepath.IsAbs(g) && len(flagGlobs) == 0 {
			g = filepath.Join(p.Dir, g) // [serve] globs are relative to the project
		}
		matches, err := filepath.Glob(g)
		if err != nil {
			return nil, badUsage("--workflows %q: %v", g, err)
		}
		if explicit && len(matches) == 0 {
			return nil, badInput(fmt.Errorf("--workflows %q: no file matches", g))
		}
		for _, m := range matches {
			if seen[m] {
				continue
			}
			seen[m] = true
			data, err := workflows.ReadFile(m)
			if err == nil {
				_, err = gateway.CheckWorkflow(gateway.WorkflowFile{File: m, Data: data}, p.Names())
			}
			if err != nil {
				if explicit {
					return nil, badInput(err)
				}
				e.log.Warn().Str("file", m).Err(err).Msg("workflow not served")
				continue
			}
			files = append(files, gateway.WorkflowFile{File: m, Data: data})
		}
	}
	return files, nil
}

// printNames prints the mapping: one line per name (text) or the Mapping (json).
func printNames(e *env, output string, m gateway.Mapping) error {
	if output == "json" {
		return writeJSON(e.stdout, m)
	}
	for _, group := range []struct {
		kind    string
		entries []gateway.Entry
	}{{"tool", m.Tools}, {"prompt", m.Prompts}, {"resource", m.Resources}} {
		for _, en := range group.entries {
			fmt.Fprintf(e.stdout, "%-8s %s -> %s %s\n", group.kind, en.Name, en.Server, en.Upstream)
		}
	}
	for _, c := range m.Collisions {
		fmt.Fprintf(e.stdout, "collision %s %q of %s: %s keeps %q; exposed as %q\n", c.Kind, c.Name, c.Server, c.Holder, c.Wanted, c.Got)
	}
	for _, server := range slices.Sorted(maps.Keys(m.Failed)) {
		fmt.Fprintf(e.stdout, "failed   %s: %s\n", server, m.Failed[server])
	}
	return nil
}

// serveUntilDone serves until ctx ends (a signal) or, with --stdio, until the host closes
// stdin; then the listener stops and the gateway closes.
func serveUntilDone(ctx context.Context, e *env, gw *gateway.Gateway, node *cluster.Node, f serveFlags, httpOpts gateway.HTTPOptions) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	errs := make(chan error, 2)
	running := 0
	var srv *http.Server
	if f.http != "" {
		ln, err := net.Listen("tcp", f.http)
		if err != nil {
			return badInput(fmt.Errorf("--http %s: %w", f.http, err))
		}
		if node != nil {
			httpOpts.Metrics = append(httpOpts.Metrics, node)
		}
		h := gw.Handler(httpOpts)
		if node != nil { // verify session ids first; forward other nodes' sessions to them
			node.SetHandler(h, gw.SessionFree)
			h = node.Route("/mcp", h)
		}
		srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		url := "http://" + ln.Addr().String() + "/mcp"
		if f.stdio { // stdout carries the stdio session's frames
			fmt.Fprintln(e.stderr, url)
		} else {
			fmt.Fprintln(e.stdout, url)
		}
		running++
		go func() { errs <- srv.Serve(ln) }()
	}
	if f.stdio {
		running++
		go func() {
			err := gw.ServeStdio(ctx, &mcp.StdioTransport{})
			if err == nil {
				err = errStdioEnded
			}
			errs <- err
		}()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errs:
		running--
	}
	stop()
	// Drain: the listener stops accepting, requests in flight get closeTimeout to finish, then
	// the rest are cancelled and every downstream session ends (and its streams with it).
	dctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	if e.interrupts != nil && e.interrupts.hurried() {
		dctx = expired()
	}
	shut := make(chan struct{})
	go func() {
		defer close(shut)
		if srv != nil {
			_ = srv.Shutdown(dctx)
		}
	}()
	if node != nil { // forwarded streams end, forwarded calls finish
		node.Drain(dctx)
	}
	gw.Drain(dctx)
	<-shut
	for ; running > 0; running-- {
		if e2 := <-errs; err == nil {
			err = e2
		}
	}
	if errors.Is(err, errStdioEnded) || errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// errStdioEnded: the host closed the stdio session, which ends spine serve --stdio.
var errStdioEnded = errors.New("stdio session ended")

// closeGateway closes the gateway: in-flight calls get closeTimeout, unless a second Ctrl-C
// asked for an immediate teardown.
func closeGateway(e *env, gw *gateway.Gateway) {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	if e.interrupts != nil && e.interrupts.hurried() {
		ctx = expired()
	}
	if err := gw.Close(ctx); err != nil {
		e.log.Warn().Err(err).Msg("closing the gateway")
	}
}
