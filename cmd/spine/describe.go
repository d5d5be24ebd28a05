package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"sync"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/describe"
	"github.com/spine-mcp/spine/executor"
)

// describeFiles are the files describe.WriteDir writes for each server, in its order.
var describeFiles = []string{
	"instructions.md", "schema.json", "schema.md", "prompts.json", "README.md", "SKILL.md", "MCP_INFO.md",
}

// describeFlags are the flags of `spine describe`.
type describeFlags struct {
	server   string
	mode     string
	output   string
	out      string
	compose  bool
	scaffold string
	force    bool
}

// describeOutput is what `spine describe --output json` prints: one Result per server that
// was described and one message per server that could not be, both keyed by server name.
// The shape is the same with or without --server.
type describeOutput struct {
	Servers map[string]describe.Result `json:"servers"`
	Errors  map[string]string          `json:"errors"`
}

// runDescribe scans servers and prints or writes their 4-layer self-description. Project
// workflow files (*.toml in the project's examples/ and workflows/ directories) that use a
// server become L2 prompts of its description.
func runDescribe(ctx context.Context, e *env, args []string) error {
	var f describeFlags
	var fs *flag.FlagSet
	pos, err := e.flags(args, func(set *flag.FlagSet) {
		fs = set
		set.StringVar(&f.server, "server", "", "describe only this server (SERVER arguments name more)")
		set.StringVar(&f.mode, "mode", describe.ModeStandalone, "standalone | delegated (ask the [describe] builder)")
		outputFlag(set, &f.output, "markdown", "json")
		set.StringVar(&f.out, "out", "", "write DIR/<server>/ with instructions.md, schema.json, schema.md, prompts.json, README.md, SKILL.md, MCP_INFO.md; stdout stays quiet unless --output is given")
		set.BoolVar(&f.compose, "compose", false, "print one instructions text (L0) for all the servers described: which server to use for what")
		set.StringVar(&f.scaffold, "scaffold", "", "write a Go module to DIR that serves the server's four layers and forwards its tool calls to it (one server)")
		set.BoolVar(&f.force, "force", false, "with --scaffold: regenerate over a DIR that holds an earlier scaffold")
	})
	if err != nil {
		return err
	}
	if err := checkOutput(f.output, "markdown", "json"); err != nil {
		return err
	}
	if f.mode != describe.ModeStandalone && f.mode != describe.ModeDelegated {
		return badUsage("--mode %q: want standalone or delegated", f.mode)
	}
	if err := f.check(); err != nil {
		return err
	}
	// With --out, stdout stays quiet unless --output asks for a document too.
	toStdout := f.out == ""
	fs.Visit(func(fl *flag.Flag) { toStdout = toStdout || fl.Name == "output" })

	p, err := e.project()
	if err != nil {
		return err
	}
	servers, err := describeTargets(p, f.server, pos)
	if err != nil {
		return err
	}
	if f.scaffold != "" {
		if _, err := scaffoldTarget(servers); err != nil {
			return err
		}
	}
	if f.mode == describe.ModeDelegated {
		implicitBuilder(p)
	}
	ex, err := e.executorFor(p)
	if err != nil {
		return err
	}
	results, errs := describeAll(ctx, ex, servers, executor.DescribeOptions{Mode: f.mode})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if f.scaffold != "" {
		return scaffoldDescription(ctx, e, ex, p, f, servers[0], results, errs)
	}
	if f.out != "" {
		writeDescriptions(e, f.out, servers, results, errs)
	}
	if f.compose {
		if err := printComposition(e, f.output, servers, results); err != nil {
			return err
		}
	} else if toStdout {
		if err := printDescriptions(e, f.output, servers, results, errs); err != nil {
			return err
		}
	}
	for _, name := range servers {
		if msg, failed := errs[name]; failed {
			fmt.Fprintf(e.stderr, "%s: %s\n", name, msg)
		}
	}
	if len(errs) > 0 {
		return errReported
	}
	return nil
}

// describeTargets returns the servers to describe, in config order when none are named:
// every enabled server (the implicit builder is added later, so it is never among them).
func describeTargets(p *capability.Project, flagServer string, pos []string) ([]string, error) {
	var named []string
	for _, name := range append(slices.Clone(pos), flagServer) {
		if name != "" && !slices.Contains(named, name) {
			named = append(named, name)
		}
	}
	if len(named) == 0 {
		named = enabledServers(p)
		if len(named) == 0 {
			return nil, noServers(p)
		}
		return named, nil
	}
	for _, name := range named {
		if err := checkServer(p, name); err != nil {
			return nil, err
		}
	}
	return named, nil
}

// describeAll describes the servers in parallel. A server that fails is in errs, keyed by
// name, and the others are still described.
func describeAll(ctx context.Context, ex *executor.Executor, servers []string, opts executor.DescribeOptions) (map[string]describe.Result, map[string]string) {
	results := map[string]describe.Result{}
	errs := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := ex.Describe(ctx, name, opts)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[name] = err.Error()
				return
			}
			results[name] = r
		}()
	}
	wg.Wait()
	return results, errs
}

// writeDescriptions writes DIR/<server>/ for each described server and says on stderr what
// it wrote; a server whose files can't be written joins errs.
func writeDescriptions(e *env, dir string, servers []string, results map[string]describe.Result, errs map[string]string) {
	for _, name := range servers {
		r, ok := results[name]
		if !ok {
			continue
		}
		if err := describe.WriteDir(dir, r); err != nil {
			errs[name] = err.Error()
			delete(results, name)
			continue
		}
		for _, file := range describeFiles {
			fmt.Fprintf(e.stderr, "wrote %s\n", filepath.Join(dir, name, file))
		}
	}
}

// printDescriptions prints the described servers on stdout: one JSON document, or the
// markdown of each server in order.
func printDescriptions(e *env, output string, servers []string, results map[string]describe.Result, errs map[string]string) error {
	if output == "json" {
		return writeJSON(e.stdout, describeOutput{Servers: results, Errors: errs})
	}
	names := make([]string, 0, len(results))
	for _, name := range servers {
		if _, ok := results[name]; ok {
			names = append(names, name)
		}
	}
	for i, name := range names {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprint(e.stdout, describe.Markdown(results[name]))
	}
	return nil
}
