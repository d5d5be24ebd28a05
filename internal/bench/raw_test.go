package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/internal/demoserver"
	"github.com/spine-mcp/spine/internal/spinetest"
)

func echo(t *testing.T, s *RawSession) {
	t.Helper()
	res, err := s.ClientSession().CallTool(context.Background(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "hi"}})
	if err != nil || res.IsError {
		t.Fatalf("echo: %v %+v", err, res)
	}
	if text := res.Content[0].(*mcp.TextContent).Text; text != "hi" {
		t.Fatalf("echo answered %q", text)
	}
}

// A stdio session runs the server in a process group of its own, with the spec's environment
// and protocol, and Close leaves nothing of the group running.
func TestConnectStdio(t *testing.T) {
	spinetest.NoLeaks(t)
	spec := spinetest.Demo(t, "demo")
	spec.Env = map[string]string{"DEMO_GREETING": "raw hello"}
	spec.Protocol = "2025-06-18"
	s, err := Connect(context.Background(), spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	pid := s.Pid()
	if pgid, err := syscall.Getpgid(pid); err != nil || pgid != pid {
		t.Errorf("server pid %d in group %d (%v), want a group of its own", pid, pgid, err)
	}
	init := s.ClientSession().InitializeResult()
	if init.ProtocolVersion != "2025-06-18" || !strings.Contains(init.Instructions, "raw hello") {
		t.Errorf("protocol %q, instructions %q", init.ProtocolVersion, init.Instructions)
	}
	echo(t, s)
	s.Close()
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("server %d still running after Close", pid)
	}
}

// What the server forked goes with it: Close kills the whole process group.
func TestConnectStdioKillsTheGroup(t *testing.T) {
	spinetest.NoLeaks(t)
	spec := spinetest.Demo(t, "demo")
	spec.Command, spec.Args = "/bin/sh", []string{"-c", `sleep 317 & exec "$0" demo-server`, spec.Command}
	s, err := Connect(context.Background(), spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	echo(t, s)
	group := s.Pid()
	inGroup := func() (n int) {
		for _, pid := range spinetest.Processes("sleep\x00317\x00") { // its command line
			if pgid, err := syscall.Getpgid(pid); err == nil && pgid == group {
				n++
			}
		}
		return n
	}
	spinetest.Eventually(t, 5*time.Second, "the forked sleep", func() bool { return inGroup() == 1 })
	s.Close()
	spinetest.Eventually(t, 5*time.Second, "the forked sleep killed", func() bool { return inGroup() == 0 })
}

func TestConnectFails(t *testing.T) {
	spinetest.NoLeaks(t)
	spec := spinetest.Demo(t, "gone")
	spec.Command = "/nonexistent/server"
	if _, err := Connect(context.Background(), spec, nil); err == nil || !strings.Contains(err.Error(), `server "gone"`) {
		t.Errorf("Connect of a missing command: %v", err)
	}
	spec = spinetest.Demo(t, "silent")
	spec.Command, spec.Args = "/bin/sh", []string{"-c", "exec sleep 60"}
	spec.ConnectTimeout = 200 * time.Millisecond
	start := time.Now()
	_, err := Connect(context.Background(), spec, nil)
	if err == nil || !strings.Contains(err.Error(), "connect_timeout") {
		t.Errorf("Connect of a server that never answers: %v", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("Connect took %s to give up", d)
	}
}

// HTTP and SSE sessions send the spec's headers to the server.
func TestConnectHTTP(t *testing.T) {
	spinetest.NoLeaks(t)
	server := demoserver.New(demoserver.Options{})
	for _, c := range []struct {
		transport capability.Transport
		handler   http.Handler
	}{
		{capability.TransportHTTP, mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)},
		{capability.TransportSSE, mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return server }, nil)},
	} {
		t.Run(string(c.transport), func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "Bearer sesame" {
					http.Error(w, "who are you", http.StatusUnauthorized)
					return
				}
				c.handler.ServeHTTP(w, r)
			}))
			defer ts.Close()
			spec := capability.ServerSpec{Name: "remote", Transport: c.transport, URL: ts.URL, Enabled: true,
				Policy: capability.DefaultPolicy()}
			if _, err := Connect(context.Background(), spec, nil); err == nil {
				t.Fatal("connected without the header")
			}
			spec.Headers = map[string]string{"Authorization": "Bearer sesame"}
			s, err := Connect(context.Background(), spec, nil)
			if err != nil {
				t.Fatal(err)
			}
			if s.Pid() != 0 {
				t.Errorf("pid %d for an HTTP session", s.Pid())
			}
			echo(t, s)
			s.Close()
		})
	}
}

func TestHeaderRoundTripperKeepsToTheOrigin(t *testing.T) {
	var got []string
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = append(got, r.URL.Host+"="+r.Header.Get("X-Key"))
		return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Request: r}, nil
	})
	rt := &headerRoundTripper{base: base, origin: originOf("http://127.0.0.1:8080/mcp"), headers: map[string]string{"X-Key": "k"}}
	for _, u := range []string{"http://127.0.0.1:8080/mcp", "http://127.0.0.1:8080/message?id=1", "http://elsewhere:8080/mcp", "https://127.0.0.1:8080/mcp"} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if _, err := rt.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if req.Header.Get("X-Key") != "" {
			t.Errorf("the caller's request was changed")
		}
	}
	want := "127.0.0.1:8080=k 127.0.0.1:8080=k elsewhere:8080= 127.0.0.1:8080="
	if strings.Join(got, " ") != want {
		t.Errorf("headers sent: %v, want %s", got, want)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
