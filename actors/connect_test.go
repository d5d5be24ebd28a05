package actors

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/spine-mcp/spine/capability"
)

func TestOriginOf(t *testing.T) {
	same := [][2]string{
		{"http://127.0.0.1/mcp", "HTTP://127.0.0.1:80/other?x=1"},
		{"https://Example.COM/mcp", "https://example.com:443"},
		{"https://user:pw@example.com/mcp", "https://example.com/"},
		{"http://[::1]:9000/mcp", "http://[::1]:9000/x"},
	}
	for _, p := range same {
		if a, b := originOf(mustParse(t, p[0])), originOf(mustParse(t, p[1])); a != b {
			t.Errorf("%s and %s: origins %s and %s, want the same", p[0], p[1], a, b)
		}
	}
	other := [][2]string{
		{"http://127.0.0.1:9000/mcp", "http://localhost:9000/mcp"},
		{"http://example.com/mcp", "https://example.com/mcp"},
		{"http://example.com/mcp", "http://example.com:8080/mcp"},
		{"https://example.com/mcp", "https://api.example.com/mcp"},
	}
	for _, p := range other {
		if a, b := originOf(mustParse(t, p[0])), originOf(mustParse(t, p[1])); a == b {
			t.Errorf("%s and %s: one origin %s, want two", p[0], p[1], a)
		}
	}
	if o := originOf(mustParse(t, "https://u:secret@example.com/mcp?api_key=secret")); strings.Contains(o, "secret") {
		t.Errorf("origin %s shows a secret", o)
	}
}

// TestHTTPClientKeepsToItsOrigin checks each of the two guards of httpClient on its own: the
// redirect check, and the round tripper (which also sees requests that are no redirect).
func TestHTTPClientKeepsToItsOrigin(t *testing.T) {
	spec := &capability.ServerSpec{Name: "remote", URL: "http://127.0.0.1:9000/mcp", Headers: map[string]string{"X-Api-Key": "k"}}
	c := httpClient(spec, roundTripFunc(func(*http.Request) (*http.Response, error) {
		t.Error("the base transport was reached")
		return nil, errors.New("unreachable")
	}))
	via := []*http.Request{{URL: mustParse(t, spec.URL)}}
	if err := c.CheckRedirect(&http.Request{URL: mustParse(t, "http://127.0.0.1:9000/v2/mcp")}, via); err != nil {
		t.Errorf("same-origin redirect: %v", err)
	}
	err := c.CheckRedirect(&http.Request{URL: mustParse(t, "http://localhost:9000/mcp?t=1")}, via)
	var coe *crossOriginError
	if !errors.As(err, &coe) || !strings.Contains(err.Error(), `server "remote"`) ||
		!strings.Contains(err.Error(), "http://127.0.0.1:9000") || !strings.Contains(err.Error(), "http://localhost:9000") {
		t.Errorf("cross-origin redirect: %v", err)
	}
	if err := c.CheckRedirect(&http.Request{URL: mustParse(t, spec.URL)}, make([]*http.Request, maxRedirects)); err == nil {
		t.Error("no limit on redirects")
	}
	req, _ := http.NewRequest(http.MethodPost, "https://127.0.0.1:9000/mcp", strings.NewReader("{}"))
	if _, err := c.Transport.RoundTrip(req); !errors.As(err, &coe) {
		t.Errorf("request to another origin (https): %v", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
