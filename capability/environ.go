package capability

import (
	"maps"
	"slices"
	"strings"
)

// BaseEnv lists the variables of SPINE's environment that every stdio server inherits: what
// a program needs to find executables, its home and user, its locale, terminal, temporary
// directory and time zone — and no credentials. A server gets more through its env and
// env_vars keys, or everything with inherit_env = true.
var BaseEnv = []string{"PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TMPDIR", "TZ"}

// Environ returns the environment a stdio server runs with, given SPINE's own as
// os.Environ returns it: the variables of BaseEnv and those EnvVars names (all of them
// when InheritEnv is set), then Env, whose values win over inherited ones. It is the one
// place that decides what a server sees.
func (s *ServerSpec) Environ(parent []string) []string {
	out := make([]string, 0, len(BaseEnv)+len(s.EnvVars)+len(s.Env))
	for _, kv := range parent {
		name, _, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if _, set := s.Env[name]; set {
			continue
		}
		if s.InheritEnv || slices.Contains(BaseEnv, name) || slices.Contains(s.EnvVars, name) {
			out = append(out, kv)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Env)) {
		out = append(out, name+"="+s.Env[name])
	}
	return out
}
