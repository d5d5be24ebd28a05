package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

func TestMain(m *testing.M) { spinetest.Main(m) }

// legacy asks go-sdk's client for the session-based protocol (initialize, Mcp-Session-Id).
var legacy = &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"}

// project writes spine.toml into a fresh directory: toml, with every "@SPINE@" replaced by
// the spine binary under test.
func project(t *testing.T, toml string) string {
	t.Helper()
	dir := t.TempDir()
	writeProject(t, dir, toml)
	return dir
}

// writeProject writes toml as dir/spine.toml, "@SPINE@" replaced by the binary under test.
func writeProject(t testing.TB, dir, toml string) {
	t.Helper()
	toml = strings.ReplaceAll(toml, "@SPINE@", spinetest.Binary(t))
	if err := os.WriteFile(filepath.Join(dir, "spine.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
}

// demoProject is a project of one shared demo server "demo" and one affinity demo server
// "aff".
const demoProject = `
[servers.demo]
command = "@SPINE@"
args = ["demo-server"]

[servers.aff]
command = "@SPINE@"
args = ["demo-server"]
isolation = "affinity"
`

// serving is a running `spine serve --http`.
type serving = spinetest.Serving

// serve starts `spine serve --http 127.0.0.1:0 args...` in dir and waits for its URL. The
// test's cleanup stops it with SIGTERM and checks that it exits (130).
func serve(t *testing.T, dir string, env []string, args ...string) *serving {
	t.Helper()
	return spinetest.Serve(t, dir, env, args...)
}

// connect opens a go-sdk client session to url; opts nil speaks go-sdk's default (2026-07-28
// first). The session closes with the test.
func connect(t *testing.T, url string, opts *mcp.ClientSessionOptions, copts *mcp.ClientOptions) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, copts)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url}, opts)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// call calls tool with args and returns the result's text; a Go error fails the test.
func call(t *testing.T, cs *mcp.ClientSession, tool string, args map[string]any) (string, *mcp.CallToolResult) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", tool, err)
	}
	return text(res), res
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// demoServers counts the demo server processes started from the binary under test.
func demoServers(t *testing.T) int {
	return len(spinetest.Processes(spinetest.Binary(t) + "\x00demo-server"))
}

// upstream is an MCP server in the test process, served over streamable HTTP on loopback:
// a tool "tick" that reports progress, a resource template tick://{n}, and a record of the headers of every request.
type upstream struct {
	url     string
	mu      sync.Mutex
	headers []http.Header
}

func newUpstream(t *testing.T) *upstream { return newUpstreamAt(t, "", nil) }

// newUpstreamAt is newUpstream listening on addr ("" = any loopback port). With acks, tick
// sends its next notification only once the test has received the last one (a send on acks):
// every notification has its turn through the gateway, whatever the machine's load.
func newUpstreamAt(t *testing.T, addr string, acks <-chan struct{}) *upstream {
	t.Helper()
	u := &upstream{}
	s := mcp.NewServer(&mcp.Implementation{Name: "ticker", Version: "1"}, nil)
	type tickIn struct {
		N int `json:"n"`
	}
	mcp.AddTool(s, &mcp.Tool{Name: "tick", Description: "reports n progress notifications, then answers"},
		func(ctx context.Context, req *mcp.CallToolRequest, in tickIn) (*mcp.CallToolResult, any, error) {
			token := req.Params.GetProgressToken()
			for i := 1; i <= in.N && token != nil; i++ {
				if err := req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
					ProgressToken: token, Progress: float64(i), Total: float64(in.N), Message: fmt.Sprintf("tick %d", i),
				}); err != nil {
					return nil, nil, err
				}
				if acks != nil {
					select {
					case <-acks:
					case <-ctx.Done():
						return nil, nil, ctx.Err()
					}
				}
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprintf("ticked %d", in.N)}}}, nil, nil
		})
	s.AddResourceTemplate(&mcp.ResourceTemplate{Name: "tick", URITemplate: "tick://{n}"},
		func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, Text: "read " + req.Params.URI}}}, nil
		})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.headers = append(u.headers, r.Header.Clone())
		u.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	if addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		srv.Listener.Close()
		srv.Listener = ln
	}
	srv.Start()
	t.Cleanup(func() {
		for ss := range s.Sessions() {
			_ = ss.Close()
		}
		srv.Close()
	})
	u.url = srv.URL + "/mcp"
	return u
}

// sawHeader reports whether any request carried header name with a value containing substr.
func (u *upstream) sawHeader(name, substr string) (requests int, seen bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, h := range u.headers {
		for _, v := range h.Values(name) {
			if strings.Contains(v, substr) {
				seen = true
			}
		}
	}
	return len(u.headers), seen
}

// killProcess kills pid with SIGKILL.
func killProcess(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
}

// busy returns how many sessions of server are busy, from /names.json.
func busy(t *testing.T, mcpURL, server string) int {
	t.Helper()
	var st struct {
		Pools struct {
			Servers map[string]struct {
				Sessions struct {
					Busy int `json:"busy"`
				} `json:"sessions"`
			} `json:"servers"`
		} `json:"pools"`
	}
	getJSON(t, strings.TrimSuffix(mcpURL, "/mcp")+"/names.json", &st)
	return st.Pools.Servers[server].Sessions.Busy
}

// getJSON decodes the JSON document at url into v.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func asExit(err error, target **exec.ExitError) bool { return errors.As(err, target) }

// sessions counts the distinct Mcp-Session-Id values the upstream saw.
func (u *upstream) sessions() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	ids := map[string]bool{}
	for _, h := range u.headers {
		if id := h.Get("Mcp-Session-Id"); id != "" {
			ids[id] = true
		}
	}
	return len(ids)
}
