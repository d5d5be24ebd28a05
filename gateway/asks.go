package gateway

import (
	"context"
	"errors"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/executor"
)

// What an upstream server asks in the middle of a downstream call — an answer from the user
// (elicitation), a completion from the model (sampling) — is forwarded to the downstream
// client that made the call, as a request of the gateway's own on that client's session, and
// its answer goes back upstream. The executor routes each question to its call's Asker
// (executor.Asker says how, and when it declines instead). A downstream client that did not
// declare the capability gets nothing: the upstream is told the client does not offer it,
// the call goes on as the server decides, and the session lives on. The sessionless era has
// no server-to-client requests: its tools/call is asked in rounds instead (rounds.go), and its
// other requests get the decline.

// errNoCaller declines a question asked outside any downstream call (the gateway's own
// listing, a workflow step): there is nobody to ask.
var errNoCaller = errors.New("declined: no MCP client is waiting on this call to answer it")

// executorAskers are the executor's handlers of a gateway: they declare elicitation and
// sampling upstream, and decline the questions of calls that have no downstream caller.
func executorAskers() []executor.Option {
	return []executor.Option{
		executor.WithElicitationHandler(func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			return nil, errNoCaller
		}),
		executor.WithSamplingHandler(func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			return nil, errNoCaller
		}),
	}
}

// withAsker has the questions of ctx's calls forwarded to downstream session ss. A question
// is the session's, not one request's: on a 2025-11-25 upstream session running several
// calls of ss at once, any of them may have asked it. It goes out in relation to the
// downstream request of ctx while that request runs (so that, with StreamResponses, it
// travels on that request's stream), else on the session's GET stream; it is abandoned when
// the upstream abandons it (as it does when the call that asked ends) or the session ends.
func withAsker(ctx context.Context, ss *mcp.ServerSession) context.Context {
	if ss == nil {
		return ctx
	}
	a := &executor.Asker{Key: ss.ID()}
	if a.Key == "" { // stdio, or a sessionless request: the session is its own key
		a.Key = fmt.Sprintf("%p", ss)
	}
	ip := ss.InitializeParams()
	if ip == nil || ip.Capabilities == nil || ip.ProtocolVersion >= modernVersion {
		return executor.WithAsker(ctx, a) // declines both
	}
	if ip.Capabilities.Elicitation != nil {
		a.Elicit = func(qctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			qctx, stop := related(ctx, qctx)
			defer stop()
			return ss.Elicit(qctx, req.Params)
		}
	}
	if ip.Capabilities.Sampling != nil {
		a.Sample = func(qctx context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			qctx, stop := related(ctx, qctx)
			defer stop()
			return ss.CreateMessage(qctx, req.Params)
		}
	}
	return executor.WithAsker(ctx, a)
}

// related returns a context for a question asked on qctx that is related to the downstream
// request of callCtx while that request runs: its values, qctx's end.
func related(callCtx, qctx context.Context) (context.Context, func()) {
	if callCtx.Err() != nil {
		return qctx, func() {}
	}
	c, cancel := context.WithCancel(context.WithoutCancel(callCtx))
	stop := context.AfterFunc(qctx, cancel)
	return c, func() { stop(); cancel() }
}
