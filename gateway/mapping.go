package gateway

import (
	"cmp"
	"maps"
	"slices"

	"github.com/spine-mcp/spine/capability"
)

// Mapping is what the gateway advertises and where each name leads: what
// `spine serve --print-names` prints.
type Mapping struct {
	Tools      []Entry           `json:"tools"`
	Prompts    []Entry           `json:"prompts"`
	Resources  []Entry           `json:"resources"`
	Collisions []Collision       `json:"collisions"`
	Failed     map[string]string `json:"failed,omitempty"` // servers that could not be listed, and why
}

// Entry is one advertised name: Name downstream is Upstream on Server ("workflow" for a
// workflow tool, whose Upstream is the workflow's name).
type Entry struct {
	Name     string `json:"name"`
	Server   string `json:"server"`
	Upstream string `json:"upstream"`
}

// mapping returns what is advertised now, in config order, then by name.
func (c *catalogue) mapping() Mapping {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := Mapping{Tools: []Entry{}, Prompts: []Entry{}, Resources: []Entry{}, Collisions: c.collisions()}
	if m.Collisions == nil {
		m.Collisions = []Collision{}
	}
	if len(c.failed) > 0 {
		m.Failed = maps.Clone(c.failed)
	}
	for _, name := range c.workflowTools() {
		t, _ := c.tools.lookup(name)
		m.Tools = append(m.Tools, Entry{Name: name, Server: t.Server, Upstream: t.Name})
	}
	for _, server := range c.order {
		s := c.shown[server]
		if s == nil {
			continue
		}
		m.Tools = append(m.Tools, entries(c.tools, s.tools)...)
		m.Prompts = append(m.Prompts, entries(c.prompts, s.prompts)...)
		m.Resources = append(m.Resources, entries(c.resources, s.resources)...)
	}
	return m
}

func entries(ns *namespace, names map[string][]byte) []Entry {
	var out []Entry
	for _, name := range slices.Sorted(maps.Keys(names)) {
		t, _ := ns.lookup(name)
		out = append(out, Entry{Name: name, Server: t.Server, Upstream: t.Name})
	}
	slices.SortStableFunc(out, func(a, b Entry) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// SessionFree reports whether a call of the advertised tool needs nothing of a downstream
// session — a tool of a shared or identity server — so that any node of a cluster may serve
// it, without the session. A workflow's tool or an affinity server's needs the session's own
// node; so does a name not advertised (the owner answers it).
func (g *Gateway) SessionFree(tool string) bool {
	g.cat.mu.Lock()
	t, ok := g.cat.tools.lookup(tool)
	g.cat.mu.Unlock()
	if !ok || t.Server == workflowServer {
		return false
	}
	s, ok := g.project.Server(t.Server)
	return ok && s.Isolation != capability.IsolationAffinity
}
