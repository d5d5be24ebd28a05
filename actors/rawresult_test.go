package actors

import (
	"context"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// TestRawToolResults: a raw call's answer is kept only when go-sdk would take the result as it
// is; anything go-sdk acts on or refuses reaches it untouched, and so does every answer that
// is not a raw call's.
func TestRawToolResults(t *testing.T) {
	for _, tc := range []struct {
		name, result  string
		kept, isError bool
	}{
		{"text", `{"content":[{"type":"text","text":"hi"}]}`, true, false},
		{"tool error", `{"content":[{"type":"text","text":"no"}],"isError":true}`, true, true},
		{"every plain kind", `{"content":[{"type":"image","data":"","mimeType":"image/png"},{"type":"audio","data":"","mimeType":"audio/wav"},` +
			`{"type":"resource_link","uri":"x:y","name":"y"},{"type":"resource","resource":{"uri":"x:y","text":""}}],"structuredContent":{"a":1},"_meta":{"k":1}}`, true, false},
		{"empty content", `{"content":[]}`, true, false},
		{"no content", `{}`, false, false},
		{"null content", `{"content":null}`, false, false},
		{"unknown kind", `{"content":[{"type":"video"}]}`, false, false},
		{"tool_use", `{"content":[{"type":"tool_use","id":"1","name":"x","input":{}}]}`, false, false},
		{"null item", `{"content":[null]}`, false, false},
		{"input requests", `{"content":[],"inputRequests":{"a":{}}}`, false, false},
		{"result type", `{"content":[],"resultType":"complete"}`, false, false},
		{"request state", `{"content":[],"requestState":"s"}`, false, false},
		{"_meta not an object", `{"content":[],"_meta":1}`, false, false},
		{"isError not a boolean", `{"content":[],"isError":"yes"}`, false, false},
		{"case-insensitive name", `{"Content":[{"type":"text","text":"hi"}]}`, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &stdioConn{}
			sink := &rawSink{}
			call, err := jsonrpc.MakeID(float64(3))
			if err != nil {
				t.Fatal(err)
			}
			c.noteRaw(context.WithValue(context.Background(), rawSinkKey{}, sink), &jsonrpc.Request{ID: call, Method: "tools/call"})
			resp := &jsonrpc.Response{ID: call, Result: []byte(tc.result)}
			got := c.keepRaw(resp)
			if kept := got != jsonrpc.Message(resp); kept != tc.kept {
				t.Fatalf("kept: %v, want %v", kept, tc.kept)
			}
			if tc.kept {
				if r := got.(*jsonrpc.Response); r.Error != errRawKept || string(sink.data) != tc.result || sink.isError != tc.isError {
					t.Errorf("go-sdk reads %+v; the sink holds %s (isError %v)", r, sink.data, sink.isError)
				}
			} else if sink.data != nil {
				t.Errorf("the sink holds %s", sink.data)
			}
			if len(c.raw) != 0 {
				t.Errorf("%d raw calls still noted", len(c.raw))
			}
		})
	}

	// Answers to other requests, and calls made without a sink, are go-sdk's.
	c := &stdioConn{}
	id, _ := jsonrpc.MakeID(float64(4))
	c.noteRaw(context.Background(), &jsonrpc.Request{ID: id, Method: "tools/call"})
	c.noteRaw(context.WithValue(context.Background(), rawSinkKey{}, &rawSink{}), &jsonrpc.Request{ID: id, Method: "tools/list"})
	resp := &jsonrpc.Response{ID: id, Result: []byte(`{"content":[]}`)}
	if got := c.keepRaw(resp); got != jsonrpc.Message(resp) {
		t.Errorf("an answer of no raw call was kept: %+v", got)
	}
	// A sink whose answer never came is dropped by its call.
	sink := &rawSink{}
	c.noteRaw(context.WithValue(context.Background(), rawSinkKey{}, sink), &jsonrpc.Request{ID: id, Method: "tools/call"})
	sink.forget()
	if len(c.raw) != 0 {
		t.Errorf("a forgotten sink is still noted")
	}
}
