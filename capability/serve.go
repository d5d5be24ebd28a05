package capability

import (
	"fmt"
	"time"
)

// ServeConfig is the [serve] table: the settings of `spine serve`, which its flags override.
type ServeConfig struct {
	HTTP           string        // listen address of the HTTP endpoint ("" = none)
	Stdio          bool          // serve one session on stdin/stdout
	Workflows      []string      // globs of workflow files served as tools
	Names          string        // "prefixed" (default) or "bare"
	AllowedOrigins []string      // browser origins allowed besides the endpoint's own
	SessionTimeout time.Duration // idle downstream sessions close after this (0 = the gateway's default)
	MaxBodyBytes   int           // request body bound (0 = the gateway's default)
	MaxSessions    int           // downstream sessions open at once (0 = the gateway's default)
	// InputTimeout bounds how long a sessionless client's call that asked it a question waits
	// for the answer (0 = the gateway's default).
	InputTimeout time.Duration
	// StreamResponses answers each legacy POST with an SSE stream (progress and questions on
	// the request's own stream) instead of application/json.
	StreamResponses bool
	// HeapFloorMiB is the least heap goal of the Go collector in spine serve, in MiB: with a
	// small live heap it collects once per that much allocation instead of once per 4 MiB
	// (package internal/heapfloor). 0 = the default (32 MiB); negative = none (Go's own
	// pacing, as does GOGC set in the environment).
	HeapFloorMiB int
	Auth         ServeAuth
}

// DefaultHeapFloorMiB is spine serve's heap floor unless [serve] heap_floor_mib says otherwise.
const DefaultHeapFloorMiB = 32

// HeapFloor is the heap floor in bytes that c asks for (0 = none).
func (c ServeConfig) HeapFloor() int64 {
	switch {
	case c.HeapFloorMiB < 0:
		return 0
	case c.HeapFloorMiB == 0:
		return DefaultHeapFloorMiB << 20
	}
	return int64(c.HeapFloorMiB) << 20
}

// ServeAuth is the [serve.auth] table.
type ServeAuth struct {
	// TokensEnv names the environment variable that holds the static bearer tokens
	// ("SUBJECT=TOKEN" or "TOKEN", separated by commas). The tokens never sit in the file.
	TokensEnv string
	// Issuer, JWKSURL and Audience make spine serve an OAuth 2.1 resource server: bearer
	// tokens are JWTs of Issuer, signed with a key of JWKSURL, for Audience. Resource is the
	// identifier published in /.well-known/oauth-protected-resource (default: Audience).
	Issuer   string
	JWKSURL  string
	Audience string
	Resource string
}

var serveKeys = []string{"http", "stdio", "workflows", "names", "allowed_origins", "session_timeout", "max_body_bytes", "max_sessions", "stream_responses", "input_timeout", "heap_floor_mib", "auth"}

// parseServe reads the [serve] table over c.
func parseServe(t *table, c *ServeConfig) {
	t.checkKeys(serveKeys, map[string]string{"addr": "http", "listen": "http", "tokens_env": "auth"})
	if v, ok := t.str("http", true); ok {
		c.HTTP = v
	}
	if v, ok := t.boolean("stdio"); ok {
		c.Stdio = v
	}
	if v, ok := t.strList("workflows", false); ok {
		c.Workflows = v
	}
	if v, ok := t.str("names", false); ok {
		if v != "prefixed" && v != "bare" {
			t.fail(fmt.Sprintf("want %q or %q", "prefixed", "bare"), "names")
		} else {
			c.Names = v
		}
	}
	if v, ok := t.strList("allowed_origins", false); ok {
		c.AllowedOrigins = v
	}
	if v, ok := t.duration("session_timeout"); ok {
		c.SessionTimeout = v
	}
	if v, ok := t.duration("input_timeout"); ok {
		c.InputTimeout = v
	}
	if v, ok := t.integer("max_body_bytes"); ok {
		if v < 1024 {
			t.fail("must be at least 1024", "max_body_bytes")
		} else {
			c.MaxBodyBytes = v
		}
	}
	if v, ok := t.integer("max_sessions"); ok {
		if v < 1 {
			t.fail("must be at least 1", "max_sessions")
		} else {
			c.MaxSessions = v
		}
	}
	if v, ok := t.boolean("stream_responses"); ok {
		c.StreamResponses = v
	}
	if v, ok := t.integer("heap_floor_mib"); ok {
		switch {
		case v < 0 || v > 1<<20:
			t.fail("must be 0 (none) to 1048576 MiB", "heap_floor_mib")
		case v == 0:
			c.HeapFloorMiB = -1
		default:
			c.HeapFloorMiB = v
		}
	}
	if a, ok := t.subTable("auth"); ok {
		a.checkKeys([]string{"tokens_env", "issuer", "jwks_url", "audience", "resource"}, nil)
		if v, ok := a.str("tokens_env", false); ok {
			c.Auth.TokensEnv = v
		}
		for key, dst := range map[string]*string{"issuer": &c.Auth.Issuer, "jwks_url": &c.Auth.JWKSURL, "audience": &c.Auth.Audience, "resource": &c.Auth.Resource} {
			if v, ok := a.str(key, true); ok {
				*dst = v
			}
		}
		if (c.Auth.Issuer != "" || c.Auth.JWKSURL != "" || c.Auth.Audience != "") &&
			(c.Auth.Issuer == "" || c.Auth.JWKSURL == "" || c.Auth.Audience == "") {
			a.fail("OAuth needs all of issuer, jwks_url and audience")
		}
	}
}

// applyServeNaming reads a server's prefix and aliases (how `spine serve` names its tools).
func applyServeNaming(t *table, s *ServerSpec) {
	if v, ok := t.str("prefix", false); ok {
		if checkServerName(v) != "" {
			t.fail("a prefix is a non-empty name of letters, digits, '_', '-' and '.'", "prefix")
		} else {
			s.Prefix = v
		}
	}
	if v, ok := t.strMap("aliases"); ok {
		for tool, name := range v {
			if checkServerName(name) != "" {
				t.fail(fmt.Sprintf("alias of %q: a name of letters, digits, '_', '-' and '.'", tool), "aliases")
			}
		}
		s.Aliases = v
	}
}
