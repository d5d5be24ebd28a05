package actors

import (
	"context"
	"errors"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/segmentio/encoding/json"
)

// RawToolResult is the answer to a tool call made with Request.Raw, when the result could be
// kept as the JSON the server sent: a proxy passes it on as it is, and nothing decoded it.
type RawToolResult struct {
	JSON    json.RawMessage // the result object, as sent
	IsError bool            // its isError
}

// A call with Request.Raw on a stdio session of the 2025 era skips go-sdk's decoding of its
// result — twice, each with a decoder that allocates 32 KiB, most of a gateway's garbage —
// when the result is one go-sdk would take as it is. The session's connection (stdioConn)
// notes the call's id as it writes it; when the answer comes, it keeps the result and hands
// go-sdk an error in its place (errRawKept), which go-sdk returns without decoding anything;
// callToolRaw then answers with the kept result. A result go-sdk would act on or refuse — no
// content array, content of a type beyond text, image, audio, resource_link and resource, a
// multi-round-trip request, a _meta that is no object, an isError that is no boolean — goes
// to go-sdk untouched, so that what it does with it (and the error it gives) is unchanged.

// rawSink is where a stdioConn keeps the result of one raw call.
type rawSink struct {
	conn    *stdioConn
	id      jsonrpc.ID
	data    json.RawMessage // set by the connection's reader before go-sdk hears of the answer
	isError bool
}

type rawSinkKey struct{}

// codeRawKept is the code of errRawKept: outside JSON-RPC's reserved range and of no meaning
// to MCP. A server's own error with this code is told apart by the sink, which only the
// connection fills.
const codeRawKept = -31999

var errRawKept = &jsonrpc.Error{Code: codeRawKept, Message: "the result was kept as sent"}

// callToolRaw calls a tool as CallTool does, keeping its result as sent where it can.
func callToolRaw(ctx context.Context, cs *mcp.ClientSession, params *mcp.CallToolParams) (any, error) {
	sink := &rawSink{}
	res, err := cs.CallTool(context.WithValue(ctx, rawSinkKey{}, sink), params)
	sink.forget()
	var wire *jsonrpc.Error
	if err != nil && sink.data != nil && errors.As(err, &wire) && wire.Code == codeRawKept {
		return &RawToolResult{JSON: sink.data, IsError: sink.isError}, nil
	}
	return res, err
}

// forget drops the sink from its connection, if the answer never came.
func (s *rawSink) forget() {
	if c := s.conn; c != nil {
		c.rawMu.Lock()
		if c.raw[s.id] == s {
			delete(c.raw, s.id)
		}
		c.rawMu.Unlock()
	}
}

// noteRaw remembers that the answer to call id goes to the sink of ctx, if it has one.
func (c *stdioConn) noteRaw(ctx context.Context, msg jsonrpc.Message) {
	sink, _ := ctx.Value(rawSinkKey{}).(*rawSink)
	req, ok := msg.(*jsonrpc.Request)
	if sink == nil || !ok || !req.IsCall() || req.Method != "tools/call" {
		return
	}
	c.rawMu.Lock()
	if c.raw == nil {
		c.raw = map[jsonrpc.ID]*rawSink{}
	}
	sink.conn, sink.id = c, req.ID
	c.raw[req.ID] = sink
	c.rawMu.Unlock()
}

// keepRaw returns what go-sdk is to read in place of resp: errRawKept when resp answers a
// raw call with a result it can keep (kept in the call's sink), else resp itself.
func (c *stdioConn) keepRaw(resp *jsonrpc.Response) jsonrpc.Message {
	c.rawMu.Lock()
	sink := c.raw[resp.ID]
	delete(c.raw, resp.ID)
	c.rawMu.Unlock()
	if sink == nil || resp.Error != nil {
		return resp
	}
	isError, ok := plainToolResult(resp.Result)
	if !ok {
		return resp
	}
	sink.data, sink.isError = resp.Result, isError
	return &jsonrpc.Response{ID: resp.ID, Error: errRawKept}
}

// plainToolResult reports whether a tool result is one go-sdk takes as it is, and its isError.
func plainToolResult(data json.RawMessage) (isError, ok bool) {
	var shape struct {
		Meta    map[string]json.RawMessage `json:"_meta"`
		Content []struct {
			Type string `json:"type"`
		} `json:"content"`
		IsError       bool            `json:"isError"`
		InputRequests json.RawMessage `json:"inputRequests"`
		RequestState  json.RawMessage `json:"requestState"`
		ResultType    json.RawMessage `json:"resultType"`
	}
	rest, err := json.Parse(data, &shape, json.DontMatchCaseInsensitiveStructFields)
	if err != nil || len(rest) != 0 || shape.Content == nil ||
		shape.InputRequests != nil || shape.RequestState != nil || shape.ResultType != nil {
		return false, false
	}
	for _, c := range shape.Content {
		switch c.Type {
		case "text", "image", "audio", "resource_link", "resource":
		default:
			return false, false
		}
	}
	return shape.IsError, true
}
