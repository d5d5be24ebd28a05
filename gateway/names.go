package gateway

import (
	"fmt"
	"slices"
)

// Separator joins a server's prefix and an upstream name: `<server>__<tool>`.
const Separator = "__"

// NameMode says how tools and prompts are named downstream.
type NameMode string

// The name modes of [serve] names.
const (
	// NamesPrefixed exposes every tool and prompt as <prefix>__<name> (the default).
	NamesPrefixed NameMode = "prefixed"
	// NamesBare exposes a name as it is where no other server offers the same one.
	NamesBare NameMode = "bare"
)

// ServerNaming is one server's naming rules: Prefix replaces the server's name in
// <server>__<tool> ("" = the server's name); Aliases name single tools (or prompts) outright.
type ServerNaming struct {
	Prefix  string
	Aliases map[string]string
}

// Target is what an advertised name stands for: an upstream name on a server.
type Target struct {
	Server string
	Name   string
}

// Collision records that Target wanted Wanted, which an earlier server held, and got Got.
type Collision struct {
	Kind   string `json:"kind"` // "tool", "prompt" or "resource"
	Wanted string `json:"wanted"`
	Got    string `json:"got"`
	Server string `json:"server"`
	Name   string `json:"name"`
	Holder string `json:"holder"` // the server that keeps Wanted
}

// namespace assigns the advertised names of one kind. Once a name is given to a target it
// keeps that meaning for the namespace's life, even when the target disappears and comes
// back (an upstream restarting): a host that cached the name never reaches another tool.
// It is not safe for concurrent use: the catalogue serialises it.
type namespace struct {
	kind     string
	mode     NameMode
	rules    map[string]ServerNaming
	order    []string // servers in config order: earlier servers win a name
	byName   map[string]Target
	byTarget map[Target]string
	seen     map[string]map[string]bool // upstream name -> servers offering it (for bare)
	clashes  []Collision
	fallback func(t Target) string // the name of a target whose preferred name is taken
	prefer   func(ns *namespace, t Target) string
}

func newNamespace(kind string, mode NameMode, rules map[string]ServerNaming, order []string) *namespace {
	ns := &namespace{
		kind: kind, mode: mode, rules: rules, order: order,
		byName: map[string]Target{}, byTarget: map[Target]string{}, seen: map[string]map[string]bool{},
	}
	ns.prefer = (*namespace).preferredName
	ns.fallback = func(t Target) string { return t.Server + Separator + t.Name }
	return ns
}

// newURINamespace is the namespace of resources: URIs stay as they are; a later server's
// clashing URI is exposed as <server>+<uri>.
func newURINamespace(kind string, order []string) *namespace {
	ns := newNamespace(kind, NamesBare, nil, order)
	ns.prefer = func(_ *namespace, t Target) string { return t.Name }
	ns.fallback = func(t Target) string { return t.Server + "+" + t.Name }
	return ns
}

// preferredName is a target's name before collisions: its alias, else its bare name where
// bare names are asked for and no other server offers it, else <prefix>__<name>.
func (ns *namespace) preferredName(t Target) string {
	rule := ns.rules[t.Server]
	if a, ok := rule.Aliases[t.Name]; ok && a != "" {
		return a
	}
	if ns.mode == NamesBare && len(ns.seen[t.Name]) <= 1 {
		return t.Name
	}
	prefix := rule.Prefix
	if prefix == "" {
		prefix = t.Server
	}
	return prefix + Separator + t.Name
}

// assign names every upstream name of every server in lists, in config order, and returns the
// name of each target. Targets named before keep their names. Several servers' lists should
// be assigned in one call, so that bare names are only given where they are unique.
func (ns *namespace) assign(lists map[string][]string) map[Target]string {
	for server, names := range lists {
		for _, n := range names {
			if ns.seen[n] == nil {
				ns.seen[n] = map[string]bool{}
			}
			ns.seen[n][server] = true
		}
	}
	out := map[Target]string{}
	for _, server := range ns.order {
		names, ok := lists[server]
		if !ok {
			continue
		}
		for _, n := range names {
			t := Target{Server: server, Name: n}
			out[t] = ns.name(t)
		}
	}
	return out
}

// name returns t's name, giving it one on first sight.
func (ns *namespace) name(t Target) string {
	if got, ok := ns.byTarget[t]; ok {
		return got
	}
	return ns.nameAs(t, ns.prefer(ns, t))
}

// nameAs returns t's name, giving it want (or, when taken, the fallback) on first sight.
func (ns *namespace) nameAs(t Target, want string) string {
	if got, ok := ns.byTarget[t]; ok {
		return got
	}
	got := want
	if holder, taken := ns.byName[want]; taken {
		got = ns.free(ns.fallback(t))
		ns.clashes = append(ns.clashes, Collision{Kind: ns.kind, Wanted: want, Got: got, Server: t.Server, Name: t.Name, Holder: holder.Server})
	}
	ns.byName[got], ns.byTarget[t] = t, got
	return got
}

// free returns name, or name with the first free _N suffix.
func (ns *namespace) free(name string) string {
	if _, taken := ns.byName[name]; !taken {
		return name
	}
	for i := 2; ; i++ {
		if c := fmt.Sprintf("%s_%d", name, i); ns.byName[c] == (Target{}) {
			return c
		}
	}
}

// reserve takes name for a target that is not an upstream's (a workflow tool), before any
// server is named.
func (ns *namespace) reserve(name string, t Target) {
	ns.byName[name], ns.byTarget[t] = t, name
}

// lookup returns the target an advertised name stands for.
func (ns *namespace) lookup(name string) (Target, bool) {
	t, ok := ns.byName[name]
	return t, ok
}

// collisions returns the collisions so far, in the order they happened.
func (ns *namespace) collisions() []Collision { return slices.Clone(ns.clashes) }
