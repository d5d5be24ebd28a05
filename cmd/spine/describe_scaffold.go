package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/describe"
	"github.com/spine-mcp/spine/executor"
)

// scaffoldOutput is what `spine describe --scaffold DIR --output json` prints.
type scaffoldOutput struct {
	Server         string   `json:"server"`
	Module         string   `json:"module"`
	Dir            string   `json:"dir"`
	Generator      string   `json:"generator"`
	FallbackReason string   `json:"fallback_reason,omitempty"`
	Files          []string `json:"files"`
}

// scaffoldDescription writes the Go module of `spine describe --scaffold DIR` for the one
// server described: from the builder in delegated mode (its files checked, falling back to
// standalone), else composed here.
func scaffoldDescription(ctx context.Context, e *env, ex *executor.Executor, p *capability.Project, f describeFlags, server string, results map[string]describe.Result, errs map[string]string) error {
	if msg, failed := errs[server]; failed {
		fmt.Fprintf(e.stderr, "%s: %s\n", server, msg)
		return errReported
	}
	spec, _ := p.Server(server)
	opts := describe.ScaffoldOptions{Upstream: upstreamOf(*spec)}
	var (
		s   describe.Scaffold
		err error
	)
	if f.mode == describe.ModeDelegated {
		builder := cmp.Or(p.Describe.BuilderServer, executor.DefaultBuilderServer)
		tool := cmp.Or(p.Describe.BuilderTool, describe.BuilderTool)
		s, err = describe.DelegateScaffold(ctx, executorCaller{ex}, builder, tool, results[server], opts)
	} else {
		s, err = describe.NewScaffold(results[server], opts)
	}
	if err != nil {
		return fmt.Errorf("server %q: %w", server, err)
	}
	if s.FallbackReason != "" {
		fmt.Fprintf(e.stderr, "%s: the builder's scaffold was not used: %s\n", server, s.FallbackReason)
	}
	wrote, err := describe.WriteScaffold(f.scaffold, s, f.force)
	if errors.Is(err, describe.ErrScaffoldExists) {
		return badInput(err)
	}
	if err != nil {
		return fmt.Errorf("server %q: scaffold: %w", server, err)
	}
	for _, path := range wrote {
		fmt.Fprintf(e.stderr, "wrote %s\n", path)
	}
	if f.output != "json" {
		return nil
	}
	out := scaffoldOutput{Server: s.Server, Module: s.Module, Dir: f.scaffold, Generator: s.Generator, FallbackReason: s.FallbackReason}
	for _, file := range s.Files {
		out.Files = append(out.Files, file.Path)
	}
	return writeJSON(e.stdout, out)
}

// scaffoldTarget is the one server --scaffold writes a module for.
func scaffoldTarget(servers []string) (string, error) {
	if len(servers) != 1 {
		return "", badUsage("--scaffold writes one server's module: name it with --server (%d servers: %s)", len(servers), strings.Join(servers, ", "))
	}
	return servers[0], nil
}

// upstreamOf says where a scaffold reaches spec's server, as the config says it. The spine
// binary that resolved `command = "spine"` is "spine" again, for a module that runs
// elsewhere; environment values stay out (they may be secrets), only their names go in.
func upstreamOf(spec capability.ServerSpec) describe.Upstream {
	if spec.Transport != capability.TransportStdio {
		up := describe.Upstream{URL: spec.URL}
		if spec.Transport == capability.TransportSSE {
			up.Transport = "sse"
		}
		for name := range spec.Headers {
			up.Headers = append(up.Headers, name)
		}
		slices.Sort(up.Headers)
		return up
	}
	up := describe.Upstream{Command: spec.Command, Args: spec.Args, Dir: spec.Cwd}
	if self, err := os.Executable(); err == nil && spec.Command == self {
		up.Command = "spine"
	}
	for name := range spec.Env {
		up.Env = append(up.Env, name)
	}
	up.Env = append(up.Env, spec.EnvVars...)
	slices.Sort(up.Env)
	return up
}

// executorCaller is the executor as the describe package's ToolCaller.
type executorCaller struct{ ex *executor.Executor }

func (c executorCaller) CallTool(ctx context.Context, server, tool string, args map[string]any) (*mcp.CallToolResult, error) {
	return c.ex.CallTool(ctx, server, tool, args)
}
