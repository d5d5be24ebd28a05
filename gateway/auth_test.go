package gateway_test

import (
	"context"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// bearer adds a bearer token to every request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// TestAuth: with [serve.auth], requests without a token or with a wrong one get 401 with a
// WWW-Authenticate challenge; a good token is served, and never reaches the upstream.
func TestAuth(t *testing.T) {
	spinetest.NoLeaks(t)
	up := newUpstream(t)
	dir := project(t, `
[serve.auth]
tokens_env = "TEST_SPINE_TOKENS"

[servers.ticker]
url = "`+up.url+`"
isolation = "identity"
`)
	s := serve(t, dir, []string{"TEST_SPINE_TOKENS=alice=s3cret-alice,bob=s3cret-bob"})
	for _, tc := range []struct{ name, auth string }{
		{"no token", ""},
		{"wrong token", "Bearer nope"},
		{"not bearer", "Basic czNjcmV0LWFsaWNl"},
	} {
		req, _ := http.NewRequest(http.MethodPost, s.URL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: %s, WWW-Authenticate %q; want 401 with a Bearer challenge", tc.name, resp.Status, resp.Header.Get("WWW-Authenticate"))
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	httpClient := &http.Client{Transport: bearer{token: "s3cret-alice", next: http.DefaultTransport}}
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: s.URL, HTTPClient: httpClient}, legacy)
	if err != nil {
		t.Fatalf("connect with a good token: %v", err)
	}
	defer cs.Close()
	if got, _ := call(t, cs, "ticker__tick", map[string]any{"n": 0}); got != "ticked 0" {
		t.Errorf("tick: %q", got)
	}
	// isolation = "identity": the subject keys the pool. bob gets an upstream session of his
	// own; alice's second connection reuses hers. (The gateway's own listing has one too.)
	base := up.sessions()
	for _, token := range []string{"s3cret-bob", "s3cret-alice"} {
		hc := &http.Client{Transport: bearer{token: token, next: http.DefaultTransport}}
		other, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: s.URL, HTTPClient: hc}, legacy)
		if err != nil {
			t.Fatal(err)
		}
		call(t, other, "ticker__tick", map[string]any{"n": 0})
		_ = other.Close()
	}
	if n := up.sessions(); n != base+1 {
		t.Errorf("the upstream saw %d sessions, want %d: one more for bob, none for alice's second connection", n, base+1)
	}
	n, leaked := up.sawHeader("Authorization", "s3cret")
	if n == 0 {
		t.Fatal("the upstream saw no request")
	}
	if leaked {
		t.Error("the downstream token reached the upstream")
	}
}

// TestNonLoopbackWithoutAuth: binding beyond loopback without auth is refused (exit 2), and
// the message says what to set.
func TestNonLoopbackWithoutAuth(t *testing.T) {
	spinetest.NoLeaks(t)
	dir := project(t, demoProject)
	cmd := exec.Command(spinetest.Binary(t), "serve", "--http", "0.0.0.0:0")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !asExit(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("exit: %v, want 2\n%s", err, out)
	}
	if !strings.Contains(string(out), "tokens_env") || !strings.Contains(string(out), "loopback") {
		t.Errorf("the message does not say what to set:\n%s", out)
	}
	if demoServers(t) != 0 {
		t.Error("a server was started")
	}
}
