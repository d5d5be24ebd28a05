package main

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/describe"
)

// The upstream of a scaffold is the config's, with names of secrets and never their values.
func TestUpstreamOf(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		spec capability.ServerSpec
		want describe.Upstream
	}{
		{"stdio", capability.ServerSpec{Transport: capability.TransportStdio, Command: "npx", Args: []string{"-y", "pkg"}, Cwd: "/srv",
			Env: map[string]string{"TOKEN": "s3cret", "A": "1"}, EnvVars: []string{"OPENAI_API_KEY"}},
			describe.Upstream{Command: "npx", Args: []string{"-y", "pkg"}, Dir: "/srv", Env: []string{"A", "OPENAI_API_KEY", "TOKEN"}}},
		{"spine itself", capability.ServerSpec{Transport: capability.TransportStdio, Command: self, Args: []string{"demo-server"}},
			describe.Upstream{Command: "spine", Args: []string{"demo-server"}}},
		{"http", capability.ServerSpec{Transport: capability.TransportHTTP, URL: "https://x/mcp", Headers: map[string]string{"Authorization": "Bearer s3cret"}},
			describe.Upstream{URL: "https://x/mcp", Headers: []string{"Authorization"}}},
		{"sse", capability.ServerSpec{Transport: capability.TransportSSE, URL: "https://x/sse"},
			describe.Upstream{URL: "https://x/sse", Transport: "sse"}},
	}
	for _, c := range cases {
		got := upstreamOf(c.spec)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
		if strings.Contains(strings.Join(append(got.Env, got.Headers...), " "), "s3cret") {
			t.Errorf("%s: a secret value is in the scaffold's upstream", c.name)
		}
	}
}
