package gateway

import (
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"
)

// Options configure a Gateway. The zero value serves every enabled server with prefixed names
// and no workflows.
type Options struct {
	// Names is how tools and prompts are named downstream. Default: NamesPrefixed.
	Names NameMode
	// Servers holds per-server naming rules (prefix, aliases), by server name. Default: the
	// prefix and aliases of each server's config.
	Servers map[string]ServerNaming
	// Workflows are served as tools workflow__<name>.
	Workflows []WorkflowFile
	// Describe serves each server's self-description (package describe): L0 composed into
	// the instructions, L1 and L3 as spine:// resources, L2 as prompts. Default: off.
	Describe bool
	// Instructions, when set, are the gateway's instructions (the composed L0 of its servers).
	Instructions string
	// Log receives the gateway's logs, with one line per downstream request (debug; warn
	// when it failed). Default: none.
	Log zerolog.Logger
	// TracerProvider traces the downstream requests (a server span each, continuing the
	// caller's traceparent), their upstream calls and workflow runs (see
	// executor.WithTracerProvider). Default: none.
	TracerProvider trace.TracerProvider
	// ListTimeout bounds listing one server's tools, resources and prompts. Default: 30s.
	ListTimeout time.Duration
	// CloseTimeout bounds closing one downstream session's affinity sessions. Default: 5s.
	CloseTimeout time.Duration
	// HandleTimeout closes a spine_session handle (see <server>__open_session) unused this
	// long, and its upstream sessions. Default: 30 minutes.
	HandleTimeout time.Duration
	// InputTimeout bounds how long a sessionless client's call that asked it a question (a
	// multi-round-trip input request, rounds.go) waits for the client to call again with the
	// answer; then the question is declined and the upstream decides. Long enough for a person
	// to read and answer a form, short enough that abandoned calls do not pile up. Default: 5
	// minutes.
	InputTimeout time.Duration
	// MaxParked bounds the calls waiting for their clients' answers at once, and
	// MaxParkedPerIdentity those of one authenticated subject (all of an open gateway's
	// callers are one, ""): a question beyond is declined at once. Defaults: 1024 and 256.
	MaxParked, MaxParkedPerIdentity int
	// Version is the version the gateway reports in its server info. Default: "dev".
	Version string
	// NewSessionID mints the ids of legacy downstream sessions (Mcp-Session-Id) and of
	// spine_session handles: a cluster node's ids name it and are signed (package cluster).
	// Default: 128 random bits.
	NewSessionID func() string
}

// withDefaults fills in the documented defaults: the one place they are set.
func (o Options) withDefaults() Options {
	if o.Names == "" {
		o.Names = NamesPrefixed
	}
	if o.ListTimeout <= 0 {
		o.ListTimeout = 30 * time.Second
	}
	if o.CloseTimeout <= 0 {
		o.CloseTimeout = 5 * time.Second
	}
	if o.HandleTimeout <= 0 {
		o.HandleTimeout = 30 * time.Minute
	}
	if o.InputTimeout <= 0 {
		o.InputTimeout = 5 * time.Minute
	}
	if o.MaxParked <= 0 {
		o.MaxParked = 1024
	}
	if o.MaxParkedPerIdentity <= 0 {
		o.MaxParkedPerIdentity = 256
	}
	if o.NewSessionID == nil {
		o.NewSessionID = randomID
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	return o
}
