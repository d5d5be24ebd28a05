package gateway

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// directGateway serves a gateway in front of the demo server in the test's process, and
// returns its URL and its direct path.
func directGateway(t *testing.T, opts HTTPOptions) (*Gateway, string, *directPath) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	demo := spinetest.Demo(t, "demo")
	demo.CallTimeout = 10 * spinetest.Patience // a call ends when cancelled, not by itself, in these tests
	g, err := New(ctx, spinetest.Project(demo), Options{})
	if err != nil {
		t.Fatal(err)
	}
	h, dp := g.handler(opts)
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		_ = g.Close(context.Background())
	})
	return g, srv.URL + "/mcp", dp
}

func legacySession(t *testing.T, url string, headers http.Header) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	client := &http.Client{Transport: headerTransport(headers)}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "direct-test", Version: "1"}, nil).
		Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: client}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// headerTransport adds headers to every request.
type headerTransport http.Header

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h {
		r.Header[k] = v
	}
	return http.DefaultTransport.RoundTrip(r)
}

func echoText(t *testing.T, cs *mcp.ClientSession, text string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "demo__echo", Arguments: map[string]any{"text": text}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Content[0].(*mcp.TextContent).Text
}

// post sends one JSON-RPC message of session sid and returns the status and body of the answer.
func post(t *testing.T, url, sid, body string) (int, string) {
	t.Helper()
	code, _, answer := spinetest.Post(t, url, sid, body)
	return code, answer
}

