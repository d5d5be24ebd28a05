package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/cluster"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// legacy makes a go-sdk client speak 2025-11-25: initialize, Mcp-Session-Id, the GET stream.
var legacy = &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"}

// downstream is one client session behind the load balancer and what its counter said.
type downstream struct {
	cs    *mcp.ClientSession
	owner string
	count []string
}

// TestClusterSessions: 20 legacy sessions behind a round-robin balancer over three nodes
// count 1,2,3 on an affinity server with their requests landing on every node; shared-server
// calls are served by whichever node receives them. When the owner of some sessions is
// killed, those get 404 on their next request and start over on a live node; the others are
// untouched. Forged and altered ids are refused and never routed.
func TestClusterSessions(t *testing.T) {
	spinetest.NoLeaks(t)
	bin := spinetest.Binary(t)
	t.Cleanup(func() {
		spinetest.Eventually(t, spinetest.Patience, "demo server processes to exit", func() bool {
			return len(spinetest.Processes(bin+"\x00demo-server")) == 0
		})
	})
	nodes := startCluster(t, projectDir(t, clusterProject))
	lb := newBalancer(t, nodes)
	front := httptest.NewServer(lb)
	t.Cleanup(front.Close)
	signer, err := cluster.NewSigner([]byte(testKey))
	if err != nil {
		t.Fatal(err)
	}
	owners := map[string]int{}
	for i, n := range nodes {
		owners[n.addr] = i
	}

	sessions := make([]*downstream, 20)
	for i := range sessions {
		lb.steer(i % len(nodes)) // the initialize lands on node i%3, which owns the session
		cs := connect(t, front.URL+"/mcp", legacy)
		owner, err := signer.Owner(cs.ID())
		if err != nil || owner != nodes[i%len(nodes)].addr {
			t.Fatalf("session %d: id %q names owner %q (%v), want the node that initialized it, %s", i, cs.ID(), owner, err, nodes[i%len(nodes)].addr)
		}
		sessions[i] = &downstream{cs: cs, owner: owner}
	}
	for range 3 {
		eachSession(t, sessions, func(d *downstream) error {
			got, err := callText(d.cs, "aff__counter", nil)
			d.count = append(d.count, got)
			if err != nil {
				return err
			}
			if echo, err := callText(d.cs, "demo__echo", map[string]any{"text": "hi"}); err != nil || echo != "hi" {
				return fmt.Errorf("demo__echo = %q, %v; want hi", echo, err)
			}
			return nil
		})
	}
	for i, d := range sessions {
		if got := strings.Join(d.count, ","); got != "1,2,3" {
			t.Errorf("session %d (owner %s) counted %s, want 1,2,3", i, d.owner, got)
		}
	}
	for i, n := range nodes {
		if lb.hits[i].Load() == 0 {
			t.Errorf("node %d received no request", i)
		}
		if n.metric(t, "spine_cluster_requests_total", `route="forwarded"`) == 0 {
			t.Errorf("node %d forwarded no request to an owner", i)
		}
		if n.metric(t, "spine_cluster_requests_total", `route="served_for_peer"`) == 0 {
			t.Errorf("node %d served no request for a peer", i)
		}
		// Each node served shared calls itself, those of other nodes' sessions included.
		if n.metric(t, "spine_calls_total", `server="demo"`) == 0 || n.metric(t, "spine_cluster_requests_total", `route="shared_here"`) == 0 {
			t.Errorf("node %d served no shared-server call of another node's session", i)
		}
	}

	t.Run("forged ids", func(t *testing.T) { forgedIDs(t, nodes, sessions[1].cs.ID()) })
	t.Run("progress relayed", func(t *testing.T) { progressRelayed(t, nodes) })

	// A sessionless (2026-07-28) client's handles, one opened on each node, count through
	// every node too.
	modern := connect(t, front.URL+"/mcp", nil)
	handles := make([]string, len(nodes))
	for i := range nodes {
		lb.steer(i)
		res, err := modern.CallTool(context.Background(), &mcp.CallToolParams{Name: "aff__open_session"})
		if err != nil || res.IsError {
			t.Fatalf("open_session: %v %v", err, res)
		}
		handles[i], _ = res.StructuredContent.(map[string]any)["spine_session"].(string)
		if owner, err := signer.Owner(strings.TrimPrefix(handles[i], "h-")); err != nil || owner != nodes[i].addr {
			t.Fatalf("handle %q names %q (%v), want %s", handles[i], owner, err, nodes[i].addr)
		}
	}
	for round := 1; round <= 3; round++ {
		for i, h := range handles {
			if got, err := callText(modern, "aff__counter", map[string]any{"spine_session": h}); err != nil || got != fmt.Sprint(round) {
				t.Errorf("handle of node %d: counter = %q, %v; want %d", i, got, err, round)
			}
		}
	}

	// The owner of sessions 0, 3, 6... dies; the balancer's health check takes it out.
	lb.remove(0)
	nodes[0].Kill()
	if got, err := callText(modern, "aff__counter", map[string]any{"spine_session": handles[0]}); err == nil || !strings.Contains(got, "node is gone") {
		t.Errorf("the killed node's handle: counter = %q, %v; want a tool error saying its node is gone", got, err)
	}
	for i, h := range handles[1:] {
		if got, err := callText(modern, "aff__counter", map[string]any{"spine_session": h}); err != nil || got != "4" {
			t.Errorf("handle of node %d: counter = %q, %v; want 4", i+1, got, err)
		}
	}
	eachSession(t, sessions, func(d *downstream) error {
		got, err := callText(d.cs, "aff__counter", nil)
		if d.owner != nodes[0].addr {
			if err != nil || got != "4" {
				return fmt.Errorf("a session of a live node: counter = %q, %v; want 4", got, err)
			}
			d.count = append(d.count, got)
			return nil
		}
		if !sessionMissing(err) {
			return fmt.Errorf("a session of the killed node: counter = %q, %v; want the session missing (404)", got, err)
		}
		_ = d.cs.Close()
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).
			Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: front.URL + "/mcp"}, legacy)
		if err != nil {
			return fmt.Errorf("initialize again: %w", err)
		}
		d.cs = cs
		if d.owner, err = signer.Owner(cs.ID()); err != nil || d.owner == nodes[0].addr {
			return fmt.Errorf("the new session is owned by %q (%v), want a live node", d.owner, err)
		}
		if got, err := callText(cs, "aff__counter", nil); err != nil || got != "1" {
			return fmt.Errorf("the new session: counter = %q, %v; want a new sequence, 1", got, err)
		}
		d.count = []string{"1"}
		return nil
	})
	if lost := nodes[1].metric(t, "spine_cluster_requests_total", `route="owner_lost"`) + nodes[2].metric(t, "spine_cluster_requests_total", `route="owner_lost"`); lost == 0 {
		t.Error("no request was counted as owner_lost")
	}

	// Node 1 leaves (SIGTERM: it drains and exits 130): its sessions end with it, node 2's
	// go on.
	lb.remove(1)
	nodes[1].Stop(t)
	eachSession(t, sessions, func(d *downstream) error {
		want := len(d.count) + 1
		got, err := callText(d.cs, "aff__counter", nil)
		if d.owner == nodes[1].addr {
			if !sessionMissing(err) {
				return fmt.Errorf("a session of the node that left: counter = %q, %v; want the session missing (404)", got, err)
			}
			return nil
		}
		if err != nil || got != fmt.Sprint(want) {
			return fmt.Errorf("a session of the remaining node: counter = %q, %v; want %d", got, err, want)
		}
		return nil
	})
	for _, d := range sessions {
		_ = d.cs.Close()
	}
}

