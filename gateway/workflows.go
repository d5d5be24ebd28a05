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
		wf, err := workflows.Parse(f.File, f.Data)
		if err != nil {
			return err
		}
		if err := wf.Validate(c.g.ex.Servers()); err != nil {
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
			return toolError(err), nil
		}
		inputs := map[string]any{}
		if len(req.Params.Arguments) > 0 && string(req.Params.Arguments) != "null" {
			if err := json.Unmarshal(req.Params.Arguments, &inputs); err != nil {
				return toolError(fmt.Errorf("arguments of %s must be a JSON object: %w", req.Params.Name, err)), nil
			}
		}
		if err := workflows.SetInputs(wf, inputs); err != nil {
			return toolError(err), nil
		}
		ctx = g.scope(ctx, req.Session, req.Extra)
		var opts []executor.RunOption
		if token := req.Params.GetProgressToken(); token != nil && req.Session != nil {
			relay := make(chan executor.StepEvent, len(wf.Steps)+1)
			relayed := make(chan struct{})
			go func() { // owned by this call: it ends when the run has reported and relay closes
				defer close(relayed)
				done, total := 0, float64(len(wf.Steps))
				for ev := range relay {
					done++
					_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
						ProgressToken: token, Progress: float64(done), Total: total,
						Message: fmt.Sprintf("step %s: %s", ev.Step, ev.Status),
					})
				}
			}()
			defer func() { close(relay); <-relayed }()
			// The run's actor must not block: a step finishes once, so relay has room for all.
			opts = append(opts, executor.WithProgress(func(ev executor.StepEvent) {
				if ev.Status.Finished() {
					select {
					case relay <- ev:
					default:
					}
				}
			}))
		}
		rep, err := g.ex.RunWorkflow(ctx, wf, opts...)
		if err != nil {
			return toolError(err), nil
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
