package cluster

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// testKey signs the test cluster's session ids.
const testKey = "0123456789abcdef0123456789abcdef-cluster-test"

// clusterProject has a shared demo server "demo" and an affinity one "aff".
const clusterProject = `
[servers.demo]
command = "@SPINE@"
args = ["demo-server"]

[servers.aff]
command = "@SPINE@"
args = ["demo-server"]
isolation = "affinity"
`

// projectDir writes a spine.toml of config (with @SPINE@ the binary under test).
func projectDir(t testing.TB, config string) string {
	t.Helper()
	dir := t.TempDir()
	config = strings.ReplaceAll(config, "@SPINE@", spinetest.Binary(t))
	if err := os.WriteFile(filepath.Join(dir, "spine.toml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// freeAddrs returns n loopback addresses with ports free now.
func freeAddrs(t testing.TB, n int) []string {
	t.Helper()
	var out []string
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().String())
	}
	for _, ln := range lns {
		ln.Close()
	}
	return out
}

// node is one running `spine serve --http` of the cluster.
type node struct {
	*spinetest.Serving
	addr string // its cluster address
}

// startCluster starts three nodes of one cluster in dir.
func startCluster(t testing.TB, dir string) []*node {
	t.Helper()
	addrs := freeAddrs(t, 3)
	env := []string{"SPINE_CLUSTER_KEY=" + testKey}
	var nodes []*node
	for _, a := range addrs {
		n := &node{Serving: spinetest.Serve(t, dir, env, "--cluster-address", a, "--cluster-peers", strings.Join(addrs, ",")), addr: a}
		nodes = append(nodes, n)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i, n := range nodes {
				t.Logf("node %d (%s) stderr:\n%s", i, n.addr, n.Stderr)
			}
		}
	})
	return nodes
}

// metric returns the sum of the node's /metrics samples of name whose labels contain every
// one of labels (`server="demo"`).
func (n *node) metric(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	resp, err := http.Get(strings.TrimSuffix(n.URL, "/mcp") + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var sum float64
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(line, l)
		}
		if !ok {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v); err == nil {
			sum += v
		}
	}
	return sum
}

// balancer is a round-robin load balancer over the nodes that are in rotation, as an
// operator puts in front of a cluster: it knows nothing of sessions.
type balancer struct {
	mu       sync.Mutex
	backends []string // base URLs
	in       []bool
	next     int
	hits     []atomic.Int64
}

func newBalancer(t *testing.T, nodes []*node) *balancer {
	b := &balancer{hits: make([]atomic.Int64, len(nodes))}
	for _, n := range nodes {
		b.backends = append(b.backends, strings.TrimSuffix(n.URL, "/mcp"))
		b.in = append(b.in, true)
	}
	return b
}

// remove takes node i out of rotation (its health check failed).
func (b *balancer) remove(i int) {
	b.mu.Lock()
	b.in[i] = false
	b.mu.Unlock()
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	i := b.next
	for !b.in[i%len(b.in)] {
		i++
	}
	i %= len(b.in)
	b.next = i + 1
	b.mu.Unlock()
	b.hits[i].Add(1)
	proxy(w, r, b.backends[i])
}

// proxy relays r to base and the answer back, flushing as it arrives (SSE streams).
func proxy(w http.ResponseWriter, r *http.Request, base string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, base+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			_, _ = w.Write(buf[:n])
			w.(http.Flusher).Flush()
		}
		if err != nil {
			return
		}
	}
}

// steer makes node i the balancer's next pick.
func (b *balancer) steer(i int) {
	b.mu.Lock()
	b.next = i
	b.mu.Unlock()
}
