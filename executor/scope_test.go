package executor

import (
	"net/http"
	"testing"

	"github.com/spine-mcp/spine/capability"
)

func TestIdentityOf(t *testing.T) {
	all := &capability.ServerSpec{Policy: capability.Policy{Isolation: capability.IsolationIdentity}}
	narrowed := &capability.ServerSpec{Policy: capability.Policy{Isolation: capability.IsolationIdentity}, IdentityHeaders: []string{"x-tenant-id"}}
	alice := http.Header{"X-Access-Token": {"alice"}, "X-Tenant-Id": {"acme"}}
	bob := http.Header{"X-Access-Token": {"bob"}, "X-Tenant-Id": {"acme"}}

	if a, b := identityOf(all, alice, nil), identityOf(all, bob, nil); a == "" || a == b {
		t.Errorf("callers that differ only in X-Access-Token: identities %q and %q", a, b)
	}
	if a, b := identityOf(narrowed, alice, nil), identityOf(narrowed, bob, nil); a == "" || a != b {
		t.Errorf("identity_headers = [x-tenant-id], same tenant: identities %q and %q, want one", a, b)
	}
	if id := identityOf(narrowed, http.Header{"X-Access-Token": {"alice"}}, nil); id != "" {
		t.Errorf("none of identity_headers: identity %q, want none", id)
	}
	// Spelling, and the order of headers and values, do not matter; a value moved to another
	// header does.
	same := []http.Header{
		{"x-access-token": {"alice"}, "X-TENANT-ID": {"acme"}},
		{"X-Tenant-Id": {"acme"}, "X-Access-Token": {"alice"}},
	}
	for _, h := range same {
		if identityOf(all, h, nil) != identityOf(all, alice, nil) {
			t.Errorf("%v: another identity than %v", h, alice)
		}
	}
	if identityOf(all, http.Header{"Cookie": {"a", "b"}}, nil) != identityOf(all, http.Header{"Cookie": {"b", "a"}}, nil) {
		t.Error("the order of a header's values changed the identity")
	}
	for _, h := range []http.Header{
		{"X-Access-Token": {"alice", ""}, "X-Tenant-Id": {"acme"}},
		{"X-Access-Token": {"aliceX-Tenant-Id"}, "X-Tenant-Id": {"acme"}},
		{"X-Access-Token": {"alice"}, "X-Tenant-Id": {"acme"}, "X-Other": {""}},
	} {
		if identityOf(all, h, nil) == identityOf(all, alice, nil) {
			t.Errorf("%v: the same identity as %v", h, alice)
		}
	}
	extract := func(h http.Header) string { return "sub:" + h.Get("X-Tenant-Id") }
	if a, b := identityOf(all, alice, extract), identityOf(narrowed, bob, extract); a != "sub:acme" || b != a {
		t.Errorf("the extractor decides alone: %q, %q", a, b)
	}
}
