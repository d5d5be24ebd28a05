package actors

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
)

// TestEraMemory: under "auto" a connect asks for what was learned of the same server (the same
// command, or the same origin), a pin always asks for itself, and forgetting makes the next
// connect probe again.
func TestEraMemory(t *testing.T) {
	stdio := func(cmd string) *capability.ServerSpec {
		return &capability.ServerSpec{Name: cmd, Transport: capability.TransportStdio, Command: cmd, Args: []string{"serve"},
			Policy: capability.Policy{Protocol: capability.ProtocolAuto}}
	}
	web := func(u string) *capability.ServerSpec {
		return &capability.ServerSpec{Name: u, Transport: capability.TransportHTTP, URL: u, Policy: capability.Policy{Protocol: capability.ProtocolAuto}}
	}
	m := newEraMemory()
	a, b := stdio("a"), stdio("b")
	if v := m.request(a); v != "" {
		t.Fatalf("before any connect: %q, want the probe", v)
	}
	m.learned(a, "2026-07-28")
	if v, w := m.request(a), m.request(b); v != "2026-07-28" || w != "" {
		t.Errorf("after learning a: a %q, b %q", v, w)
	}
	one, same, other := web("http://127.0.0.1:9000/mcp"), web("http://127.0.0.1:9000/v2/mcp?k=1"), web("http://127.0.0.1:9001/mcp")
	m.learned(one, "2025-11-25")
	if v, w := m.request(same), m.request(other); v != "2025-11-25" || w != "" {
		t.Errorf("same origin %q, other origin %q", v, w)
	}
	m.forget(a)
	if v := m.request(a); v != "" {
		t.Errorf("after forget: %q, want the probe", v)
	}
	pinned := stdio("a")
	pinned.Protocol = "2025-11-25"
	m.learned(pinned, "2026-07-28") // a pin learns nothing
	if v := m.request(pinned); v != "2025-11-25" {
		t.Errorf("pinned: %q", v)
	}
	var none *eraMemory
	none.learned(a, "2026-07-28")
	if v := none.request(a); v != "" {
		t.Errorf("nil memory: %q", v)
	}
}

func TestRevisionChanged(t *testing.T) {
	wire := &jsonrpc.Error{Code: mcp.CodeUnsupportedProtocolVersion, Message: "unsupported protocol version"}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{wire, true},
		{fmt.Errorf("calling %q: %w", "tools/call", wire), true},
		{&jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound}, false},
		{errors.New("unsupported protocol version"), false},
		{nil, false},
	} {
		if got := revisionChanged(c.err); got != c.want {
			t.Errorf("revisionChanged(%v) = %v", c.err, got)
		}
	}
}

// TestCheckEra: a pinned era must be the one spoken; affinity needs a session.
func TestCheckEra(t *testing.T) {
	spec := func(transport capability.Transport, protocol string, iso capability.Isolation) *capability.ServerSpec {
		return &capability.ServerSpec{Name: "s", Transport: transport, Policy: capability.Policy{Protocol: protocol, Isolation: iso}}
	}
	for _, c := range []struct {
		spec    *capability.ServerSpec
		version string
		want    string // "" = no error
	}{
		{spec(capability.TransportHTTP, "auto", capability.IsolationShared), "2026-07-28", ""},
		{spec(capability.TransportHTTP, "auto", capability.IsolationAffinity), "2025-11-25", ""},
		{spec(capability.TransportHTTP, "auto", capability.IsolationAffinity), "2026-07-28", `isolation = "affinity"`},
		{spec(capability.TransportStdio, "auto", capability.IsolationAffinity), "2026-07-28", ""},
		{spec(capability.TransportHTTP, "2026-07-28", capability.IsolationShared), "2025-11-25", "speaks 2025-11-25"},
		{spec(capability.TransportStdio, "2025-11-25", capability.IsolationShared), "2026-07-28", "speaks 2026-07-28"},
		{spec(capability.TransportStdio, "2025-06-18", capability.IsolationShared), "2025-06-18", ""},
	} {
		err := checkEra(c.spec, c.version)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s %s %s, spoke %s: %v, want %q", c.spec.Transport, c.spec.Protocol, c.spec.Isolation, c.version, err, c.want)
		}
	}
}