// sessionMissing says whether err is the client's word that its session is gone (404): on
// the call itself, or on the session's GET stream when that stream was refused first —
// go-sdk then closes the connection, and the call fails with ErrConnectionClosed naming the
// refusal in words only (jsonrpc2 does not wrap it).
func sessionMissing(err error) bool {
	return errors.Is(err, mcp.ErrSessionMissing) ||
		errors.Is(err, mcp.ErrConnectionClosed) && strings.Contains(err.Error(), mcp.ErrSessionMissing.Error())
}

// progressRelayed: a call in a session of node 0 whose requests all land on node 1 gets the
// upstream's progress notifications streamed back through the forwarding hop while it runs,
// and its cancellation reaches the owner.
func progressRelayed(t *testing.T, nodes []*node) {
	owner, other := strings.TrimSuffix(nodes[0].URL, "/mcp"), strings.TrimSuffix(nodes[1].URL, "/mcp")
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		to := other
		if bytes.Contains(body, []byte(`"method":"initialize"`)) {
			to = owner
		}
		proxy(w, r, to)
	}))
	defer front.Close()
	var mu sync.Mutex
	var progress []string
	copts := &mcp.ClientOptions{ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
		mu.Lock()
		progress = append(progress, req.Params.Message)
		mu.Unlock()
	}}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, copts).
		Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: front.URL + "/mcp"}, legacy)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	forwarded := nodes[1].metric(t, "spine_cluster_requests_total", `route="forwarded"`)
	// The sleep outlasts the test: its first progress notification can only arrive streamed,
	// while the call runs; then the call is cancelled, through the hop.
	params := &mcp.CallToolParams{Name: "aff__sleep", Arguments: map[string]any{"ms": 3_600_000}}
	params.SetProgressToken("p1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // before cs.Close, which waits for the call
	done := make(chan error, 1)
	go func() {
		_, err := cs.CallTool(ctx, params)
		done <- err
	}()
	spinetest.Eventually(t, spinetest.Patience, "the first progress notification, while the call runs", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(progress) > 0
	})
	select {
	case err := <-done:
		t.Fatalf("the call ended before it was cancelled: %v", err)
	default:
	}
	cancel()
	if err := <-done; err == nil {
		t.Error("the cancelled call succeeded")
	}
	mu.Lock()
	got := strings.Join(progress, ",")
	mu.Unlock()
	if got != "falling asleep" {
		t.Errorf("progress: %q, want falling asleep", got)
	}
	if nodes[1].metric(t, "spine_cluster_requests_total", `route="forwarded"`) <= forwarded {
		t.Error("node 1 forwarded nothing: the call did not cross the hop")
	}
}

