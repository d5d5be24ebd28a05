package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// post is spinetest.Post.
var post = spinetest.Post

// rpcError returns the code of the JSON-RPC error in body (0 if none).
func rpcError(body string) int {
	var msg struct {
		Error *struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(body), &msg) != nil || msg.Error == nil {
		return 0
	}
	return msg.Error.Code
}

// TestBadInput: malformed JSON-RPC, unknown methods and tools, oversized bodies, unknown
// session ids and foreign origins get the right JSON-RPC error or HTTP status, and the
// gateway keeps serving the session opened before them. A call that streams nothing is
// answered with application/json.
func TestBadInput(t *testing.T) {
	spinetest.NoLeaks(t)
	s := serve(t, project(t, demoProject), nil)
	code, h, body := post(t, s.URL, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`)
	sid := h.Get("Mcp-Session-Id")
	if code != http.StatusOK || sid == "" {
		t.Fatalf("initialize: %d %q", code, body)
	}
	if code, _, body := post(t, s.URL, sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); code/100 != 2 {
		t.Fatalf("initialized: %d %q", code, body)
	}
	echo := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"demo__echo","arguments":{"text":"still here"}}}`
	code, h, body = post(t, s.URL, sid, echo)
	if code != http.StatusOK || !strings.Contains(body, "still here") {
		t.Fatalf("echo: %d %q", code, body)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("a call that streams nothing answered as %q, want application/json", ct)
	}

	for _, tc := range []struct {
		name, sid, body string
		header          []string
		status, rpc     int // rpc: the JSON-RPC error code wanted in a 200 answer
	}{
		{name: "malformed JSON", sid: sid, body: `{"jsonrpc":"2.0","id":3,"method":`, status: http.StatusBadRequest},
		{name: "malformed JSON without a session", body: `{not json`, status: http.StatusBadRequest},
		{name: "unknown method", sid: sid, body: `{"jsonrpc":"2.0","id":4,"method":"tools/frobnicate","params":{}}`, status: http.StatusOK, rpc: -32601},
		{name: "unknown tool", sid: sid, body: `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"demo__nosuch","arguments":{}}}`, status: http.StatusOK, rpc: -32602},
		{name: "arguments not an object", sid: sid, body: `{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"demo__echo","arguments":[1,2]}}`, status: http.StatusOK, rpc: -1},
		{name: "unknown session id", sid: "no-such-session", body: echo, status: http.StatusNotFound},
		{name: "oversized body", sid: sid, body: `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"demo__echo","arguments":{"text":"` + strings.Repeat("x", 5<<20) + `"}}}`, status: http.StatusRequestEntityTooLarge},
		{name: "oversized body without a session", body: `{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{"pad":"` + strings.Repeat("x", 5<<20) + `"}}`, status: http.StatusRequestEntityTooLarge},
		{name: "foreign origin", sid: sid, body: echo, header: []string{"Origin", "http://evil.example"}, status: http.StatusForbidden},
	} {
		code, _, body := post(t, s.URL, tc.sid, tc.body, tc.header...)
		if code != tc.status {
			t.Errorf("%s: status %d, want %d (%.200s)", tc.name, code, tc.status, body)
			continue
		}
		switch got := rpcError(body); {
		case tc.rpc > 0 || tc.rpc < -1:
			if got != tc.rpc {
				t.Errorf("%s: JSON-RPC error %d, want %d (%.200s)", tc.name, got, tc.rpc, body)
			}
		case tc.rpc == -1: // an error result (isError), not a protocol error
			if got != 0 && !strings.Contains(body, `"isError":true`) {
				t.Errorf("%s: %.200s", tc.name, body)
			}
		}
	}
	if code, _, body := post(t, s.URL, sid, echo, "Origin", strings.TrimSuffix(s.URL, "/mcp")); code != http.StatusOK || !strings.Contains(body, "still here") {
		t.Errorf("after the bad requests, with the endpoint's own origin: %d %q", code, body)
	}
	// DELETE ends the session; its id is unknown from then on.
	req, _ := http.NewRequest(http.MethodDelete, s.URL, nil)
	req.Header.Set("Mcp-Session-Id", sid)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code, _, _ := post(t, s.URL, sid, echo); resp.StatusCode/100 != 2 || code != http.StatusNotFound {
		t.Errorf("DELETE: %s; a call after it: %d, want 404", resp.Status, code)
	}
}
