package gateway

import (
	"net/http"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestIncomingTrace: a request's _meta.traceparent wins over the HTTP header; a malformed or
// non-string one is passed over, never fatal.
func TestIncomingTrace(t *testing.T) {
	const (
		inMeta   = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
		inHeader = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	)
	header := &mcp.RequestExtra{Header: http.Header{"Traceparent": {inHeader}}}
	for _, c := range []struct {
		name  string
		meta  mcp.Meta
		extra *mcp.RequestExtra
		want  string // the trace id, "" for none
	}{
		{"meta", mcp.Meta{"traceparent": inMeta}, nil, "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"header", nil, header, "0af7651916cd43dd8448eb211c80319c"},
		{"meta wins", mcp.Meta{"traceparent": inMeta}, header, "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"malformed meta", mcp.Meta{"traceparent": "00-nothex-01"}, header, "0af7651916cd43dd8448eb211c80319c"},
		{"not a string", mcp.Meta{"traceparent": 42}, nil, ""},
		{"none", nil, &mcp.RequestExtra{}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc := incomingTrace(&mcp.CallToolParamsRaw{Meta: c.meta, Name: "x"}, c.extra)
			got := ""
			if sc.IsValid() {
				got = sc.TraceID().String()
			}
			if got != c.want || (got != "" && !sc.IsRemote()) {
				t.Errorf("trace id %q (remote %v), want %q", got, sc.IsRemote(), c.want)
			}
		})
	}
	if sc := incomingTrace(nil, nil); sc.IsValid() {
		t.Errorf("no params, no extra: %v", sc)
	}
	if p := paramsOf(&mcp.CallToolRequest{}); p != nil {
		t.Errorf("paramsOf a request without params = %v, want nil", p)
	}
}
