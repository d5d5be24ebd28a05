package main

import (
	"context"
	"os"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/describe"
	"github.com/spine-mcp/spine/executor"
)

// runDescribeBuilder serves the shipped self-description builder over stdio, until stdin
// closes or the process is told to stop.
func runDescribeBuilder(ctx context.Context, e *env, args []string) error {
	pos, err := e.flags(args, nil)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return badUsage("describe-builder takes no arguments")
	}
	err = describe.NewBuilderServer().Run(ctx, &mcp.StdioTransport{})
	if ctx.Err() != nil {
		return nil // interrupted: the exit code says so
	}
	return err
}

// implicitBuilder adds the shipped builder to p as its [describe] builder server when p has
// no server of that name, so that delegated mode works with nothing configured. It returns
// the name it added, or "" when p names its own builder server (enabled or not).
func implicitBuilder(p *capability.Project) string {
	name := p.Describe.BuilderServer
	if name == "" {
		name = executor.DefaultBuilderServer
	}
	if _, ok := p.Server(name); ok {
		return ""
	}
	self, err := os.Executable()
	if err != nil {
		return "" // delegated mode falls back to standalone, saying the builder is unknown
	}
	policy := p.Defaults
	if policy.MaxSessions == 0 {
		policy = capability.DefaultPolicy()
	}
	p.Servers = append(p.Servers, capability.ServerSpec{
		Name:      name,
		Transport: capability.TransportStdio,
		Command:   self,
		Args:      []string{"describe-builder"},
		Enabled:   true,
		Policy:    policy,
		Source:    "implicit [describe] builder",
	})
	return name
}
