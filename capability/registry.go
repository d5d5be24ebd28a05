package capability

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Snapshot is what one scan of one server found.
//
// A Snapshot handed to a Registry belongs to it: treat snapshots returned by
// Get and All as read-only.
type Snapshot struct {
	Server            string                  `json:"server"`
	Info              *mcp.Implementation     `json:"info,omitempty"`
	Instructions      string                  `json:"instructions,omitempty"`
	Capabilities      *mcp.ServerCapabilities `json:"capabilities,omitempty"`
	Tools             []*mcp.Tool             `json:"tools"`
	Resources         []*mcp.Resource         `json:"resources"`
	ResourceTemplates []*mcp.ResourceTemplate `json:"resource_templates"`
	Prompts           []*mcp.Prompt           `json:"prompts"`
	ScannedAt         time.Time               `json:"scanned_at"`
	// Hash is the hex SHA-256 of everything above except ScannedAt, with the
	// lists sorted by name (URI for resources), so that two scans that found
	// the same things in a different order hash the same. Set by
	// ComputeHash's caller, normally Registry.Put.
	Hash string `json:"hash"`
}

// ComputeHash returns the content hash of s (see Snapshot.Hash). It does not
// modify s.
func (s *Snapshot) ComputeHash() string {
	// The hashed form leaves out ScannedAt and Hash, and sorts copies of the
	// lists: servers list in whatever order they like.
	hashed := struct {
		Server            string                  `json:"server"`
		Info              *mcp.Implementation     `json:"info,omitempty"`
		Instructions      string                  `json:"instructions,omitempty"`
		Capabilities      *mcp.ServerCapabilities `json:"capabilities,omitempty"`
		Tools             []json.RawMessage       `json:"tools"`
		Resources         []json.RawMessage       `json:"resources"`
		ResourceTemplates []json.RawMessage       `json:"resource_templates"`
		Prompts           []json.RawMessage       `json:"prompts"`
	}{
		Server:            s.Server,
		Info:              s.Info,
		Instructions:      s.Instructions,
		Capabilities:      s.Capabilities,
		Tools:             sortedJSON(s.Tools, func(t *mcp.Tool) string { return t.Name }),
		Resources:         sortedJSON(s.Resources, func(r *mcp.Resource) string { return r.URI }),
		ResourceTemplates: sortedJSON(s.ResourceTemplates, func(t *mcp.ResourceTemplate) string { return t.URITemplate }),
		Prompts:           sortedJSON(s.Prompts, func(p *mcp.Prompt) string { return p.Name }),
	}
	data, err := json.Marshal(hashed)
	if err != nil {
		// Only a value that can't be marshalled (a func or channel inside a
		// schema) gets here; hash what can be said about it so that the
		// result is still stable for the same input.
		data = []byte("unmarshallable: " + err.Error())
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// sortedJSON marshals each item and orders the results by key, then by the
// marshalled bytes, so that items sharing a key still sort the same way
// every time. Nil items marshal as null and sort first.
func sortedJSON[T any](items []*T, key func(*T) string) []json.RawMessage {
	type keyed struct {
		key  string
		data json.RawMessage
	}
	ks := make([]keyed, 0, len(items))
	for _, it := range items {
		k := ""
		if it != nil {
			k = key(it)
		}
		data, err := json.Marshal(it)
		if err != nil {
			data, _ = json.Marshal("unmarshallable: " + err.Error())
		}
		ks = append(ks, keyed{k, data})
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.key, b.key), bytes.Compare(a.data, b.data))
	})
	out := make([]json.RawMessage, len(ks))
	for i, k := range ks {
		out[i] = k.data
	}
	return out
}

// Registry holds the latest Snapshot of each server. It is safe for
// concurrent use, and its zero value is an empty registry.
type Registry struct {
	mu        sync.RWMutex
	snapshots map[string]*Snapshot
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry {
	return &Registry{snapshots: make(map[string]*Snapshot)}
}

// Put records s as the latest snapshot of s.Server, setting s.Hash. It
// reports whether the content changed: true on the first Put of a server and
// whenever the hash differs from the previous snapshot's. A nil s is ignored.
func (r *Registry) Put(s *Snapshot) (changed bool) {
	if s == nil {
		return false
	}
	s.Hash = s.ComputeHash()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.snapshots == nil {
		r.snapshots = make(map[string]*Snapshot)
	}
	prev, ok := r.snapshots[s.Server]
	r.snapshots[s.Server] = s
	return !ok || prev.Hash != s.Hash
}

// Get returns the latest snapshot of server.
func (r *Registry) Get(server string) (*Snapshot, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.snapshots[server]
	return s, ok
}

// Remove forgets server (e.g. when it is disabled) and reports whether it
// was known. A later Put of it counts as changed.
func (r *Registry) Remove(server string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.snapshots[server]
	delete(r.snapshots, server)
	return ok
}

// All returns the latest snapshot of every server, sorted by server name.
func (r *Registry) All() []*Snapshot {
	r.mu.RLock()
	out := make([]*Snapshot, 0, len(r.snapshots))
	for _, s := range r.snapshots {
		out = append(out, s)
	}
	r.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Snapshot) int { return cmp.Compare(a.Server, b.Server) })
	return out
}
