package executor

import (
	"context"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/actors"
)

// Call is one tool call of a Batch.
type Call struct {
	Tool string
	Args any
}

// CallResult is the outcome of one call of a Batch: a result, or the error of that call.
type CallResult struct {
	Result *mcp.CallToolResult
	Err    error
}

// Batch runs calls in order on one session of server, pinned for the whole batch (for
// servers that keep state between calls). Every call runs and has its own outcome: a failed
// call does not hide the others. The error is non-nil only when no session could be had.
func (e *Executor) Batch(ctx context.Context, server string, calls []Call) ([]CallResult, error) {
	if e.closed.Load() {
		return nil, refusal(server, 0, "", actors.ReasonClosed, errExecutorClosed)
	}
	probe := &actors.Request{}
	e.scope(ctx, server, probe)
	session, err := e.rt.Pin(ctx, server, probe.Identity, probe.Affinity)
	if err != nil {
		return nil, err
	}
	defer e.rt.Unpin(server, session)
	out := make([]CallResult, len(calls))
	for i, c := range calls {
		raw, err := marshalArgs(server, c.Tool, c.Args)
		if err != nil {
			out[i].Err = err
			continue
		}
		req := &actors.Request{Op: actors.OpCallTool, Name: c.Tool, Args: raw, Session: session}
		out[i].Result, out[i].Err = do[*mcp.CallToolResult](ctx, e, server, req)
	}
	return out, nil
}
