package capability

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func demoSnapshot() *Snapshot {
	return &Snapshot{
		Server:       "demo",
		Info:         &mcp.Implementation{Name: "demo", Version: "1.0.0"},
		Instructions: "A demo server.",
		Capabilities: &mcp.ServerCapabilities{Tools: &mcp.ToolCapabilities{ListChanged: true}},
		Tools: []*mcp.Tool{
			{Name: "echo", Description: "Echoes text.", InputSchema: map[string]any{"type": "object", "properties": map[string]any{"text": map[string]any{"type": "string"}}}},
			{Name: "add", Description: "Adds numbers.", InputSchema: map[string]any{"type": "object"}},
			{Name: "sleep", InputSchema: map[string]any{"type": "object"}},
		},
		Resources: []*mcp.Resource{
			{URI: "demo://readme", Name: "readme"},
			{URI: "demo://about", Name: "about"},
		},
		ResourceTemplates: []*mcp.ResourceTemplate{
			{URITemplate: "demo://items/{id}", Name: "item"},
		},
		Prompts: []*mcp.Prompt{
			{Name: "summarize", Arguments: []*mcp.PromptArgument{{Name: "topic", Required: true}}},
			{Name: "explain"},
		},
		ScannedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

func TestSnapshotHashStable(t *testing.T) {
	a, b := demoSnapshot(), demoSnapshot()
	if a.ComputeHash() != b.ComputeHash() {
		t.Fatal("equal snapshots hash differently")
	}
	if got := a.ComputeHash(); len(got) != 64 {
		t.Fatalf("hash %q: want 64 hex digits", got)
	}
	if a.Hash != "" {
		t.Fatal("ComputeHash modified the snapshot")
	}
}

func TestSnapshotHashIgnoresOrderTimeAndHash(t *testing.T) {
	base := demoSnapshot().ComputeHash()
	s := demoSnapshot()
	reorder := func() {
		s.Tools[0], s.Tools[2] = s.Tools[2], s.Tools[0]
		s.Resources[0], s.Resources[1] = s.Resources[1], s.Resources[0]
		s.Prompts[0], s.Prompts[1] = s.Prompts[1], s.Prompts[0]
	}
	reorder()
	s.ScannedAt = s.ScannedAt.Add(time.Hour)
	s.Hash = "something else"
	if got := s.ComputeHash(); got != base {
		t.Fatalf("reordered snapshot: hash %s, want %s", got, base)
	}
}

func TestSnapshotHashSeesContent(t *testing.T) {
	base := demoSnapshot().ComputeHash()
	cases := map[string]func(*Snapshot){
		"server":        func(s *Snapshot) { s.Server = "other" },
		"version":       func(s *Snapshot) { s.Info.Version = "1.0.1" },
		"instructions":  func(s *Snapshot) { s.Instructions = "" },
		"capabilities":  func(s *Snapshot) { s.Capabilities = nil },
		"tool desc":     func(s *Snapshot) { s.Tools[0].Description = "Echoes text back." },
		"tool schema":   func(s *Snapshot) { s.Tools[1].InputSchema = map[string]any{"type": "object", "required": []any{"a"}} },
		"tool removed":  func(s *Snapshot) { s.Tools = s.Tools[:2] },
		"tool added":    func(s *Snapshot) { s.Tools = append(s.Tools, &mcp.Tool{Name: "grown_1"}) },
		"resource":      func(s *Snapshot) { s.Resources[0].MIMEType = "text/plain" },
		"template":      func(s *Snapshot) { s.ResourceTemplates = nil },
		"prompt arg":    func(s *Snapshot) { s.Prompts[0].Arguments[0].Required = false },
		"prompt remove": func(s *Snapshot) { s.Prompts = s.Prompts[1:] },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			s := demoSnapshot()
			mutate(s)
			if s.ComputeHash() == base {
				t.Fatal("change not seen by the hash")
			}
		})
	}
}

func TestRegistryPutChanged(t *testing.T) {
	r := NewRegistry()
	steps := []struct {
		name    string
		snap    *Snapshot
		changed bool
	}{
		{"first put", demoSnapshot(), true},
		{"same content, new scan time", func() *Snapshot { s := demoSnapshot(); s.ScannedAt = s.ScannedAt.Add(time.Minute); return s }(), false},
		{"same content, other order", func() *Snapshot { s := demoSnapshot(); s.Tools[0], s.Tools[1] = s.Tools[1], s.Tools[0]; return s }(), false},
		{"a tool grew", func() *Snapshot { s := demoSnapshot(); s.Tools = append(s.Tools, &mcp.Tool{Name: "grown_1"}); return s }(), true},
		{"unchanged again", func() *Snapshot { s := demoSnapshot(); s.Tools = append(s.Tools, &mcp.Tool{Name: "grown_1"}); return s }(), false},
		{"other server first put", func() *Snapshot { s := demoSnapshot(); s.Server = "files"; return s }(), true},
	}
	for _, st := range steps {
		if got := r.Put(st.snap); got != st.changed {
			t.Fatalf("%s: changed = %v, want %v", st.name, got, st.changed)
		}
		if st.snap.Hash != st.snap.ComputeHash() {
			t.Fatalf("%s: Put did not set Hash", st.name)
		}
		got, ok := r.Get(st.snap.Server)
		if !ok || got != st.snap {
			t.Fatalf("%s: Get does not return the latest snapshot", st.name)
		}
	}
	if r.Put(nil) {
		t.Fatal("Put(nil) reported a change")
	}
}

func TestRegistryGetAllRemove(t *testing.T) {
	var r Registry // the zero value works
	if _, ok := r.Get("demo"); ok {
		t.Fatal("empty registry knows demo")
	}
	if n := len(r.All()); n != 0 {
		t.Fatalf("empty registry: All has %d snapshots", n)
	}
	for _, name := range []string{"zeta", "demo", "alpha"} {
		r.Put(&Snapshot{Server: name})
	}
	var names []string
	for _, s := range r.All() {
		names = append(names, s.Server)
	}
	if fmt.Sprint(names) != "[alpha demo zeta]" {
		t.Fatalf("All: %v, want sorted by name", names)
	}
	if !r.Remove("demo") || r.Remove("demo") {
		t.Fatal("Remove: want true then false")
	}
	if !r.Put(&Snapshot{Server: "demo"}) {
		t.Fatal("Put after Remove: want changed")
	}
}

func TestRegistryConcurrentUse(t *testing.T) {
	r := NewRegistry()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				s := demoSnapshot()
				s.Server = fmt.Sprintf("s%d", (i+j)%4)
				r.Put(s)
				r.Get(s.Server)
				r.All()
			}
		})
	}
	wg.Wait()
	if n := len(r.All()); n != 4 {
		t.Fatalf("All: %d servers, want 4", n)
	}
}
