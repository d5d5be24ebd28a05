package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/workflows"
)

// WorkflowPrefix starts the name of every workflow tool: workflow__<name>.
const WorkflowPrefix = "workflow" + Separator

// WorkflowFile is a workflow file served as a tool: its name (for messages) and content.
type WorkflowFile struct {
	File string
	Data []byte
}

// workflowServer is the Target.Server of workflow tools.
const workflowServer = "workflow"

// addWorkflows advertises each workflow as a tool. A workflow that does not parse or names a
// server the project does not have is refused: the operator asked for it by name.
func (c *catalogue) addWorkflows(files []WorkflowFile) error {
	for _, f := range files {
		wf, err := CheckWorkflow(f, c.g.ex.Servers())
		if err != nil {
			return err
		}
		name := WorkflowPrefix + wf.Name
		if t, taken := c.tools.lookup(name); taken {
			return fmt.Errorf("%s: workflow %q: the name %s is taken by %s", f.File, wf.Name, name, t.Name)
		}
		c.tools.reserve(name, Target{Server: workflowServer, Name: wf.Name})
		c.workflows = append(c.workflows, name)
		tool := &mcp.Tool{
			Name:         name,
			Description:  workflowDescription(wf),
			InputSchema:  wf.InputSchema(),
			OutputSchema: outputSchema(wf),
		}
		c.g.server.AddTool(tool, c.g.workflowHandler(f))
	}
	return nil
}

// CheckWorkflow parses f and validates it against servers as a tool would run it: its
// required inputs come with each call, so they are not asked for here.
func CheckWorkflow(f WorkflowFile, servers []string) (*workflows.Workflow, error) {
	wf, err := workflows.Parse(f.File, f.Data)
	if err != nil {
		return nil, err
	}
	placeholders := map[string]any{}
	for _, in := range wf.Inputs {
		if in.Required {
			placeholders[in.Name] = placeholder(in.Type)
		}
	}
	if err := workflows.SetInputs(wf, placeholders); err != nil {
		return nil, err
	}
	if err := wf.Validate(servers); err != nil {
		return nil, err
	}
	return wf, nil
}

// placeholder is a value of an input type, as a JSON argument would carry it.
func placeholder(typ workflows.InputType) any {
	switch typ {
	case workflows.InputInteger, workflows.InputNumber:
		return float64(0)
	case workflows.InputBoolean:
		return false
	case workflows.InputArray:
		return []any{}
	case workflows.InputObject:
		return map[string]any{}
	}
	return ""
}

// workflowTools returns the names of the workflow tools, in the order given.
func (c *catalogue) workflowTools() []string { return slices.Clone(c.workflows) }

func workflowDescription(wf *workflows.Workflow) string {
	if wf.Description != "" {
		return wf.Description
	}
	ids := make([]string, len(wf.Steps))
	for i, s := range wf.Steps {
		ids[i] = s.ID
	}
	return fmt.Sprintf("Runs the SPINE workflow %q (steps: %s).", wf.Name, strings.Join(ids, ", "))
}

// outputSchema is the schema of a workflow tool's structured result: one property per
// [outputs] entry; nil when the workflow declares none.
func outputSchema(wf *workflows.Workflow) map[string]any {
	if len(wf.Outputs) == 0 {
		return nil
	}
	props := map[string]any{}
	for _, o := range wf.Outputs {
		props[o.Name] = map[string]any{}
	}
	return map[string]any{"type": "object", "properties": props}
}

// workflowHandler runs the workflow of f with the call's arguments as its inputs, reporting
// a progress notification per finished step and its [outputs] as the structured result.
// The file is parsed anew for every call: inputs are set on the parsed workflow.
func (g *Gateway) workflowHandler(f WorkflowFile) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		wf, err := workflows.Parse(f.File, f.Data)
		if err != nil {
			return toolError(ctx, err), nil
		}
		inputs := map[string]any{}
		if len(req.Params.Arguments) > 0 && string(req.Params.Arguments) != "null" {
			if err := json.Unmarshal(req.Params.Arguments, &inputs); err != nil {
				return toolError(ctx, fmt.Errorf("arguments of %s must be a JSON object: %w", req.Params.Name, err)), nil
			}
		}
		if err := workflows.SetInputs(wf, inputs); err != nil {
			return toolError(ctx, err), nil
		}
		ctx = g.scope(ctx, req.Session, req.Extra)
		var (
			opts     []executor.RunOption
			progress *stepProgress
		)
		if token := req.Params.GetProgressToken(); token != nil && req.Session != nil {
			progress = startStepProgress(ctx, req.Session, token, len(wf.Steps))
			opts = append(opts, executor.WithProgress(progress.observe))
		}
		rep, err := g.ex.RunWorkflow(ctx, wf, opts...)
		if progress != nil {
			progress.finish(ctx, rep)
		}
		if err != nil {
			return toolError(ctx, err), nil
		}
		text, _ := json.Marshal(rep.Outputs)
		res := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(text)}}}
		if len(wf.Outputs) > 0 {
			res.StructuredContent = rep.Outputs
		}
		if !rep.OK {
			res.IsError = true
			res.Content = []mcp.Content{&mcp.TextContent{Text: fmt.Sprintf("workflow %q failed: %s", wf.Name, rep.Error)}}
			res.StructuredContent = nil
		}
		return res, nil
	}
}
