package actors

import "github.com/modelcontextprotocol/go-sdk/mcp"

// metaTraceParent is the _meta key that carries W3C trace context to an upstream, for
// servers of any transport (stdio has no headers to carry it).
const metaTraceParent = "traceparent"

// withTraceContext puts the caller's trace context (Request.TraceParent, TraceState) in the
// params' _meta, so that a server that traces continues the caller's trace. Nothing when
// the caller does not trace.
func withTraceContext(p mcp.Params, req *Request) {
	if req.TraceParent == "" {
		return
	}
	m := p.GetMeta()
	if m == nil {
		m = map[string]any{}
		p.SetMeta(m)
	}
	m[metaTraceParent] = req.TraceParent
	if req.TraceState != "" {
		m["tracestate"] = req.TraceState
	}
}
