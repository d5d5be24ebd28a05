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
	if o.NewSessionID == nil {
		o.NewSessionID = randomID
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	return o
}
