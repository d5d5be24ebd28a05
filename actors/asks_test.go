package actors

import (
	"context"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestAskerOn: a question on a session goes to the caller of the calls in flight there only
// when they are all one caller's; the call's own context wins over the session.
func TestAskerOn(t *testing.T) {
	cs := new(mcp.ClientSession) // a key only: never used as a session
	ada1, ada2, bob := &Asker{Key: "ada"}, &Asker{Key: "ada"}, &Asker{Key: "bob"}
	check := func(what string, want *Asker, wantOK bool) {
		t.Helper()
		if got, ok := askerOn(cs); ok != wantOK || (ok && (got == nil) != (want == nil)) || (got != nil && want != nil && got.Key != want.Key) {
			t.Errorf("%s: askerOn = %v, %v; want %v, %v", what, got, ok, want, wantOK)
		}
	}
	check("no call in flight", nil, true)
	askingStarted(cs, 1, ada1)
	check("one call", ada1, true)
	askingStarted(cs, 2, ada2)
	check("two calls of one caller", ada1, true)
	askingStarted(cs, 3, bob)
	check("calls of two callers", nil, false)
	if a, ok := whose(WithAsker(context.Background(), bob), cs); !ok || a != bob {
		t.Errorf("the call's own asker: %v %v", a, ok)
	}
	askingEnded(cs, 3)
	askingStarted(cs, 4, nil)
	check("a call without an asker beside one with", nil, false)
	for _, id := range []uint64{1, 2, 4} {
		askingEnded(cs, id)
	}
	check("all ended", nil, true)
	asksOn.Lock()
	defer asksOn.Unlock()
	if len(asksOn.calls) != 0 {
		t.Errorf("sessions left: %d", len(asksOn.calls))
	}
}
