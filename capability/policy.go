package capability

import (
	"fmt"
	"slices"
	"time"
)

// policyKey is one Policy knob as written in [defaults] and [servers.NAME]: how to read it
// over a Policy, and what is wrong with a resolved value.
type policyKey struct {
	name  string
	apply func(t *table, p *Policy)
	check func(p *Policy) string // "" when the value is fine
}

// policyKeys lists the Policy knobs in the order of the README's [defaults] example.
var policyKeys = []policyKey{
	intKey("min_sessions", 0, func(p *Policy) *int { return &p.MinSessions }),
	intKey("max_sessions", 1, func(p *Policy) *int { return &p.MaxSessions }),
	intKey("max_inflight", 1, func(p *Policy) *int { return &p.MaxInflight }),
	durationKey("connect_timeout", func(p *Policy) *time.Duration { return &p.ConnectTimeout }),
	durationKey("call_timeout", func(p *Policy) *time.Duration { return &p.CallTimeout }),
	durationKey("acquire_timeout", func(p *Policy) *time.Duration { return &p.AcquireTimeout }),
	durationKey("idle_timeout", func(p *Policy) *time.Duration { return &p.IdleTimeout }),
	durationKey("max_lifetime", func(p *Policy) *time.Duration { return &p.MaxLifetime }),
	durationKey("health_interval", func(p *Policy) *time.Duration { return &p.HealthInterval }),
	{name: "health_methods", apply: applyHealthMethods, check: checkHealthMethods},
	durationKey("tools_cache_ttl", func(p *Policy) *time.Duration { return &p.ToolsCacheTTL }),
	intKey("retries", 0, func(p *Policy) *int { return &p.Retries }),
	intKey("circuit_threshold", 0, func(p *Policy) *int { return &p.CircuitThreshold }),
	durationKey("circuit_reset", func(p *Policy) *time.Duration { return &p.CircuitReset }),
	{name: "isolation", apply: applyIsolation, check: checkIsolation},
	{name: "protocol", apply: applyProtocol, check: checkProtocol},
	intKey("max_list_pages", 0, func(p *Policy) *int { return &p.MaxListPages }),
	intKey("max_total_sessions", 0, func(p *Policy) *int { return &p.MaxTotalSessions }),
	durationKey("max_call_time", func(p *Policy) *time.Duration { return &p.MaxCallTime }),
}

// MinDuration is the least a timeout or interval may be (0 still means "off" where a knob
// allows it): shorter ones would only spin a CPU on timers.
const MinDuration = 10 * time.Millisecond

// policyNames returns the keys of policyKeys.
func policyNames() []string {
	names := make([]string, len(policyKeys))
	for i, k := range policyKeys {
		names[i] = k.name
	}
	return names
}

// healthMethods are the values health_methods may list.
var healthMethods = []string{"ping", "list_tools", "skip"}

func intKey(name string, least int, field func(*Policy) *int) policyKey {
	return policyKey{
		name: name,
		apply: func(t *table, p *Policy) {
			if v, ok := t.integer(name); ok {
				*field(p) = v
			}
		},
		check: func(p *Policy) string {
			switch v := *field(p); {
			case v >= least:
				return ""
			case least == 0:
				return fmt.Sprintf("must not be negative, got %d", v)
			default:
				return fmt.Sprintf("must be at least %d, got %d", least, v)
			}
		},
	}
}

func durationKey(name string, field func(*Policy) *time.Duration) policyKey {
	return policyKey{
		name: name,
		apply: func(t *table, p *Policy) {
			if d, ok := t.duration(name); ok {
				*field(p) = d
			}
		},
		check: func(p *Policy) string {
			switch d := *field(p); {
			case d < 0:
				return fmt.Sprintf("must not be negative, got %s", d)
			case d > 0 && d < MinDuration:
				return fmt.Sprintf("must be at least %s (or 0 where that turns it off), got %s", MinDuration, d)
			}
			return ""
		},
	}
}

func applyHealthMethods(t *table, p *Policy) {
	if v, ok := t.strList("health_methods", false); ok {
		p.HealthMethods = v
	}
}

func checkHealthMethods(p *Policy) string {
	for _, m := range p.HealthMethods {
		if !slices.Contains(healthMethods, m) {
			return fmt.Sprintf("unknown health method %q (want ping, list_tools or skip)", m)
		}
	}
	return ""
}

func applyIsolation(t *table, p *Policy) {
	if v, ok := t.str("isolation", false); ok {
		p.Isolation = Isolation(v)
	}
}

func checkIsolation(p *Policy) string {
	switch p.Isolation {
	case IsolationShared, IsolationIdentity, IsolationAffinity:
		return ""
	}
	return fmt.Sprintf("unknown isolation %q (want shared, identity or affinity)", p.Isolation)
}

// applyProtocol reads protocol as a string, or as the TOML local date an unquoted
// protocol = 2025-11-25 decodes to.
func applyProtocol(t *table, p *Policy) {
	v, ok := t.vals["protocol"]
	if !ok {
		return
	}
	if d, isDate := v.(time.Time); isDate && d.Hour() == 0 && d.Minute() == 0 && d.Second() == 0 && d.Nanosecond() == 0 {
		p.Protocol = d.Format(time.DateOnly)
		return
	}
	if s, ok := t.str("protocol", false); ok {
		p.Protocol = s
	}
}

// applyPolicy reads the Policy keys that t sets over p.
func applyPolicy(t *table, p *Policy) {
	for _, k := range policyKeys {
		k.apply(t, p)
	}
}

// problem is something wrong with a resolved value. key names the key responsible, below
// the table at hand (alt when key is not set there); always marks problems that are not
// inherited, so that they are reported even when the table sets neither key. missing marks
// a key that is not set at all, which goes unreported when the table has a misspelt key.
type problem struct {
	key     []string
	alt     string
	msg     string
	always  bool
	missing bool
}

// problems returns what is wrong with the policy, in the order of policyKeys.
func (p *Policy) problems() []problem {
	var out []problem
	for _, k := range policyKeys {
		if msg := k.check(p); msg != "" {
			out = append(out, problem{key: []string{k.name}, msg: msg})
		}
	}
	if p.MinSessions > p.MaxSessions && p.MaxSessions >= 1 {
		out = append(out, problem{
			key: []string{"min_sessions"}, alt: "max_sessions",
			msg: fmt.Sprintf("min_sessions (%d) is greater than max_sessions (%d)", p.MinSessions, p.MaxSessions),
		})
	}
	return out
}

// clone returns a copy of p that shares no memory with it.
func (p Policy) clone() Policy {
	p.HealthMethods = slices.Clone(p.HealthMethods)
	return p
}
