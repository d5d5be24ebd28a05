package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/executor"
)

// toolHandler serves a downstream call of an upstream tool.
func (g *Gateway) toolHandler(target Target) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		ask := askingOf(req, "tool "+req.Params.Name, req.Params.RequestState, req.Params.InputResponses)
		if ask.state != "" { // the next round of a parked call (rounds.go)
			res, err := callAsking(g, ctx, ask, nil, needToolInput)
			return upstreamResult(ctx, res, err)
		}
		args := req.Params.Arguments
		if t := bytes.TrimSpace(args); len(t) > 0 && !bytes.Equal(t, []byte("null")) && t[0] != '{' {
			return toolError(ctx, fmt.Errorf("arguments of %s must be a JSON object", req.Params.Name)), nil
		}
		if len(bytes.TrimSpace(args)) == 0 || bytes.Equal(bytes.TrimSpace(args), []byte("null")) {
			args = nil
		}
		ctx = g.scope(ctx, req.Session, req.Extra)
		ctx = withProgress(ctx, req)
		var (
			res *mcp.CallToolResult
			err error
		)
		if g.isAffinity(target.Server) {
			handleID, rest, aerr := takeSessionArg(args)
			if aerr != nil {
				return toolError(ctx, fmt.Errorf("arguments of %s: %w", req.Params.Name, aerr)), nil
			}
			var (
				set  *affinitySet
				serr error
			)
			if handleID != "" {
				set, serr = g.sessions.byHandle(handleID)
			} else {
				set, serr = g.sessions.affinity(req.Session)
			}
			if serr != nil {
				return toolError(ctx, fmt.Errorf("server %q: %w", target.Server, serr)), nil
			}
			res, err = callAsking(g, ctx, ask, func(ctx context.Context) (*mcp.CallToolResult, error) {
				return set.call(ctx, target.Server, target.Name, rest)
			}, needToolInput)
		} else {
			res, err = callAsking(g, ctx, ask, func(ctx context.Context) (*mcp.CallToolResult, error) {
				return g.ex.CallTool(ctx, target.Server, target.Name, json.RawMessage(args))
			}, needToolInput)
		}
		return upstreamResult(ctx, res, err)
	}
}

// upstreamResult is what a downstream tools/call answers for the upstream's res and err: a
// failure is a tool result with isError, unless the request itself is wrong (a refused round
// of questions) or the client cancelled it.
func upstreamResult(ctx context.Context, res *mcp.CallToolResult, err error) (*mcp.CallToolResult, error) {
	if err != nil {
		if ctx.Err() != nil { // the downstream client cancelled: nobody reads the answer
			return nil, ctx.Err()
		}
		if re := (*roundError)(nil); errors.As(err, &re) {
			return nil, re.rpc
		}
		return toolError(ctx, err), nil
	}
	return res, nil
}

// promptHandler serves a downstream prompts/get of an upstream prompt.
func (g *Gateway) promptHandler(target Target) mcp.PromptHandler {
	return func(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		ask := askingOf(req, "prompt "+req.Params.Name, req.Params.RequestState, req.Params.InputResponses)
		ctx = g.scope(ctx, req.Session, req.Extra)
		return callAsking(g, ctx, ask, func(ctx context.Context) (*mcp.GetPromptResult, error) {
			if g.isAffinity(target.Server) {
				set, err := g.sessions.affinity(req.Session)
				if err != nil {
					return nil, err
				}
				return set.ex.GetPrompt(set.scope(ctx), target.Server, target.Name, req.Params.Arguments)
			}
			return g.ex.GetPrompt(ctx, target.Server, target.Name, req.Params.Arguments)
		}, needPromptInput)
	}
}

// resourceHandler serves a downstream resources/read of an upstream resource. The result
// names the resource by its downstream URI.
func (g *Gateway) resourceHandler(target Target) mcp.ResourceHandler {
	return func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		ask := askingOf(req, "resource "+req.Params.URI, req.Params.RequestState, req.Params.InputResponses)
		ctx = g.scope(ctx, req.Session, req.Extra)
		res, err := callAsking(g, ctx, ask, func(ctx context.Context) (*mcp.ReadResourceResult, error) {
			if g.isAffinity(target.Server) {
				set, err := g.sessions.affinity(req.Session)
				if err != nil {
					return nil, err
				}
				return set.ex.ReadResource(set.scope(ctx), target.Server, target.Name)
			}
			return g.ex.ReadResource(ctx, target.Server, target.Name)
		}, needResourceInput)
		if err != nil {
			return nil, err
		}
		if res.RequestState != "" { // a question for the client: nothing to rename yet
			return res, nil
		}
		if req.Params.URI != target.Name {
			out := *res
			out.Contents = make([]*mcp.ResourceContents, len(res.Contents))
			for i, c := range res.Contents {
				cc := *c
				if cc.URI == target.Name {
					cc.URI = req.Params.URI
				}
				out.Contents[i] = &cc
			}
			res = &out
		}
		return res, nil
	}
}

// templateHandler serves a downstream resources/read of a URI that matches one of server's
// resource templates. A template exposed as <server>+<template> (another server has the same
// one) matches URIs that start <server>+, which the upstream knows without that prefix.
func (g *Gateway) templateHandler(server string, prefixed bool) mcp.ResourceHandler {
	return func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		uri := req.Params.URI
		if prefixed {
			uri = strings.TrimPrefix(uri, server+"+")
		}
		return g.resourceHandler(Target{Server: server, Name: uri})(ctx, req)
	}
}

// scope puts the downstream caller on ctx: who answers what a server asks during the call,
// and the identity — the authenticated subject, for servers with isolation = "identity". The
// downstream token itself is never passed on.
func (g *Gateway) scope(ctx context.Context, ss *mcp.ServerSession, extra *mcp.RequestExtra) context.Context {
	ctx = withAsker(ctx, ss) // asks.go
	if id := identityOf(extra); id != "" {
		ctx = executor.WithIdentity(ctx, id)
	}
	return ctx
}

// withProgress relays the upstream's progress notifications of a call to the downstream
// client, under the client's own progress token, when it asked for progress.
func withProgress(ctx context.Context, req *mcp.CallToolRequest) context.Context {
	token := req.Params.GetProgressToken()
	if token == nil || req.Session == nil {
		return ctx
	}
	ss := req.Session
	return executor.WithCallProgress(ctx, func(p executor.Progress) {
		_ = ss.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
			ProgressToken: token, Progress: p.Progress, Total: p.Total, Message: p.Message,
		})
	})
}

// toolError is a failed call as a tool result with isError: the model reads why, and the
// downstream session goes on. The failure's class is noted as the request's outcome.
func toolError(ctx context.Context, err error) *mcp.CallToolResult {
	noteFailure(ctx, err)
	msg := err.Error()
	var ce *executor.CallError
	if errors.As(err, &ce) {
		msg = fmt.Sprintf("%s (outcome: %s)", msg, ce.Class)
	}
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: msg}}}
}
