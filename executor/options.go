package executor

import (
	"log/slog"
	"net/http"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"

	"github.com/spine-mcp/spine/actors"
)

// Option configures an Executor.
type Option func(*options)

type options struct {
	log      zerolog.Logger
	eventLog EventHook
	events   EventHook
	identity func(http.Header) string
	handlers actors.ClientHandlers // handlers.go
	tracer   trace.Tracer          // nil: no tracing (WithTracerProvider)
	// passContext: a no-op provider was given: no spans, but a trace context in the
	// caller's context still goes upstream, as a no-op tracer would pass it on.
	passContext bool
}

// WithLogger sends SPINE's logs (and the actor system's warnings) to logger. Default: none.
func WithLogger(logger zerolog.Logger) Option { return func(o *options) { o.log = logger } }

// WithSlog sends SPINE's logs (and the actor system's warnings) to logger, for a program
// that logs with log/slog: each record keeps its level, message and fields, and levels the
// logger's handler does not enable cost nothing. It replaces WithLogger. Default: none.
func WithSlog(logger *slog.Logger) Option {
	return func(o *options) {
		if logger == nil {
			o.log = zerolog.Nop()
			return
		}
		o.log = zerologTo(logger.Handler())
	}
}

// WithEvents also hands every pool and lifecycle event (session opened, lost, backoff, circuit
// opened…) to hook, after it is logged through the logger. hook runs on actor goroutines and
// must not block. Default: events are only logged.
func WithEvents(hook EventHook) Option { return func(o *options) { o.events = hook } }

// WithEventLog replaces how events are logged: hook is given every event instead of the
// logger's default (failures at warn, the rest at debug; see LogEvents) — for a program
// that reports some failures itself and logs them at another level. Default: the logger's
// default.
func WithEventLog(hook EventHook) Option { return func(o *options) { o.eventLog = hook } }

// WithIdentityExtractor derives a caller's identity from the per-call headers of
// WithHeaders, for servers with isolation = "identity": return something stable across
// credential refreshes (e.g. the subject of a JWT) so that pools don't multiply with every
// token. It decides alone (identity_headers is not consulted); "" puts the caller in the pool
// of callers without an identity. Default: a hash of every per-call header, or of the
// server's identity_headers when it lists them.
func WithIdentityExtractor(f func(http.Header) string) Option {
	return func(o *options) { o.identity = f }
}
