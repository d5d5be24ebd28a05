package ops_test

import (
	"context"
	"testing"

	"github.com/spine-mcp/spine/ops"
)

// TestTracerProviderFromEnv: no endpoint, or tracing turned off, is no provider (no cost);
// an endpoint is one.
func TestTracerProviderFromEnv(t *testing.T) {
	for _, c := range []struct {
		name     string
		env      map[string]string
		provider bool
	}{
		{"unset", nil, false},
		{"endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, true},
		{"traces endpoint", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, true},
		{"disabled", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SDK_DISABLED": "true"}, false},
		{"exporter none", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_TRACES_EXPORTER": "none"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER"} {
				t.Setenv(k, c.env[k])
			}
			tp, err := ops.TracerProviderFromEnv(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if (tp != nil) != c.provider {
				t.Fatalf("provider = %v, want one: %v", tp, c.provider)
			}
			if tp != nil {
				if err := tp.Shutdown(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
