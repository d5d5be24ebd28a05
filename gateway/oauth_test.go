package gateway_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// issuer is a test OAuth issuer: an RSA key, its JWKS served on loopback.
type issuer struct {
	key  *rsa.PrivateKey
	jwks string
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	set, _ := json.Marshal(map[string]any{"keys": []any{map[string]any{
		"kty": "RSA", "kid": "k1", "alg": "RS256",
		"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes()),
	}}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(set) }))
	t.Cleanup(srv.Close)
	return &issuer{key: key, jwks: srv.URL + "/jwks.json"}
}

// token signs claims with key (the issuer's unless another is given).
func (is *issuer) token(t *testing.T, claims map[string]any, key *rsa.PrivateKey) string {
	t.Helper()
	if key == nil {
		key = is.key
	}
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(map[string]string{"alg": "RS256", "kid": "k1", "typ": "JWT"}) + "." + enc(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// TestOAuth: spine serve as an OAuth 2.1 resource server: a JWT of the issuer for the
// gateway's audience is served; no token, a wrong audience, an expired token or a forged
// signature get 401 with the resource metadata's address; the metadata is served.
func TestOAuth(t *testing.T) {
	spinetest.NoLeaks(t)
	is := newIssuer(t)
	const aud = "https://spine.test/mcp"
	dir := project(t, `
[serve.auth]
issuer   = "https://issuer.test"
jwks_url = "`+is.jwks+`"
audience = "`+aud+`"
`+demoProject)
	s := serve(t, dir, nil)
	exp := time.Now().Add(time.Hour).Unix()
	good := map[string]any{"iss": "https://issuer.test", "aud": aud, "sub": "alice", "exp": exp}
	with := func(k string, v any) map[string]any {
		c := map[string]any{}
		for kk, vv := range good {
			c[kk] = vv
		}
		c[k] = v
		return c
	}
	forger, _ := rsa.GenerateKey(rand.Reader, 2048)
	// The signature's last character carries 2 bits of the signature and 4 bits that must be
	// zero: a second spelling of the same bytes, which a lenient decoder accepts.
	respelt := is.token(t, good, nil)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	respelt = respelt[:len(respelt)-1] + string(alphabet[strings.IndexByte(alphabet, respelt[len(respelt)-1])^1])
	for name, token := range map[string]string{
		"signature respelt": respelt,
		"no token":          "",
		"wrong audience":    is.token(t, with("aud", "https://other.test"), nil),
		"expired":           is.token(t, with("exp", time.Now().Add(-time.Hour).Unix()), nil),
		"wrong issuer":      is.token(t, with("iss", "https://evil.test"), nil),
		"forged":            is.token(t, good, forger),
		"not a JWT":         "abc",
	} {
		req, _ := http.NewRequest(http.MethodPost, s.URL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `resource_metadata="https://spine.test/.well-known/oauth-protected-resource"`) {
			t.Errorf("%s: %s, WWW-Authenticate %q", name, resp.Status, resp.Header.Get("WWW-Authenticate"))
		}
	}

	var meta struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
	}
	getJSON(t, strings.TrimSuffix(s.URL, "/mcp")+"/.well-known/oauth-protected-resource", &meta)
	if meta.Resource != aud || len(meta.AuthorizationServers) != 1 || meta.AuthorizationServers[0] != "https://issuer.test" {
		t.Errorf("metadata: %+v", meta)
	}

	for _, claims := range []map[string]any{good, with("aud", []string{"https://x.test", aud})} {
		ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
		c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
		hc := &http.Client{Transport: bearer{token: is.token(t, claims, nil), next: http.DefaultTransport}}
		cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: s.URL, HTTPClient: hc}, legacy)
		cancel()
		if err != nil {
			t.Fatalf("connect with a good token (aud %v): %v", claims["aud"], err)
		}
		if got, _ := call(t, cs, "demo__echo", map[string]any{"text": "authorized"}); got != "authorized" {
			t.Errorf("echo: %q", got)
		}
		_ = cs.Close()
	}
}
