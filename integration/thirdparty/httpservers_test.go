package thirdparty

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// nodeHTTP runs `node args...` (in integration/thirdparty, with env added) as an HTTP MCP
// server until the test ends, when it is killed. It stays in the test's process group, so that
// serverTrees does not take it for a server SPINE started (it starts no children). ready is
// given every line the server writes (stdout and stderr) and returns the server's URL once a
// line says it listens. It returns that URL.
func nodeHTTP(t *testing.T, env []string, ready func(line string) (string, bool), args ...string) string {
	t.Helper()
	cmd := exec.Command("node", args...)
	cmd.Dir = requireServers(t)
	cmd.Env = append(cmd.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout // one pipe, read by one goroutine
	if err := cmd.Start(); err != nil {
		t.Fatalf("node %v: %v", args, err)
	}
	urls := make(chan string, 1)
	var tail lines
	read := make(chan struct{})
	go func() { // ends when the process is gone and the pipe closes
		defer close(read)
		found := false
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			tail.add(sc.Text())
			if u, ok := ready(sc.Text()); ok && !found {
				found = true
				urls <- u
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-read
		_ = cmd.Wait()
	})
	select {
	case u := <-urls:
		return u
	case <-read:
		t.Fatalf("node %v ended before it listened: %s", args, tail.String())
	case <-time.After(testTimeout):
		t.Fatalf("node %v: not listening after %s: %s", args, testTimeout, tail.String())
	}
	return ""
}

// lines keeps what a server wrote, for a failure's message.
type lines struct {
	mu  sync.Mutex
	buf []string
}

func (l *lines) add(s string) {
	l.mu.Lock()
	l.buf = append(l.buf, s)
	l.mu.Unlock()
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.buf, "\n")
}

// freePort returns a loopback port nothing listens on now, for a server that takes its port
// from the environment and cannot be told to pick one itself.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// everythingHTTP runs server-everything over transport ("streamableHttp" or "sse") and returns
// its endpoint's URL.
func everythingHTTP(t *testing.T, transport string) string {
	t.Helper()
	port := strconv.Itoa(freePort(t))
	path := map[string]string{"streamableHttp": "/mcp", "sse": "/sse"}[transport]
	return nodeHTTP(t, []string{"PORT=" + port}, func(line string) (string, bool) {
		if strings.Contains(line, "port "+port) {
			return "http://127.0.0.1:" + port + path, true
		}
		return "", false
	}, entry(t, everything), transport)
}

// discoverCounter is a reverse proxy in front of an HTTP MCP server that counts the
// server/discover requests it forwards: the probes of protocol = "auto".
type discoverCounter struct {
	discovers atomic.Int64
	url       string
}

func newDiscoverCounter(t *testing.T, target string) *discoverCounter {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	c := &discoverCounter{}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	proxy.FlushInterval = -1 // event streams pass through at once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			body, _ := io.ReadAll(r.Body)
			if bytes.Contains(body, []byte(`"server/discover"`)) {
				c.discovers.Add(1)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		srv.CloseClientConnections() // event streams would keep Close waiting
		srv.Close()
	})
	c.url = srv.URL + u.RequestURI()
	return c
}

func (c *discoverCounter) count() int64 { return c.discovers.Load() }

// stdinDiscoverCounter counts the server/discover probes stdio servers receive: script runs
// as `node SCRIPT FILE ENTRY ARG...`, appends a line to FILE for every probe it sees on stdin,
// and runs ENTRY in its own process, as if started as `node ENTRY ARG...`.
type stdinDiscoverCounter struct {
	script, file string
}

const countDiscovers = `import { appendFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const [file, entry, ...args] = process.argv.slice(2);
// The server's own reading sees every chunk first-hand: the chunks are watched on their way to
// its listeners (a listener of this script's own would start the flow before the server reads).
let tail = "";
const emit = process.stdin.emit.bind(process.stdin);
process.stdin.emit = (event, ...args) => {
  if (event === "data") {
    const lines = (tail + args[0].toString("utf8")).split("\n");
    tail = lines.pop();
    for (const line of lines) {
      if (line.includes('"server/discover"')) appendFileSync(file, "discover\n");
    }
  }
  return emit(event, ...args);
};
process.argv = [process.argv[0], entry, ...args];
await import(pathToFileURL(entry).href);
`

func newStdinDiscoverCounter(t *testing.T) *stdinDiscoverCounter {
	t.Helper()
	dir := t.TempDir()
	c := &stdinDiscoverCounter{script: filepath.Join(dir, "count-discovers.mjs"), file: filepath.Join(dir, "discovers")}
	if err := os.WriteFile(c.script, []byte(countDiscovers), 0o644); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *stdinDiscoverCounter) count() int64 {
	data, _ := os.ReadFile(c.file)
	return int64(bytes.Count(data, []byte("discover\n")))
}

// events collects an executor's list_changed events, by server and kind.
type events struct {
	mu   sync.Mutex
	seen map[string]int // server + " " + kind
}

func newEvents() *events { return &events{seen: map[string]int{}} }

func (e *events) hook(ev executor.Event) {
	if ev.Kind == executor.EventListChanged {
		e.mu.Lock()
		e.seen[ev.Server+" "+ev.Reason]++
		e.mu.Unlock()
	}
}

func (e *events) count(server, kind string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.seen[server+" "+kind]
}

// waitChanged waits for a list_changed of kind from server.
func (e *events) waitChanged(t *testing.T, server, kind string) {
	t.Helper()
	spinetest.Eventually(t, spinetest.Patience, server+" "+kind+" list_changed", func() bool { return e.count(server, kind) > 0 })
}
