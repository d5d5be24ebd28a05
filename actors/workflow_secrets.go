package actors

import "github.com/spine-mcp/spine/capability"

// Secrets returns the values of a server's configuration that must never be written out:
// its env values, the variables its env_vars passes on, its headers (and the token of a
// "Bearer TOKEN" header), its url's user info, query values and fragment; longest first.
// They are what errors, events and stderr lines are redacted of, and what a run's journal
// is redacted of.
func Secrets(spec *capability.ServerSpec) []string { return secretsOf(spec) }
