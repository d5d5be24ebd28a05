package actors_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/capability"
)

// TestTransportMismatchHint: an SSE endpoint configured as http, and a streamable endpoint
// (stateful or stateless) configured as sse, fail with the transport to try.
func TestTransportMismatchHint(t *testing.T) {
	server := mcp.NewServer(&mcp.Implementation{Name: "hint-test", Version: "1.0.0"}, nil)
	get := func(*http.Request) *mcp.Server { return server }
	sse := httptest.NewServer(mcp.NewSSEHandler(get, nil))
	defer sse.Close()
	stateful := httptest.NewServer(mcp.NewStreamableHTTPHandler(get, nil))
	defer stateful.Close()
	stateless := httptest.NewServer(mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{Stateless: true}))
	defer stateless.Close()
	locked := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "who are you?", http.StatusUnauthorized)
	}))
	defer locked.Close()
	for _, c := range []struct {
		name      string
		url       string
		transport capability.Transport
		hint      string
	}{
		{"sse endpoint as http", sse.URL, capability.TransportHTTP, `set transport = "sse"`},
		{"streamable endpoint as sse", stateful.URL, capability.TransportSSE, `set transport = "http"`},
		{"stateless streamable endpoint as sse", stateless.URL, capability.TransportSSE, `set transport = "http"`},
		{"unauthorized http", locked.URL, capability.TransportHTTP, ""},
		{"unauthorized sse", locked.URL, capability.TransportSSE, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := capability.ServerSpec{Name: "remote", Transport: c.transport, URL: c.url, Enabled: true,
				Policy: capability.DefaultPolicy()}
			s, err := actors.Dial(context.Background(), spec, nil)
			if err == nil {
				s.Close()
				t.Fatal("Dial succeeded")
			}
			if c.hint == "" {
				if strings.Contains(err.Error(), "set transport") {
					t.Errorf("err = %v, want no transport hint", err)
				}
				return
			}
			if !strings.Contains(err.Error(), c.hint) {
				t.Errorf("err = %v, want the hint %s", err, c.hint)
			}
			var ce *actors.CallError
			if !errors.As(err, &ce) {
				t.Errorf("err %T is no *CallError", err)
			}
		})
	}
	// The right transports still connect.
	for _, spec := range []capability.ServerSpec{
		{Name: "sse", Transport: capability.TransportSSE, URL: sse.URL, Policy: capability.DefaultPolicy()},
		{Name: "http", Transport: capability.TransportHTTP, URL: stateful.URL, Policy: capability.DefaultPolicy()},
	} {
		s, err := actors.Dial(context.Background(), spec, nil)
		if err != nil {
			t.Fatalf("%s: %v", spec.Name, err)
		}
		s.Close()
	}
}
