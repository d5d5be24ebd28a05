package capability

import (
	"slices"
	"time"
)

// Transport names how SPINE reaches a server.
type Transport string

// The transports SPINE speaks.
const (
	TransportStdio Transport = "stdio" // a subprocess speaking newline-delimited JSON-RPC
	TransportHTTP  Transport = "http"  // streamable HTTP (the default for a url)
	TransportSSE   Transport = "sse"   // the older HTTP+SSE transport
)

// Isolation says which callers may share a session of a server.
type Isolation string

// The isolation scopes (docs/design.md, "Isolation and slots").
const (
	// IsolationShared: one pool per server; any caller may use any session.
	IsolationShared Isolation = "shared"
	// IsolationIdentity: one pool per (server, identity); never handed across identities.
	IsolationIdentity Isolation = "identity"
	// IsolationAffinity: one dedicated session per (server, affinity key).
	IsolationAffinity Isolation = "affinity"
)

// ProtocolAuto lets the SDK negotiate the protocol version.
const ProtocolAuto = "auto"

// Policy holds the pool knobs every server inherits from [defaults] and may override.
// DefaultPolicy gives the documented defaults; it is the one place they are set.
type Policy struct {
	MinSessions      int           // kept warm; 0 = lazy (first call opens one)
	MaxSessions      int           // hard cap of sessions per pool key
	MaxInflight      int           // concurrent calls per session
	ConnectTimeout   time.Duration // spawn/dial + handshake
	CallTimeout      time.Duration // per call, unless the caller's context is shorter
	AcquireTimeout   time.Duration // waiting for a free session before ErrPoolExhausted
	IdleTimeout      time.Duration // close sessions idle this long, down to MinSessions
	MaxLifetime      time.Duration // recycle older sessions (drain, then replace)
	HealthInterval   time.Duration // probe sessions idle this long before reuse
	HealthMethods    []string      // tried in order: "ping", "list_tools", "skip"
	ToolsCacheTTL    time.Duration // list cache lifetime
	Retries          int           // retries of calls that certainly did not reach the server, or idempotent ones
	CircuitThreshold int           // consecutive connect failures that open the circuit
	CircuitReset     time.Duration // open -> half-open after this
	Isolation        Isolation     // shared | identity | affinity
	Protocol         string        // MCP protocol version to request; ProtocolAuto = SDK negotiation
	MaxListPages     int           // pages read of one list before it fails (a server that never stops paginating); 0 = 100
	MaxTotalSessions int           // live sessions across all pool keys; a new key waits for a slot; 0 = 1024
	MaxCallTime      time.Duration // the longest a call may last, progress or not; 0 = 10 x its call timeout
}

// DefaultPolicy returns the defaults documented in the README's [defaults] example.
func DefaultPolicy() Policy {
	return Policy{
		MinSessions:      0,
		MaxSessions:      4,
		MaxInflight:      16,
		ConnectTimeout:   30 * time.Second,
		CallTimeout:      60 * time.Second,
		AcquireTimeout:   30 * time.Second,
		IdleTimeout:      5 * time.Minute,
		MaxLifetime:      time.Hour,
		HealthInterval:   30 * time.Second,
		HealthMethods:    []string{"ping", "list_tools", "skip"},
		ToolsCacheTTL:    5 * time.Minute,
		Retries:          1,
		CircuitThreshold: 5,
		CircuitReset:     30 * time.Second,
		Isolation:        IsolationShared,
		Protocol:         "2025-11-25",
		MaxListPages:     DefaultMaxListPages,
		MaxTotalSessions: DefaultMaxTotalSessions,
		MaxCallTime:      0,
	}
}

// ServerSpec is one upstream MCP server as configured: how to reach it and its pool policy.
type ServerSpec struct {
	Name      string
	Transport Transport

	// stdio
	Command string
	Args    []string
	Env     map[string]string // set in the server's environment, over any inherited value
	Cwd     string            // resolved against the config file's directory

	// EnvVars names variables of SPINE's own environment that the server inherits on top
	// of BaseEnv (Codex's env_vars); a name SPINE's environment lacks is skipped. Their
	// values are secrets, redacted like Env's. Default: none.
	EnvVars []string
	// InheritEnv gives the server SPINE's whole environment, as before least privilege.
	// Default false: the server inherits only BaseEnv and EnvVars (see Environ).
	InheritEnv bool

	// http / sse
	URL     string
	Headers map[string]string
	// IdentityHeaders are the per-call headers (executor.WithHeaders) that tell callers apart
	// under isolation = "identity". Empty: every per-call header does, so that callers whose
	// credentials differ in any header never share a session. Setting it narrows the pool key
	// to these headers, for servers that also get per-call headers that vary per request.
	IdentityHeaders []string

	Enabled       bool
	EnabledTools  []string                 // when set, only these tools are exposed
	DisabledTools []string                 // these tools are never exposed
	ToolTimeouts  map[string]time.Duration // per-tool call timeout
	// IdempotentTools are tools safe to run twice, for servers that don't annotate them
	// readOnlyHint or idempotentHint: the retry policy may replay them after a lost session.
	IdempotentTools []string

	// Prefix replaces the server's name in the names `spine serve` gives its tools and
	// prompts (<prefix>__<tool>); Aliases name single tools or prompts outright. Default: none.
	Prefix  string
	Aliases map[string]string

	Policy

	// Source says where the server was defined, as "file:line" (for messages).
	Source string
}

