package executor_test

import (
	"context"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// BenchmarkTracing: one pooled echo call of the demo server over stdio, as BenchmarkCall's
// pooled, with tracing off in the two ways a program can have it — no provider, and
// OpenTelemetry's no-op provider — and on, with an SDK provider that exports nowhere:
//
//	none  no WithTracerProvider: the default
//	noop  WithTracerProvider(noop.NewTracerProvider())
//	sdk   WithTracerProvider of an SDK provider, every span sampled, none exported
//
// none and noop are to cost the same: run them side by side with -count and compare.
func BenchmarkTracing(b *testing.B) {
	spec := benchSpec(b, "demo", capability.TransportStdio)
	for _, c := range []struct {
		name string
		opts []executor.Option
	}{
		{"none", nil},
		{"noop", []executor.Option{executor.WithTracerProvider(noop.NewTracerProvider())}},
		{"sdk", []executor.Option{executor.WithTracerProvider(sdktrace.NewTracerProvider())}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ex, err := executor.New(spinetest.Project(spec), c.opts...)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				_ = ex.Close(ctx)
			})
			benchPooled(b, ex, false)
		})
	}
}
