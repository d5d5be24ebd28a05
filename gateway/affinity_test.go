package gateway_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// affinityProject has one affinity demo server.
const affinityProject = `
[servers.aff]
command = "@SPINE@"
args = ["demo-server"]
isolation = "affinity"
`

// TestAffinityPerDownstreamSession: two downstream sessions calling counter concurrently
// each count 1, 2, 3 on an upstream session of their own; a crash in one is reported to it
// once, its next call starts at 1, and the other session is untouched.
func TestAffinityPerDownstreamSession(t *testing.T) {
	spinetest.NoLeaks(t)
	s := serve(t, project(t, affinityProject), nil)
	a, b := connect(t, s.URL, legacy, nil), connect(t, s.URL, legacy, nil)

	var wg sync.WaitGroup
	counts := make([][]string, 2)
	for i, cs := range []*mcp.ClientSession{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "aff__counter"})
				cancel()
				if err != nil {
					counts[i] = append(counts[i], err.Error())
					continue
				}
				counts[i] = append(counts[i], text(res))
			}
		}()
	}
	wg.Wait()
	for i, c := range counts {
		if got := strings.Join(c, ","); got != "1,2,3" {
			t.Errorf("session %d counted %s, want 1,2,3", i, got)
		}
	}
	// The start-up probe's session (which listed the server) ends in the background.
	spinetest.Eventually(t, spinetest.Patience, "one demo server per downstream session", func() bool { return demoServers(t) == 2 })

	got, res := call(t, a, "aff__crash", nil)
	if !res.IsError || !strings.Contains(got, "state was lost") {
		t.Errorf("crash: isError %v, %q; want the lost state reported", res.IsError, got)
	}
	if got, res := call(t, a, "aff__counter", nil); res.IsError || got != "1" {
		t.Errorf("after the crash: isError %v, %q; want a new session counting from 1 (the loss reported once)", res.IsError, got)
	}
	if got, _ := call(t, b, "aff__counter", nil); got != "4" {
		t.Errorf("the other session: %q, want 4", got)
	}
}

// TestAffinityLossBetweenCalls: an upstream session that dies between two calls (its process
// killed) fails the downstream session's next call once, saying the state was lost; the call
// after it starts afresh.
func TestAffinityLossBetweenCalls(t *testing.T) {
	spinetest.NoLeaks(t)
	s := serve(t, project(t, affinityProject), nil)
	cs := connect(t, s.URL, legacy, nil)
	call(t, cs, "aff__counter", nil)
	// The start-up probe's session (which listed the server) ends in the background.
	var pids []int
	spinetest.Eventually(t, spinetest.Patience, "one demo server", func() bool {
		pids = spinetest.Processes(spinetest.Binary(t) + "\x00demo-server")
		return len(pids) == 1
	})
	killProcess(t, pids[0])
	spinetest.Eventually(t, spinetest.Patience, "the demo server to exit", func() bool { return demoServers(t) == 0 })
	// The loss reaches the gateway as an event after the exit: the first call that comes
	// after it is failed; the one after that starts at 1.
	var got []string
	spinetest.Eventually(t, spinetest.Patience, "the loss to be reported", func() bool {
		out, res := call(t, cs, "aff__counter", nil)
		got = append(got, out)
		return res.IsError
	})
	if last := got[len(got)-1]; !strings.Contains(last, "state was lost") {
		t.Errorf("reported %q", last)
	}
	if len(got) > 1 {
		t.Logf("calls before the report: %v", got[:len(got)-1])
	}
	if out, res := call(t, cs, "aff__counter", nil); res.IsError || out != "1" {
		t.Errorf("after the report: isError %v %q, want 1", res.IsError, out)
	}
}

// TestAffinitySessionsClosed: 200 downstream sessions opened, used and closed leave no
// upstream process.
func TestAffinitySessionsClosed(t *testing.T) {
	spinetest.NoLeaks(t)
	s := serve(t, project(t, affinityProject), nil)
	const sessions, parallel = 200, 8
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for i := range sessions {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
			defer cancel()
			c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
			cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: s.URL}, legacy)
			if err != nil {
				errs <- err
				return
			}
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "aff__counter"})
			if err == nil && text(res) != "1" {
				err = fmt.Errorf("session %d: counter %q, want 1", i, text(res))
			}
			if err != nil {
				errs <- err
			}
			_ = cs.Close() // DELETE
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	spinetest.Eventually(t, spinetest.Patience, "every upstream process to exit", func() bool { return demoServers(t) == 0 })
}

// TestAffinityHandles: a sessionless (2026-07-28) client reaches an affinity server through
// <server>__open_session handles: each handle is an upstream session of its own, closing it
// ends that session, and a closed handle is refused, saying so.
func TestAffinityHandles(t *testing.T) {
	spinetest.NoLeaks(t)
	s := serve(t, project(t, affinityProject), nil)
	cs := connect(t, s.URL, nil, nil)
	if v := cs.InitializeResult().ProtocolVersion; v < "2026-07-28" {
		t.Fatalf("negotiated %s, want the sessionless protocol", v)
	}
	open := func() string {
		h, res := call(t, cs, "aff__open_session", nil)
		if res.IsError || !strings.HasPrefix(h, "h-") {
			t.Fatalf("open_session: %q", h)
		}
		return h
	}
	h1, h2 := open(), open()
	for _, step := range []struct{ handle, want string }{{h1, "1"}, {h1, "2"}, {h2, "1"}, {h1, "3"}} {
		if got, res := call(t, cs, "aff__counter", map[string]any{"spine_session": step.handle}); res.IsError || got != step.want {
			t.Errorf("counter in %s: %q, want %s", step.handle, got, step.want)
		}
	}
	// The start-up probe's session (which listed the server) ends in the background.
	spinetest.Eventually(t, spinetest.Patience, "one demo server per handle", func() bool { return demoServers(t) == 2 })
	if _, res := call(t, cs, "aff__close_session", map[string]any{"spine_session": h1}); res.IsError {
		t.Error("close_session failed")
	}
	spinetest.Eventually(t, spinetest.Patience, "the closed handle's server to exit", func() bool { return demoServers(t) == 1 })
	if got, res := call(t, cs, "aff__counter", map[string]any{"spine_session": h1}); !res.IsError || !strings.Contains(got, "expired") {
		t.Errorf("a closed handle: isError %v, %q", res.IsError, got)
	}
	if got, _ := call(t, cs, "aff__counter", map[string]any{"spine_session": h2}); got != "2" {
		t.Errorf("the other handle: %q, want 2", got)
	}
}
