package capability

import (
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// serverKeys are the keys of a [servers.NAME] table besides the Policy keys.
var serverKeys = []string{
	"command", "args", "env", "env_vars", "inherit_env", "cwd", "url", "transport", "headers", "identity_headers",
	"enabled", "enabled_tools", "disabled_tools", "tool_timeouts", "idempotent_tools",
	"prefix", "aliases",
}

// codexAliases are the keys Codex's config.toml uses for two Policy knobs, in seconds.
var codexAliases = map[string]string{
	"startup_timeout_sec": "connect_timeout",
	"tool_timeout_sec":    "call_timeout",
}

// tomlServerHints suggest keys that other tools spell differently.
var tomlServerHints = map[string]string{"type": "transport", "http_headers": "headers", "cmd": "command"}

// tomlServerKeys returns every key a [servers.NAME] table may set.
func tomlServerKeys() []string {
	keys := append(slices.Clone(serverKeys), policyNames()...)
	return append(keys, slices.Sorted(maps.Keys(codexAliases))...)
}

// newServer returns the server named name as it is before any of its keys are read:
// enabled, with the project's default policy.
func newServer(name string, defaults Policy) ServerSpec {
	return ServerSpec{Name: name, Enabled: true, Policy: defaults.clone()}
}

// applyTOMLServer reads a [servers.NAME] table over s, and reports what is wrong.
func applyTOMLServer(t *table, s *ServerSpec) {
	t.aliases = map[string]string{}
	for alias, key := range codexAliases {
		t.aliases[key] = alias
	}
	t.checkKeys(tomlServerKeys(), tomlServerHints)
	applyServerKeys(t, s)
	explicit := false
	if v, ok := t.str("transport", false); ok && v != "" {
		s.Transport, explicit = Transport(v), true
	}
	applyPolicy(t, &s.Policy)
	for _, alias := range slices.Sorted(maps.Keys(codexAliases)) {
		key := codexAliases[alias]
		switch d, ok := t.seconds(alias); {
		case ok && t.has(key):
			t.fail(fmt.Sprintf("set either %s or %s, not both", key, alias), alias)
		case ok && key == "connect_timeout":
			s.ConnectTimeout = d
		case ok:
			s.CallTimeout = d
		}
	}
	finishServer(t, s, explicit)
}

// applyServerKeys reads over s the server keys other than transport and the policy knobs.
func applyServerKeys(t *table, s *ServerSpec) {
	if v, ok := t.str("command", true); ok {
		s.Command = v
	}
	if v, ok := t.strList("args", true); ok {
		s.Args = v
	}
	if v, ok := t.strMap("env"); ok {
		s.Env = v
	}
	if v, ok := t.strList("env_vars", false); ok { // names, not values: never expanded
		s.EnvVars = v
	}
	if v, ok := t.boolean("inherit_env"); ok {
		s.InheritEnv = v
	}
	if v, ok := t.str("cwd", true); ok {
		s.Cwd = ""
		if v != "" {
			s.Cwd = v
			if !filepath.IsAbs(v) {
				s.Cwd = filepath.Join(t.dir, v)
			}
		}
	}
	if v, ok := t.str("url", true); ok {
		s.URL = v
	}
	if v, ok := t.strMap("headers"); ok {
		s.Headers = v
	}
	if v, ok := t.strList("identity_headers", false); ok {
		s.IdentityHeaders = v
	}
	if v, ok := t.boolean("enabled"); ok {
		s.Enabled = v
	}
	if v, ok := t.strList("enabled_tools", false); ok {
		s.EnabledTools = v
	}
	if v, ok := t.strList("disabled_tools", false); ok {
		s.DisabledTools = v
	}
	if v, ok := t.durationMap("tool_timeouts"); ok {
		s.ToolTimeouts = v
	}
	if v, ok := t.strList("idempotent_tools", false); ok {
		s.IdempotentTools = v
	}
	applyServeNaming(t, s)
}

// finishServer infers the transport when the table did not name it, defaults the working
// directory of a stdio server to the config file's, and reports what is wrong.
func finishServer(t *table, s *ServerSpec, explicitTransport bool) {
	if !explicitTransport {
		cmd, remote := s.Command != "", s.URL != ""
		switch {
		case cmd && !remote:
			s.Transport = TransportStdio
		case remote && !cmd && s.Transport != TransportSSE:
			s.Transport = TransportHTTP
		}
	}
	if s.Transport == TransportStdio && s.Cwd == "" {
		s.Cwd = t.dir
	}
	t.report(s.problems())
}

// problems returns what is wrong with a resolved server.
func (s *ServerSpec) problems() []problem {
	var out []problem
	if msg := checkServerName(s.Name); msg != "" {
		out = append(out, problem{msg: msg, always: true})
	}
	if pr, ok := s.transportProblem(); ok {
		out = append(out, pr)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			out = append(out, problem{key: []string{"env", k}, msg: "not a valid environment variable name"})
		}
	}
	for i, name := range s.EnvVars {
		if !isEnvName(name) {
			out = append(out, problem{key: []string{"env_vars", strconv.Itoa(i)},
				msg: fmt.Sprintf("element %d: %q is not a variable name (letters, digits and '_', not starting with a digit)", i+1, name)})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.Headers)) {
		if !isToken(k) {
			out = append(out, problem{key: []string{"headers", k}, msg: "not a valid HTTP header name"})
		}
	}
	out = append(out, s.identityHeadersProblems()...)
	if pr, ok := s.eraProblem(); ok {
		out = append(out, pr)
	}
	for _, k := range slices.Sorted(maps.Keys(s.ToolTimeouts)) {
		switch d := s.ToolTimeouts[k]; {
		case d < 0:
			out = append(out, problem{key: []string{"tool_timeouts", k}, msg: fmt.Sprintf("must not be negative, got %s", d)})
		case d > 0 && d < MinDuration:
			out = append(out, problem{key: []string{"tool_timeouts", k}, msg: fmt.Sprintf("must be at least %s, got %s", MinDuration, d)})
		}
	}
	return append(out, s.Policy.problems()...)
}

