package gateway_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/spine-mcp/spine/gateway"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// BenchmarkGatewayInProcess is echo through a Gateway served in the benchmark's process (the
// stdio demo server upstream), so that a CPU or memory profile sees the gateway's per-call
// path — along with go-sdk's client, which runs in the same process. It runs with the
// default application/json answers and with StreamResponses:
//
//	go test -run '^$' -bench GatewayInProcess -benchtime 5000x -cpuprofile cpu.out -memprofile mem.out ./gateway/
func BenchmarkGatewayInProcess(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	gw, err := gateway.New(ctx, spinetest.Project(spinetest.Demo(b, "demo")), gateway.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = gw.Close(context.Background()) })
	for _, stream := range []bool{false, true} {
		name := map[bool]string{false: "json", true: "sse"}[stream]
		b.Run(name, func(b *testing.B) {
			srv := httptest.NewServer(gw.Handler(gateway.HTTPOptions{StreamResponses: stream}))
			defer srv.Close()
			cs := benchSession(b, srv.URL+"/mcp")
			echo(b, cs, "demo__echo", 100)
			b.ReportAllocs()
			b.ResetTimer()
			lat := echo(b, cs, "demo__echo", b.N)
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			_ = cs.Close()
		})
	}
}
