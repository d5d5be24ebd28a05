package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/gateway"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// sessionless connects a client of the 2026-07-28 era (go-sdk's default) and checks that it
// is one: no session id, the modern protocol.
func sessionless(t *testing.T, url string, copts *mcp.ClientOptions, hc *http.Client) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "host", Version: "1"}, copts)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: hc}, nil)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	if v := cs.InitializeResult().ProtocolVersion; v < "2026-07-28" || cs.ID() != "" {
		t.Fatalf("client speaks %s with session id %q: want a sessionless 2026-07-28 client", v, cs.ID())
	}
	return cs
}

// byHand is a client that offers elicitation and sampling but answers input requests itself
// (go-sdk's own round trips are off): each round is the test's.
func byHand() *mcp.ClientOptions {
	return &mcp.ClientOptions{
		ElicitationHandler: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			return nil, errors.New("answered by hand")
		},
		CreateMessageHandler: func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			return nil, errors.New("answered by hand")
		},
		MultiRoundTrip: &mcp.MultiRoundTripOptions{Disabled: true},
	}
}

// firstRound calls tool and returns the requestState of the question it answers with.
func firstRound(t *testing.T, cs *mcp.ClientSession, tool string, args map[string]any) (string, mcp.InputRequest) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	if !res.NeedsInput() || res.RequestState == "" || len(res.InputRequests) != 1 {
		t.Fatalf("%s: %+v, want one input request and a requestState", tool, res)
	}
	for _, ir := range res.InputRequests {
		return res.RequestState, ir
	}
	panic("unreachable")
}

// nextRound calls tool again with state and responses.
func nextRound(cs *mcp.ClientSession, tool, state string, responses mcp.InputResponseMap) (*mcp.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	return cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: map[string]any{}, RequestState: state, InputResponses: responses})
}

// accept answers a form's "answer" field.
func accept(answer string) mcp.InputResponseMap {
	return mcp.InputResponseMap{"spine": &mcp.ElicitResult{Action: "accept", Content: map[string]any{"answer": answer}}}
}

// refused checks that err is an invalid-params JSON-RPC error that says what to do.
func refused(t *testing.T, what string, res *mcp.CallToolResult, err error, says string) {
	t.Helper()
	var je *jsonrpc.Error
	if !errors.As(err, &je) || je.Code != jsonrpc.CodeInvalidParams || !strings.Contains(je.Message, says) {
		t.Errorf("%s: %+v, %v; want an invalid-params error saying %q", what, res, err, says)
	}
}

const callAgain = "send the request again without requestState"

// TestRoundsForwarded: a sessionless client that offers elicitation and sampling is asked an
// upstream's questions as input requests, in rounds go-sdk's client runs by itself, and its
// answers reach the upstream — for each way a server asks (a 2025-11-25 request on the
// session, shared, or one call at a time; a 2026-07-28 input request). A decline reaches the
// upstream as one; a client that offers neither gets the clean decline.
func TestRoundsForwarded(t *testing.T) {
	spinetest.NoLeaks(t)
	s := serve(t, project(t, asksProject), nil)
	a := &asker{who: "ada"}
	roundTrips(t, sessionless(t, s.URL, a.options(), nil), a, "demo", "modern", "old", "old16")

	no := sessionless(t, s.URL, &mcp.ClientOptions{
		ElicitationHandler: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: "decline"}, nil
		},
	}, nil)
	for _, server := range []string{"demo", "modern"} {
		if got := callText(no, server+"__ask", map[string]any{"question": "q"}); got != "declined" {
			t.Errorf("%s__ask declined by the user: %q", server, got)
		}
	}
	declines(t, sessionless(t, s.URL, nil, nil), "demo", "modern", "old")
	if t.Failed() {
		t.Logf("stderr:\n%s", s.Stderr)
	}
}

