package ops

import (
	"context"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"

	"github.com/spine-mcp/spine/executor"
)

// TracerProviderFromEnv returns a TracerProvider that exports spans over OTLP/HTTP as the
// standard OpenTelemetry variables configure it (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, their _HEADERS, _TIMEOUT…, OTEL_SERVICE_NAME,
// OTEL_RESOURCE_ATTRIBUTES), for executor.WithTracerProvider. It returns nil — no tracing,
// at no cost — when no endpoint is set, when OTEL_SDK_DISABLED is true, or when
// OTEL_TRACES_EXPORTER is "none". The caller shuts the provider down on exit
// (Shutdown(ctx)), which sends the spans still buffered.
func TracerProviderFromEnv(ctx context.Context) (*sdktrace.TracerProvider, error) {
	if !tracingConfigured() {
		return nil, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	res, err := resource.Merge(
		resource.NewWithAttributes(semconv.SchemaURL, semconv.ServiceName("spine"), semconv.ServiceVersion(executor.Version())),
		resource.Environment(), // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win
	)
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}

// tracingConfigured reports whether the environment asks for traces.
func tracingConfigured() bool {
	if strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") || strings.EqualFold(os.Getenv("OTEL_TRACES_EXPORTER"), "none") {
		return false
	}
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}
