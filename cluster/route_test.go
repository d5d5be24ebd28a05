package cluster

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// One node per process: protoactor's remote races when several share one (the cluster's
// multi-node behaviour is tested with processes, in integration/cluster).

// freePort returns a loopback address whose port is free now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestRoute: the node serves its own sessions and sessionless requests itself, refuses ids
// the cluster did not mint, and answers 404 (legacy) or a stale-handle tool error (modern)
// for the sessions of a peer that cannot be reached — without re-creating anything here.
func TestRoute(t *testing.T) {
	spinetest.NoLeaks(t)
	key := []byte(strings.Repeat("k", 32))
	self, gone := freePort(t), freePort(t)
	n, err := Start(Config{Address: self, Peers: []string{self, gone}, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	if got := n.Peers(); len(got) != 1 || got[0] != gone {
		t.Errorf("Peers() = %v, want [%s]", got, gone)
	}
	var served []string
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		served = append(served, r.Header.Get(sessionHeader)+"|"+string(body))
		w.WriteHeader(http.StatusOK)
	})
	n.SetHandler(next, func(tool string) bool { return tool == "demo__echo" })
	h := n.Route("/mcp", next)
	signer, _ := NewSigner(key)
	alien, _ := NewSigner([]byte(strings.Repeat("x", 32)))
	call := func(tool, handle string) string {
		args := map[string]any{}
		if handle != "" {
			args[handleArg] = handle
		}
		b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": map[string]any{"name": tool, "arguments": args}})
		return string(b)
	}
	for _, tc := range []struct {
		name, session, body string
		status              int
		servedHere          bool
		contains            string
	}{
		{name: "initialize", body: `{"jsonrpc":"2.0","id":1,"method":"initialize"}`, status: 200, servedHere: true},
		{name: "own session", session: n.NewSessionID(), body: call("aff__counter", ""), status: 200, servedHere: true},
		{name: "own handle", body: call("aff__counter", "h-"+n.NewSessionID()), status: 200, servedHere: true},
		{name: "forged session", session: "forged", body: call("aff__counter", ""), status: 404, contains: "not minted"},
		{name: "another cluster's session", session: alien.Mint(self), body: call("aff__counter", ""), status: 404},
		{name: "forged handle", body: call("aff__counter", "h-forged"), status: 404, contains: `"code":-32001`},
		{name: "not a peer", session: signer.Mint("127.0.0.1:1"), body: call("aff__counter", ""), status: 404},
		{name: "shared call of a peer's session", session: signer.Mint(gone), body: call("demo__echo", ""), status: 200, servedHere: true},
		{name: "lost owner", session: signer.Mint(gone), body: call("aff__counter", ""), status: 404, contains: "initialize a new session"},
		{name: "lost owner, again at once", session: signer.Mint(gone), body: call("aff__counter", ""), status: 404},
		{name: "lost handle", body: call("aff__counter", "h-"+signer.Mint(gone)), status: 200, contains: "open a new one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			served = nil
			req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(tc.body))
			if tc.session != "" {
				req.Header.Set(sessionHeader, tc.session)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.contains) {
				t.Errorf("status %d %q, want %d containing %q", rec.Code, rec.Body.String(), tc.status, tc.contains)
			}
			if got := len(served) == 1; got != tc.servedHere {
				t.Errorf("served here: %v, want %v", served, tc.servedHere)
			}
			if tc.name == "shared call of a peer's session" && len(served) == 1 && !strings.HasPrefix(served[0], "|") {
				t.Errorf("the shared call kept the peer's session id: %q", served[0])
			}
		})
	}
	s := n.Stats()
	if s.Rejected != 4 || s.OwnerLost != 3 || s.SharedHere != 1 {
		t.Errorf("stats %+v, want 4 rejected, 3 owner lost, 1 shared here", s)
	}
}

func TestStartBadConfig(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no port", Config{Address: "127.0.0.1", Key: key}, "HOST:PORT"},
		{"bad peer", Config{Address: "127.0.0.1:7", Peers: []string{"nope"}, Key: key}, `peer "nope"`},
		{"unspecified address", Config{Address: "0.0.0.0:7", Key: key}, "names no node"},
		{"short key", Config{Address: "127.0.0.1:7", Key: []byte("k")}, "32 bytes"},
	} {
		if _, err := Start(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}
