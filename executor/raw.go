package executor

import (
	"context"
	"encoding/json"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/actors"
)

// RawToolResult receives a tool call's result as the server sent it, for a program that
// passes results on rather than reads them — a proxy, such as SPINE's gateway. See
// WithRawToolResult.
type RawToolResult struct {
	// JSON is the result object as the server sent it; nil when the result was decoded.
	JSON json.RawMessage
	// Result is what CallTool returned for it: only IsError is set. A caller that gets this
	// very result back passes JSON on in its place.
	Result *mcp.CallToolResult
}

type rawKey struct{}

// WithRawToolResult returns a context under which a CallTool may leave the result's JSON,
// as the server sent it, in dst, and return dst.Result (IsError only) instead of the decoded
// result. It does so for stdio servers speaking a 2025 protocol, when the result is one
// go-sdk would take as it is and the call asked for no progress; any other call decodes as
// usual and leaves dst alone. What nothing decodes costs nothing: go-sdk's client decodes a
// result twice, each time with a decoder that allocates 32 KiB.
func WithRawToolResult(ctx context.Context, dst *RawToolResult) context.Context {
	return context.WithValue(ctx, rawKey{}, dst)
}

// wantRaw marks req to ask for its result as sent when ctx carries a RawToolResult.
func wantRaw(ctx context.Context, req *actors.Request) {
	if _, ok := ctx.Value(rawKey{}).(*RawToolResult); ok {
		req.Raw = true
	}
}

// takeRaw turns a result kept as sent into what CallTool returns: it goes to ctx's
// RawToolResult, and the caller gets its stand-in. Without one (a caller's context lost its
// value), the result is decoded, as go-sdk would have.
func takeRaw(ctx context.Context, resp *actors.Response) error {
	r, ok := resp.Result.(*actors.RawToolResult)
	if !ok {
		return nil
	}
	if dst, _ := ctx.Value(rawKey{}).(*RawToolResult); dst != nil {
		dst.JSON, dst.Result = r.JSON, &mcp.CallToolResult{IsError: r.IsError}
		resp.Result = dst.Result
		return nil
	}
	var res mcp.CallToolResult
	if err := json.Unmarshal(r.JSON, &res); err != nil {
		return err
	}
	resp.Result = &res
	return nil
}
