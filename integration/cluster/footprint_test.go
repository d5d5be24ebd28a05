package cluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// BenchmarkSessionFootprint measures what a node holds per session, for the capacity model
// of docs/scaling.md: 200 legacy downstream sessions (each with its GET stream) calling a
// shared server, then each calling the affinity server once (an upstream session — a stdio
// demo server process — each). It reports the node's RSS and open fds per downstream
// session, and per affinity upstream session the node's share and the server process's RSS.
//
//	go test -run '^$' -bench SessionFootprint -benchtime 1x -count 3 ./integration/cluster/
func BenchmarkSessionFootprint(b *testing.B) {
	const sessions = 200
	for range b.N {
		nodes := startCluster(b, projectDir(b, clusterProject))
		n := nodes[0]
		pid := n.Cmd.Process.Pid
		rss0, fds0 := rssKiB(b, pid), fdCount(b, pid)
		var open []*mcp.ClientSession
		for range sessions {
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "footprint", Version: "1"}, nil).
				Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: n.URL}, legacy)
			if err != nil {
				b.Fatal(err)
			}
			open = append(open, cs)
			if _, err := callText(cs, "demo__echo", map[string]any{"text": "hi"}); err != nil {
				b.Fatal(err)
			}
		}
		rss1, fds1 := rssKiB(b, pid), fdCount(b, pid)
		for _, cs := range open {
			if _, err := callText(cs, "aff__counter", nil); err != nil {
				b.Fatal(err)
			}
		}
		rss2, fds2 := rssKiB(b, pid), fdCount(b, pid)
		var serverKiB float64
		servers := spinetest.Processes(spinetest.Binary(b) + "\x00demo-server")
		for _, p := range servers {
			serverKiB += rssKiB(b, p)
		}
		b.ReportMetric((rss1-rss0)/sessions, "node-KiB/downstream")
		b.ReportMetric(float64(fds1-fds0)/sessions, "node-fds/downstream")
		b.ReportMetric((rss2-rss1)/sessions, "node-KiB/upstream")
		b.ReportMetric(float64(fds2-fds1)/sessions, "node-fds/upstream")
		b.ReportMetric(serverKiB/float64(len(servers)), "server-KiB/upstream")
		for _, cs := range open {
			_ = cs.Close()
		}
		for _, nd := range nodes {
			nd.Stop(b)
		}
	}
}

// rssKiB returns process pid's resident set size in KiB.
func rssKiB(b *testing.B, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		if f := bytes.Fields(line); len(f) >= 2 && string(f[0]) == "VmRSS:" {
			v, _ := strconv.ParseFloat(string(f[1]), 64)
			return v
		}
	}
	b.Fatalf("no VmRSS for %d", pid)
	return 0
}

// fdCount returns how many file descriptors process pid holds.
func fdCount(b *testing.B, pid int) int {
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		b.Fatal(err)
	}
	return len(entries)
}
