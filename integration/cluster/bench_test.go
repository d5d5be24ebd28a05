package cluster

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// BenchmarkForwardHop measures what the forwarding hop adds to a session-bound call: echo on
// the affinity demo server, in a legacy session owned by node A, with every request landing
// on A ("owner") or, after the initialize, on B, which forwards it to A ("forwarded"). Both
// go through the same test proxy. Per-call p50 and p99.
//
//	go test -run '^$' -bench ForwardHop -benchtime 2000x -count 5 ./integration/cluster/
func BenchmarkForwardHop(b *testing.B) {
	nodes := startCluster(b, projectDir(b, clusterProject))
	a, other := strings.TrimSuffix(nodes[0].URL, "/mcp"), strings.TrimSuffix(nodes[1].URL, "/mcp")
	for _, tc := range []struct{ name, rest string }{{"owner", a}, {"forwarded", other}} {
		b.Run(tc.name, func(b *testing.B) {
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				to := tc.rest
				if bytes.Contains(body, []byte(`"method":"initialize"`)) {
					to = a
				}
				proxy(w, r, to)
			}))
			defer front.Close()
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil).
				Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: front.URL + "/mcp"}, legacy)
			if err != nil {
				b.Fatal(err)
			}
			defer cs.Close()
			echo(b, cs, 100) // warm
			b.ResetTimer()
			lat := echo(b, cs, b.N)
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}

// echo calls aff__echo n times and returns each call's latency.
func echo(b *testing.B, cs *mcp.ClientSession, n int) []time.Duration {
	lat := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "aff__echo", Arguments: map[string]any{"text": "hi"}})
		if err != nil || res.IsError {
			b.Fatalf("aff__echo: %v %v", err, res)
		}
		lat = append(lat, time.Since(start))
	}
	return lat
}
