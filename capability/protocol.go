package capability

import (
	"fmt"
	"slices"
)

// The protocol versions a server may be pinned to (`protocol = "..."`). The two that matter are
// the last of each era; the older legacy versions stay accepted for servers that need them.
const (
	// ProtocolLegacy is the last version of the session era (initialize, Mcp-Session-Id,
	// ping, server→client requests). It is the default pin.
	ProtocolLegacy = "2025-11-25"
	// ProtocolModern is the first version of the sessionless era (server/discover, _meta in
	// every request, subscriptions/listen, ttlMs and cacheScope, multi-round-trip requests).
	ProtocolModern = "2026-07-28"
)

// protocolVersions are the versions SPINE's MCP SDK can speak, newest first.
var protocolVersions = []string{ProtocolModern, ProtocolLegacy, "2025-06-18", "2025-03-26", "2024-11-05"}

// Era is the generation of the MCP protocol a server speaks, which decides what SPINE keeps
// warm for it (docs/design.md, "Protocol eras").
type Era string

const (
	// EraUnknown: not connected yet (protocol = "auto" before its probe).
	EraUnknown Era = ""
	// EraLegacy: a session per connection (2025-11-25 and older).
	EraLegacy Era = "legacy"
	// EraModern: no session; every request stands alone (2026-07-28 and newer).
	EraModern Era = "modern"
)

// EraOf returns the era of a negotiated protocol version; "" is EraUnknown. Versions are dates,
// so they order as strings.
func EraOf(version string) Era {
	switch {
	case version == "" || version == ProtocolAuto:
		return EraUnknown
	case version >= ProtocolModern:
		return EraModern
	default:
		return EraLegacy
	}
}

// PinnedEra is the era a server's protocol key fixes before any connection: EraUnknown for
// "auto".
func (s *ServerSpec) PinnedEra() Era { return EraOf(s.Protocol) }

func checkProtocol(p *Policy) string {
	if p.Protocol == ProtocolAuto || slices.Contains(protocolVersions, p.Protocol) {
		return ""
	}
	return fmt.Sprintf("protocol %q: want %q (probe the server), %q (the session era) or %q (the sessionless era); older versions: %q, %q, %q",
		p.Protocol, ProtocolAuto, ProtocolLegacy, ProtocolModern, protocolVersions[2], protocolVersions[3], protocolVersions[4])
}

// AffinityNeedsSession explains why isolation = "affinity" cannot work against a server of
// the sessionless era over HTTP: there is no session to dedicate to an affinity key, and the
// server keeps its state in explicit handles its tools return. It is the one wording of that
// error, used at load time for a pinned server and at connect time once a probe found out.
func AffinityNeedsSession(server string) string {
	return fmt.Sprintf("server %q: isolation = \"affinity\" needs a session to dedicate to each affinity key, "+
		"but over HTTP the %s protocol has no sessions (a server keeps state in explicit handles its tools return): "+
		"use isolation = \"shared\" or \"identity\", or pin protocol = %q if the server also speaks it",
		server, ProtocolModern, ProtocolLegacy)
}

// eraProblem reports what cannot work in the era a server is pinned to: isolation =
// "affinity" on a sessionless HTTP server, and the SSE transport (the session era's, replaced
// by streamable HTTP before the sessionless era began).
func (s *ServerSpec) eraProblem() (problem, bool) {
	if s.PinnedEra() != EraModern {
		return problem{}, false
	}
	switch {
	case s.Transport == TransportSSE:
		return problem{key: []string{"protocol"}, alt: "transport", always: true,
			msg: fmt.Sprintf("server %q: the sse transport speaks only the session era (%s and older): use transport = \"http\" for protocol %q, or pin protocol = %q",
				s.Name, ProtocolLegacy, ProtocolModern, ProtocolLegacy)}, true
	case s.Isolation == IsolationAffinity && s.Transport == TransportHTTP:
		return problem{key: []string{"isolation"}, alt: "protocol", msg: AffinityNeedsSession(s.Name), always: true}, true
	}
	return problem{}, false
}