// TestDirectPathAnswersAsGoSDK: the tools/call of a legacy session is answered directly once
// go-sdk has served the session, with the bytes go-sdk's server writes for the same request
// (sent with a _meta, which only go-sdk takes) — an answer, a tool's error, a refused
// argument, HTML-like and non-ASCII text — and what it does not serve still gets go-sdk's
// answers.
func TestDirectPathAnswersAsGoSDK(t *testing.T) {
	_, url, dp := directGateway(t, HTTPOptions{})
	cs := legacySession(t, url, nil)
	for i := range 3 {
		if got := echoText(t, cs, "hi"); got != "hi" {
			t.Fatalf("call %d: %q", i, got)
		}
	}
	// The first call may come before go-sdk took the session's initialized notification.
	if n := dp.served.Load(); n < 2 {
		t.Fatalf("%d of 3 calls answered directly, want at least the last 2", n)
	}

	for _, tc := range []struct {
		name, params string
		passed       bool // the upstream's result is passed on as sent
	}{
		{"answer", `"name":"demo__echo","arguments":{"text":"<a&b> \u00e9t\u00e9 ✓"}`, true},
		{"tool error", `"name":"demo__fail","arguments":{"message":"no"}`, true},
		{"arguments not an object", `"name":"demo__echo","arguments":[1]`, false},
		{"no arguments", `"name":"demo__add"`, true},
	} {
		for _, id := range []string{`7`, `"s-7"`} {
			t.Run(tc.name+" "+id, func(t *testing.T) {
				before, passed := dp.served.Load(), dp.passed.Load()
				code, direct := post(t, url, cs.ID(), `{"jsonrpc":"2.0","id":`+id+`,"method":"tools/call","params":{`+tc.params+`}}`)
				if dp.served.Load() != before+1 {
					t.Fatalf("not answered directly: %d %s", code, direct)
				}
				if got := dp.passed.Load() == passed+1; got != tc.passed {
					t.Errorf("the upstream's result passed on as sent: %v, want %v", got, tc.passed)
				}
				code2, sdk := post(t, url, cs.ID(), `{"jsonrpc":"2.0","id":`+id+`,"method":"tools/call","params":{`+tc.params+`,"_meta":{"k":"v"}}}`)
				if dp.served.Load() != before+1 {
					t.Fatal("a request with _meta was answered directly")
				}
				if code != code2 || direct != sdk {
					t.Errorf("direct: %d %s\ngo-sdk: %d %s", code, direct, code2, sdk)
				}
			})
		}
	}

	// Not served directly, answered by go-sdk: an unknown tool, an unknown session, the
	// session's other methods.
	before := dp.served.Load()
	if code, body := post(t, url, cs.ID(), `{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"nope"}}`); code != 200 || !strings.Contains(body, `unknown tool \"nope\"`) {
		t.Errorf("unknown tool: %d %s", code, body)
	}
	if code, body := post(t, url, "no-such-session", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"demo__echo","arguments":{"text":"x"}}}`); code != http.StatusNotFound {
		t.Errorf("unknown session: %d %s", code, body)
	}
	if code, body := post(t, url, cs.ID(), `{"jsonrpc":"2.0","id":7.0,"method":"tools/call","params":{"name":"demo__echo","arguments":{"text":"x"}}}`); code != 200 || !strings.Contains(body, `"text":"x"`) {
		t.Errorf("an id go-sdk respells: %d %s", code, body)
	}
	if code, body := post(t, url, cs.ID(), `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`); code != 200 || !strings.Contains(body, "demo__echo") {
		t.Errorf("tools/list: %d %s", code, body)
	}
	if n := dp.served.Load(); n != before {
		t.Errorf("%d of these answered directly", n-before)
	}
}

// TestDirectPathSubjects: a session made by alice is not served to bob's token, directly or
// otherwise (go-sdk refuses him).
func TestDirectPathSubjects(t *testing.T) {
	a, err := ParseTokens("alice=tok-a,bob=tok-b")
	if err != nil {
		t.Fatal(err)
	}
	_, url, dp := directGateway(t, HTTPOptions{Auth: a})
	cs := legacySession(t, url, http.Header{"Authorization": {"Bearer tok-a"}})
	echoText(t, cs, "one")
	if got := echoText(t, cs, "two"); got != "two" || dp.served.Load() == 0 {
		t.Fatalf("alice's call: %q, %d answered directly", got, dp.served.Load())
	}
	before := dp.served.Load()
	code, _, body := spinetest.Post(t, url, cs.ID(), `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"demo__echo","arguments":{"text":"bob"}}}`,
		"Authorization", "Bearer tok-b")
	if code != http.StatusForbidden || dp.served.Load() != before {
		t.Errorf("bob on alice's session: %d %s (%d answered directly)", code, body, dp.served.Load()-before)
	}
}

// TestDirectPathCancelled: a direct call ends when its client cancels it
// (notifications/cancelled) and when its session ends (DELETE), and with it the upstream call.
func TestDirectPathCancelled(t *testing.T) {
	g, url, dp := directGateway(t, HTTPOptions{})
	cs := legacySession(t, url, nil)
	echoText(t, cs, "learn")
	before := dp.served.Load()

	// The client gives up: go-sdk's client sends notifications/cancelled.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "demo__hang"})
		done <- err
	}()
	spinetest.Eventually(t, spinetest.Patience, "the hanging call in flight, directly", func() bool {
		return dp.served.Load() == before+1 && g.inFlight() == 1
	})
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v", err)
	}
	spinetest.Eventually(t, spinetest.Patience, "the cancelled call's end", func() bool { return g.inFlight() == 0 })

	// The session ends while a call is in flight: the call ends, answered with the failure.
	answered := make(chan string, 1)
	go func() {
		_, body := post(t, url, cs.ID(), `{"jsonrpc":"2.0","id":"h","method":"tools/call","params":{"name":"demo__hang"}}`)
		answered <- body
	}()
	spinetest.Eventually(t, spinetest.Patience, "the second hanging call in flight, directly", func() bool {
		return dp.served.Load() == before+2 && g.inFlight() == 1
	})
	_ = cs.Close() // DELETE
	if body := <-answered; !strings.Contains(body, `"id":"h"`) {
		t.Errorf("the call of the ended session: %s", body)
	}
	spinetest.Eventually(t, spinetest.Patience, "no call in flight", func() bool { return g.inFlight() == 0 })
	if code, _ := post(t, url, cs.ID(), `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"demo__echo","arguments":{"text":"x"}}}`); code != http.StatusNotFound {
		t.Errorf("a call of the ended session: %d, want 404", code)
	}
}

// TestDirectPathKeepsSessionsAlive: a session whose every call could be answered directly is
// not closed by go-sdk's idle timeout while it calls: the direct path hands a request to
// go-sdk at least every half timeout.
func TestDirectPathKeepsSessionsAlive(t *testing.T) {
	// Long enough that a call under -race on a loaded machine takes far less than half of it:
	// most calls are answered directly.
	const timeout = time.Second
	_, url, dp := directGateway(t, HTTPOptions{SessionTimeout: timeout})
	cs := legacySession(t, url, nil)
	calls := 0
	for start := time.Now(); time.Since(start) < 3*timeout; calls++ {
		if got := echoText(t, cs, "alive"); got != "alive" {
			t.Fatalf("call %d: %q", calls, got)
		}
	}
	if n := dp.served.Load(); n == 0 || n == int64(calls) {
		t.Errorf("%d of %d calls answered directly: want some, not all", n, calls)
	}
	// Idle, the session ends at go-sdk's timeout, and the direct path forgets it.
	spinetest.Eventually(t, spinetest.Patience, "the idle session's end", func() bool {
		dp.mu.Lock()
		defer dp.mu.Unlock()
		return dp.sessions[cs.ID()] == nil
	})
	if code, _ := post(t, url, cs.ID(), `{"jsonrpc":"2.0","id":1,"method":"ping"}`); code != http.StatusNotFound {
		t.Errorf("a ping of the idle session: %d, want 404", code)
	}
}

// inFlight is the number of downstream requests being handled.
func (g *Gateway) inFlight() int {
	g.requests.mu.Lock()
	defer g.requests.mu.Unlock()
	return g.requests.n
}
