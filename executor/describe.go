package executor

import (
	"cmp"
	"context"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/describe"
	"github.com/spine-mcp/spine/workflows"
)

// DefaultBuilderServer is the server delegated self-description calls when neither
// DescribeOptions nor the project's [describe] builder_server name one.
const DefaultBuilderServer = "spine-describe"

// DescribeOptions says how to write a server's self-description. The zero value writes it
// in standalone mode with the default budgets and the project's workflow files.
type DescribeOptions struct {
	// Mode is describe.ModeStandalone (the default, when empty) or describe.ModeDelegated:
	// ask the builder tool, falling back to standalone (Metadata.FallbackReason says why)
	// when the builder is missing, fails or answers something invalid.
	Mode string
	// BuilderServer and BuilderTool name the builder of delegated mode. Default: the
	// project's [describe] builder_server and builder_tool, else DefaultBuilderServer and
	// describe.BuilderTool. The builder server must be one of the executor's servers.
	BuilderServer string
	BuilderTool   string
	// Budgets caps the size of each layer; zero fields take describe.DefaultBudgets.
	Budgets describe.Budgets
	// Workflows are the project workflows; those with a step on the described server
	// become L2 prompts. Nil means the workflow files of the project directory (see
	// LoadWorkflowFiles); an empty, non-nil slice means none.
	Workflows []*workflows.Workflow
}

// Describe scans server through its pool (server info, tools, resources, resource
// templates, prompts) and writes its 4-layer self-description. A list the server does not
// offer counts as empty; a scan that fails (the server can't be reached, its tools list
// fails) is an error that names the server. In delegated mode a failing builder is not an
// error: the Result is the standalone one, with Metadata.FallbackReason saying why.
func (e *Executor) Describe(ctx context.Context, server string, opts DescribeOptions) (describe.Result, error) {
	if err := e.checkDescribe(opts); err != nil {
		return describe.Result{}, err
	}
	if e.closed.Load() {
		return describe.Result{}, fmt.Errorf("server %q: %w", server, ErrClosed)
	}
	snap, err := actors.ScanServer(ctx, e.rt, server, func(r *actors.Request) { e.scope(ctx, server, r) })
	if err != nil {
		return describe.Result{}, err
	}
	return e.describeSnapshot(ctx, snap, opts)
}

// checkDescribe reports options that can't be used.
func (e *Executor) checkDescribe(opts DescribeOptions) error {
	switch opts.Mode {
	case "", describe.ModeStandalone, describe.ModeDelegated:
		return nil
	}
	return fmt.Errorf("describe: mode %q: want %q or %q", opts.Mode, describe.ModeStandalone, describe.ModeDelegated)
}

// describeSnapshot writes the description of what a scan found, with the project
// workflows that use the server, in the mode opts ask for.
func (e *Executor) describeSnapshot(ctx context.Context, snap *capability.Snapshot, opts DescribeOptions) (describe.Result, error) {
	cfg := describe.FromCapability(snap)
	cfg.Budgets = opts.Budgets
	flows := opts.Workflows
	if flows == nil {
		flows = e.workflowFiles()
	}
	cfg.Workflows = WorkflowsUsing(snap.Server, flows)
	if opts.Mode != describe.ModeDelegated {
		var g describe.Generator
		return g.Generate(cfg)
	}
	server, tool := e.builder(opts)
	return describe.Delegate(ctx, toolCaller{e}, server, tool, cfg)
}

// builder names the builder server and tool of delegated mode.
func (e *Executor) builder(opts DescribeOptions) (server, tool string) {
	var project capability.DescribeConfig
	if e.project != nil {
		project = e.project.Describe
	}
	return cmp.Or(opts.BuilderServer, project.BuilderServer, DefaultBuilderServer),
		cmp.Or(opts.BuilderTool, project.BuilderTool, describe.BuilderTool)
}

// workflowFiles loads the project's workflow files; the ones that don't parse are logged at
// debug and left out.
func (e *Executor) workflowFiles() []*workflows.Workflow {
	if e.project == nil || e.project.Dir == "" {
		return nil
	}
	found, skipped := LoadWorkflowFiles(e.project.Dir)
	for file, err := range skipped {
		e.opts.log.Debug().Str("file", file).Err(err).Msg("describe: not a workflow file, left out")
	}
	return found
}

// toolCaller lets describe.Delegate call the builder through the executor's pool.
type toolCaller struct{ e *Executor }

// CallTool implements describe.ToolCaller.
func (c toolCaller) CallTool(ctx context.Context, server, tool string, args map[string]any) (*mcp.CallToolResult, error) {
	return c.e.CallTool(ctx, server, tool, args)
}

var _ describe.ToolCaller = toolCaller{}