// ToolAllowed reports whether the server exposes tool after the
// enabled_tools / disabled_tools filters.
func (s *ServerSpec) ToolAllowed(tool string) bool {
	if len(s.EnabledTools) > 0 && !slices.Contains(s.EnabledTools, tool) {
		return false
	}
	return !slices.Contains(s.DisabledTools, tool)
}

// The defaults of the bounds whose zero value means "the default", so that a Policy built by
// hand is bounded too.
const (
	DefaultMaxListPages     = 100
	DefaultMaxTotalSessions = 1024
)

// WithDefaults returns p with the documented default in every knob whose zero value means
// nothing useful — max_sessions, max_inflight, connect_timeout, call_timeout, circuit_reset,
// acquire_timeout, health_methods, isolation and protocol — so that a Policy built by hand
// (or a ServerSpec without one) works. Knobs whose zero is meaningful (min_sessions, retries,
// idle_timeout, max_lifetime, health_interval, tools_cache_ttl, circuit_threshold: 0 = none or
// off) keep it.
func (p Policy) WithDefaults() Policy {
	d := DefaultPolicy()
	fill := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	fillD := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	fill(&p.MaxSessions, d.MaxSessions)
	fill(&p.MaxInflight, d.MaxInflight)
	fillD(&p.ConnectTimeout, d.ConnectTimeout)
	fillD(&p.CallTimeout, d.CallTimeout)
	fillD(&p.AcquireTimeout, d.AcquireTimeout)
	fillD(&p.CircuitReset, d.CircuitReset)
	if p.HealthMethods == nil {
		p.HealthMethods = d.HealthMethods
	}
	if p.Isolation == "" {
		p.Isolation = d.Isolation
	}
	if p.Protocol == "" {
		p.Protocol = d.Protocol
	}
	return p
}

// ListPages returns MaxListPages, or its default when it is 0.
func (p *Policy) ListPages() int {
	if p.MaxListPages > 0 {
		return p.MaxListPages
	}
	return DefaultMaxListPages
}

// TotalSessions returns MaxTotalSessions, or its default when it is 0.
func (p *Policy) TotalSessions() int {
	if p.MaxTotalSessions > 0 {
		return p.MaxTotalSessions
	}
	return DefaultMaxTotalSessions
}

// MaxCallTimeFor returns the longest a call with call timeout d may last, however much
// progress it reports: MaxCallTime, or 10 x d when that is 0.
func (p *Policy) MaxCallTimeFor(d time.Duration) time.Duration {
	if p.MaxCallTime > 0 {
		return p.MaxCallTime
	}
	return 10 * d
}

// Idempotent reports whether the server's config marks tool as safe to run twice
// (idempotent_tools), for servers that don't annotate their tools.
func (s *ServerSpec) Idempotent(tool string) bool { return slices.Contains(s.IdempotentTools, tool) }

// CallTimeoutFor returns the call timeout for tool: its tool_timeouts entry, or CallTimeout.
func (s *ServerSpec) CallTimeoutFor(tool string) time.Duration {
	if d, ok := s.ToolTimeouts[tool]; ok && d > 0 {
		return d
	}
	return s.CallTimeout
}

// LogConfig is the [log] table.
type LogConfig struct {
	Level  string // debug | info | warn | error (default info)
	Format string // auto | console | json (default auto)
}

// DescribeConfig is the [describe] table: the builder used by delegated self-description.
type DescribeConfig struct {
	BuilderServer string // server that offers the builder tool (default "spine-describe")
	BuilderTool   string // tool name (default "describe")
}

// Project is everything SPINE knows about a project: the config files read and the servers
// they define, in config order (spine.toml order, then servers only .mcp.json names).
type Project struct {
	Dir      string   // the project directory
	Files    []string // the config files that were read, in order
	Log      LogConfig
	Defaults Policy
	Describe DescribeConfig
	Serve    ServeConfig
	Cluster  ClusterConfig
	Servers  []ServerSpec
}

// Server returns the server named name.
func (p *Project) Server(name string) (*ServerSpec, bool) {
	for i := range p.Servers {
		if p.Servers[i].Name == name {
			return &p.Servers[i], true
		}
	}
	return nil, false
}

// Enabled returns the enabled servers in config order.
func (p *Project) Enabled() []ServerSpec {
	var out []ServerSpec
	for _, s := range p.Servers {
		if s.Enabled {
			out = append(out, s)
		}
	}
	return out
}

// Names returns the names of all servers, enabled or not, in config order.
func (p *Project) Names() []string {
	names := make([]string, len(p.Servers))
	for i, s := range p.Servers {
		names[i] = s.Name
	}
	return names
}