// TestRoundsRefused: a requestState leads only to its own caller's call of its own tool, once.
// A forged, foreign, wrong-tool or used one gets an invalid-params error saying to call again
// without it, and the parked call is left to its owner.
func TestRoundsRefused(t *testing.T) {
	spinetest.NoLeaks(t)
	dir := project(t, asksProject+`
[serve.auth]
tokens_env = "TEST_SPINE_TOKENS"
`)
	s := serve(t, dir, []string{"TEST_SPINE_TOKENS=alice=s3cret-alice,bob=s3cret-bob"})
	as := func(token string) *mcp.ClientSession {
		return sessionless(t, s.URL, byHand(), &http.Client{Transport: bearer{token: token, next: http.DefaultTransport}})
	}
	alice, bob := as("s3cret-alice"), as("s3cret-bob")
	state, ir := firstRound(t, alice, "demo__ask", map[string]any{"question": "who?"})
	if ep, ok := ir.(*mcp.ElicitParams); !ok || ep.Message != "who?" {
		t.Fatalf("input request %#v, want the upstream's elicitation", ir)
	}
	res, err := nextRound(bob, "demo__ask", state, accept("bob"))
	refused(t, "bob with alice's requestState", res, err, callAgain)
	res, err = nextRound(alice, "modern__ask", state, accept("alice"))
	refused(t, "alice's requestState for another tool", res, err, callAgain)
	res, err = nextRound(alice, "demo__ask", "0123456789abcdef0123456789abcdef", accept("alice"))
	refused(t, "a forged requestState", res, err, callAgain)
	res, err = nextRound(alice, "demo__ask", state, nil)
	refused(t, "no inputResponses", res, err, `inputResponses["spine"]`)
	// Still parked for alice: her answer goes through.
	res, err = nextRound(alice, "demo__ask", state, accept("alice"))
	if err != nil || res.IsError || text(res) != "answer: alice" {
		t.Errorf("alice's answer: %+v, %v; want \"answer: alice\"", res, err)
	}
	res, err = nextRound(alice, "demo__ask", state, accept("alice"))
	refused(t, "a used requestState", res, err, callAgain)
	if t.Failed() {
		t.Logf("stderr:\n%s", s.Stderr)
	}
}

// TestRoundsAbandoned: a client that never comes back has its question declined after
// [serve] input_timeout: the upstream call ends, the requestState is refused after, and
// spine serve still exits cleanly.
func TestRoundsAbandoned(t *testing.T) {
	spinetest.NoLeaks(t)
	dir := project(t, asksProject+`
[serve]
input_timeout = "300ms"
`)
	s := serve(t, dir, nil)
	cs := sessionless(t, s.URL, byHand(), nil)
	var states []string
	for _, server := range []string{"demo", "modern"} {
		state, _ := firstRound(t, cs, server+"__ask", map[string]any{"question": "anyone?"})
		states = append(states, state)
	}
	spinetest.Eventually(t, spinetest.Patience, "both questions declined and the upstream calls ended", func() bool {
		return strings.Count(s.Stderr.String(), "its client did not come back") == 2 &&
			busy(t, s.URL, "demo") == 0 && busy(t, s.URL, "modern") == 0
	})
	res, err := nextRound(cs, "demo__ask", states[0], accept("late"))
	refused(t, "an expired requestState", res, err, callAgain)
}

// TestRoundsCancelled: a sessionless client that offers elicitation and cancels its call
// while no question is parked cancels the upstream call, as without rounds.
func TestRoundsCancelled(t *testing.T) {
	spinetest.NoLeaks(t)
	// Only the cancellation can end the call within the test's patience.
	s := serve(t, project(t, demoProject+`
[servers.patient]
command = "@SPINE@"
args = ["demo-server"]
call_timeout = "10m"
`), nil)
	a := &asker{who: "ada"}
	cs := sessionless(t, s.URL, a.options(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "patient__hang", Arguments: map[string]any{}})
		done <- err
	}()
	spinetest.Eventually(t, spinetest.Patience, "the upstream call to start", func() bool { return busy(t, s.URL, "patient") == 1 })
	cancel()
	if err := <-done; err == nil {
		t.Error("the cancelled call answered")
	}
	spinetest.Eventually(t, spinetest.Patience, "the upstream call to be cancelled", func() bool { return busy(t, s.URL, "patient") == 0 })
}

// TestRoundsInProcess: with the gateway in the test process, closing it while calls are
// parked (one on a 2025-11-25 upstream, one on a 2026-07-28 one) ends them: no goroutine of
// the gateway's is left, and no server process.
func TestRoundsInProcess(t *testing.T) {
	spinetest.NoLeaks(t)
	modern := spinetest.Demo(t, "modern")
	modern.Protocol = "2026-07-28"
	p := spinetest.Project(spinetest.Demo(t, "demo"), modern)
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	// Only the close can end the parked calls within the test's patience.
	gw, err := gateway.New(ctx, p, gateway.Options{InputTimeout: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler(gateway.HTTPOptions{}))
	cs := sessionless(t, srv.URL+"/mcp", byHand(), nil)
	for _, server := range []string{"demo", "modern"} {
		firstRound(t, cs, server+"__ask", map[string]any{"question": "q"})
	}
	_ = cs.Close()
	srv.Close()
	closeCtx, cancelClose := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancelClose()
	if err := gw.Close(closeCtx); err != nil {
		t.Errorf("close with calls parked: %v", err)
	}
}