// transportProblem says what is wrong with how the server is reached. URLs are never shown:
// they may carry tokens.
func (s *ServerSpec) transportProblem() (problem, bool) {
	cmd, remote := s.Command != "", s.URL != ""
	transport := []string{"transport"}
	switch {
	case s.Transport != "" && s.Transport != TransportStdio && s.Transport != TransportHTTP && s.Transport != TransportSSE:
		return problem{key: transport, msg: fmt.Sprintf("unknown transport %q (want stdio, http or sse)", s.Transport), always: true}, true
	case cmd && remote:
		return problem{key: []string{"url"}, alt: "command", msg: "set either command (stdio) or url (http, sse), not both", always: true}, true
	case !cmd && !remote:
		return problem{msg: "set command (a stdio server) or url (an http or sse server)", always: true, missing: true}, true
	case s.Transport == TransportStdio && !cmd:
		return problem{key: transport, msg: `transport "stdio" needs command, not url`, always: true}, true
	case (s.Transport == TransportHTTP || s.Transport == TransportSSE) && !remote:
		return problem{key: transport, msg: fmt.Sprintf("transport %q needs url, not command", s.Transport), always: true}, true
	case s.Transport == "":
		return problem{key: transport, msg: "transport is not set", always: true}, true
	case remote:
		if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return problem{key: []string{"url"}, msg: "want an http:// or https:// URL", always: true}, true
		}
	}
	return problem{}, false
}

// checkServerName says what is wrong with a server name, or "".
func checkServerName(name string) string {
	if name == "" {
		return "server name is empty"
	}
	for _, c := range name {
		if !(c == '_' || c == '.' || c == '-' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			return fmt.Sprintf("server name %q may only contain A-Z, a-z, 0-9, '_', '.' and '-'", name)
		}
	}
	return ""
}

// isToken reports whether s is a valid HTTP header name (an RFC 9110 token).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		alnum := (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
		if !alnum && !strings.ContainsRune("!#$%&'*+-.^_`|~", c) {
			return false
		}
	}
	return true
}

// identityHeadersProblems says what is wrong with identity_headers: names that are no HTTP
// header, or a setting that would not take effect (a stdio server, or isolation other than
// "identity") and so would leave callers sharing sessions that the config means to separate.
func (s *ServerSpec) identityHeadersProblems() []problem {
	if s.IdentityHeaders == nil {
		return nil
	}
	key := []string{"identity_headers"}
	var out []problem
	for i, h := range s.IdentityHeaders {
		if !isToken(h) {
			out = append(out, problem{key: append(key, strconv.Itoa(i)), msg: fmt.Sprintf("element %d: not a valid HTTP header name", i+1)})
		}
	}
	switch {
	case len(s.IdentityHeaders) == 0:
		out = append(out, problem{key: key, msg: "empty: list the headers that tell callers apart, or remove the key (then every per-call header does)"})
	case s.Transport == TransportStdio:
		out = append(out, problem{key: key, msg: "only http and sse servers get per-call headers"})
	case s.Isolation != IsolationIdentity:
		out = append(out, problem{key: key, alt: "isolation",
			msg: fmt.Sprintf("identity_headers takes effect only with isolation = %q (this server has %q)", IsolationIdentity, s.Isolation)})
	}
	return out
}