// TestClusterConfigErrors: a cluster without its signing key, or peers without this node's
// address, exits 2 saying what to set.
func TestClusterConfigErrors(t *testing.T) {
	dir := projectDir(t, clusterProject)
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"no key", []string{"SPINE_CLUSTER_KEY="}, []string{"--cluster-address", "127.0.0.1:7801", "--cluster-peers", "127.0.0.1:7801,127.0.0.1:7802"}, "SPINE_CLUSTER_KEY is not set"},
		{"no address", []string{"SPINE_CLUSTER_KEY=" + testKey}, []string{"--cluster-peers", "127.0.0.1:7801"}, "[cluster] address"},
		{"short key", []string{"SPINE_CLUSTER_KEY=short"}, []string{"--cluster-address", "127.0.0.1:7801"}, "at least 32 bytes"},
		{"bad peer", []string{"SPINE_CLUSTER_KEY=" + testKey}, []string{"--cluster-address", "127.0.0.1:7801", "--cluster-peers", "nohost"}, `peer "nohost"`},
	} {
		cmd := exec.Command(spinetest.Binary(t), append([]string{"serve", "--http", "127.0.0.1:0"}, tc.args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), tc.env...)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), tc.want) {
			t.Errorf("%s: %v\n%s\nwant exit 2 saying %q", tc.name, err, out, tc.want)
		}
	}
}

// forgedIDs: an id not minted by the cluster, or one whose owner was altered, gets 404 from
// every node and is not forwarded.
func forgedIDs(t *testing.T, nodes []*node, real string) {
	parts := strings.Split(real, ".")
	if len(parts) != 3 {
		t.Fatalf("session id %q: want RANDOM.OWNER.MAC", real)
	}
	other := strings.Replace(real, parts[1], "MTI3LjAuMC4xOjE", 1) // another owner, same MAC
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"aff__counter"}}`
	for i, n := range nodes {
		before := n.metric(t, "spine_cluster_requests_total", `route="forwarded"`)
		rejected := n.metric(t, "spine_cluster_requests_total", `route="rejected"`)
		for _, id := range []string{"forged", parts[0] + "." + parts[1] + ".AAAAAAAAAAAAAAAAAAAAAA", other} {
			req, _ := http.NewRequest(http.MethodPost, n.URL, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Mcp-Session-Id", id)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("node %d, session id %q: status %d, want 404", i, id, resp.StatusCode)
			}
		}
		handle := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"aff__counter","arguments":{"spine_session":"h-` + other + `"}}}`
		resp, err := http.Post(n.URL, "application/json", strings.NewReader(handle))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("node %d, altered handle: status %d, want 404", i, resp.StatusCode)
		}
		if got := n.metric(t, "spine_cluster_requests_total", `route="forwarded"`); got != before {
			t.Errorf("node %d forwarded a forged id (%v forwarded, was %v)", i, got, before)
		}
		if got := n.metric(t, "spine_cluster_requests_total", `route="rejected"`); got != rejected+4 {
			t.Errorf("node %d rejected %v ids, want %v", i, got-rejected, 4)
		}
	}
}

// connect opens a go-sdk client session to url; it closes with the test.
func connect(t *testing.T, url string, opts *mcp.ClientSessionOptions) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).
		Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url}, opts)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// callText calls tool and returns the result's text; a tool error is an error.
func callText(cs *mcp.ClientSession, tool string, args map[string]any) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	if res.IsError {
		return b.String(), fmt.Errorf("tool error: %s", b.String())
	}
	return b.String(), nil
}

// eachSession runs f for every session at once and fails the test with their errors.
func eachSession(t *testing.T, sessions []*downstream, f func(*downstream) error) {
	t.Helper()
	errs := make([]error, len(sessions))
	var wg sync.WaitGroup
	for i, d := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(d)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("session %d: %v", i, err)
		}
	}
}
