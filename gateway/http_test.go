package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name    string
		method  string
		headers map[string]string
		body    string
		modern  bool
	}{
		{"initialize", "POST", nil, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`, false},
		{"discover", "POST", nil, `{"jsonrpc":"2.0","id":1,"method":"server/discover"}`, true},
		{"a session", "POST", map[string]string{"Mcp-Session-Id": "x"}, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, false},
		{"modern header", "POST", map[string]string{"Mcp-Protocol-Version": "2026-07-28"}, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, true},
		{"legacy header", "POST", map[string]string{"Mcp-Protocol-Version": "2025-11-25"}, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, false},
		{"sessionless call", "POST", nil, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`, true},
		{"malformed", "POST", nil, `{"jsonrpc":`, false},
		{"batch", "POST", nil, `[{"jsonrpc":"2.0","id":1,"method":"ping"}]`, false},
		{"GET stream", "GET", nil, ``, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "/mcp", strings.NewReader(tc.body))
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			p, err := readPeek(r, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if got := classify(r, p); got != tc.modern {
				t.Errorf("modern = %v, want %v", got, tc.modern)
			}
		})
	}
}

func TestReadPeekBounded(t *testing.T) {
	r := httptest.NewRequest("POST", "/mcp", strings.NewReader(strings.Repeat("x", 2048)))
	if _, err := readPeek(r, 1024); err == nil {
		t.Fatal("a body over the bound was read")
	}
}

func TestCheckOrigin(t *testing.T) {
	h := checkOrigin(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}), []string{"https://app.example"})
	for origin, want := range map[string]int{
		"":                          http.StatusOK,
		"http://127.0.0.1:7700":     http.StatusOK, // the endpoint's own
		"https://app.example":       http.StatusOK,
		"http://evil.example":       http.StatusForbidden,
		"http://127.0.0.1:7700.bad": http.StatusForbidden,
		"::not a url":               http.StatusForbidden,
	} {
		r := httptest.NewRequest("POST", "http://127.0.0.1:7700/mcp", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("Origin %q: %d, want %d", origin, w.Code, want)
		}
	}
}

func TestParseTokens(t *testing.T) {
	a, err := ParseTokens("alice=one, two")
	if err != nil {
		t.Fatal(err)
	}
	for token, subject := range map[string]string{"one": "alice", "two": "token-"} {
		info, err := a.verify(t.Context(), token, nil)
		if err != nil || !strings.HasPrefix(info.UserID, subject) {
			t.Errorf("%s: %v %+v", token, err, info)
		}
	}
	if _, err := a.verify(t.Context(), "three", nil); err == nil {
		t.Error("an unknown token was accepted")
	}
	for _, bad := range []string{"", " , ", "=x", "alice="} {
		if _, err := ParseTokens(bad); err == nil {
			t.Errorf("ParseTokens(%q): no error", bad)
		}
	}
}

func TestCheckBind(t *testing.T) {
	tokens, _ := ParseTokens("a=b")
	for addr, open := range map[string]bool{
		"127.0.0.1:7700": true, "[::1]:7700": true, "localhost:7700": true,
		"0.0.0.0:7700": false, ":7700": false, "192.168.1.2:7700": false, "example.com:7700": false,
	} {
		err := CheckBind(addr, HTTPOptions{})
		if open != (err == nil) {
			t.Errorf("%s without auth: %v", addr, err)
		}
		if err := CheckBind(addr, HTTPOptions{Auth: tokens}); err != nil {
			t.Errorf("%s with auth: %v", addr, err)
		}
	}
	if err := CheckBind("nonsense", HTTPOptions{}); err == nil {
		t.Error("nonsense: no error")
	}
}

// BenchmarkReadPeek is what the endpoint's classifier costs a tools/call of a session.
func BenchmarkReadPeek(b *testing.B) {
	body := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"_meta":{"progressToken":"p"},"name":"demo__echo","arguments":{"text":"hi"}}}`
	r := httptest.NewRequest("POST", "/mcp", nil)
	r.Header.Set("Mcp-Session-Id", "S")
	b.ReportAllocs()
	for range b.N {
		r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
		p, err := readPeek(r, 1<<20)
		if err != nil || p.method != "tools/call" || classify(r, p) {
			b.Fatal(err, p)
		}
	}
}
