package thirdparty

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// graph is the structured content of the memory server's read_graph, search_nodes and
// open_nodes.
type graph struct {
	Entities []struct {
		Name         string   `json:"name"`
		EntityType   string   `json:"entityType"`
		Observations []string `json:"observations"`
	} `json:"entities"`
	Relations []struct {
		From         string `json:"from"`
		To           string `json:"to"`
		RelationType string `json:"relationType"`
	} `json:"relations"`
}

func (g graph) entity(name string) (observations []string, ok bool) {
	for _, e := range g.Entities {
		if e.Name == name {
			return e.Observations, true
		}
	}
	return nil, false
}

// TestMemory builds a knowledge graph with the memory server in several calls, then reads and
// searches it back in later calls, and again after SPINE replaced the session (a new process),
// which reads the graph from its file.
func TestMemory(t *testing.T) {
	requireServers(t)
	for _, l := range launches {
		t.Run(string(l), func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "memory.jsonl")
			spec := serverSpec(t, l, "memory", memory)
			spec.Env = map[string]string{"MEMORY_FILE_PATH": file}
			ex := start(t, spec)
			ctx := testContext(t)

			call(ctx, t, ex, "memory", "create_entities", map[string]any{"entities": []map[string]any{
				{"name": "spine", "entityType": "runtime", "observations": []string{"written in Go"}},
				{"name": "server-memory", "entityType": "mcp_server", "observations": []string{"stores a knowledge graph"}},
			}})
			call(ctx, t, ex, "memory", "create_relations", map[string]any{"relations": []map[string]any{
				{"from": "spine", "to": "server-memory", "relationType": "keeps warm"},
			}})
			call(ctx, t, ex, "memory", "add_observations", map[string]any{"observations": []map[string]any{
				{"entityName": "spine", "contents": []string{"pools sessions", "supervises sessions"}},
			}})

			check := func(when string) {
				t.Helper()
				var g graph
				structured(t, call(ctx, t, ex, "memory", "read_graph", nil), &g)
				obs, ok := g.entity("spine")
				if len(g.Entities) != 2 || !ok || !slices.Equal(obs, []string{"written in Go", "pools sessions", "supervises sessions"}) {
					t.Errorf("%s: read_graph entities = %+v, want spine with 3 observations and server-memory", when, g.Entities)
				}
				if len(g.Relations) != 1 || g.Relations[0].From != "spine" || g.Relations[0].RelationType != "keeps warm" {
					t.Errorf("%s: read_graph relations = %+v, want spine keeps warm server-memory", when, g.Relations)
				}

				var found graph
				structured(t, call(ctx, t, ex, "memory", "search_nodes", map[string]any{"query": "pools"}), &found)
				if len(found.Entities) != 1 || found.Entities[0].Name != "spine" {
					t.Errorf("%s: search_nodes pools = %+v, want spine only", when, found.Entities)
				}
				var opened graph
				structured(t, call(ctx, t, ex, "memory", "open_nodes", map[string]any{"names": []string{"server-memory"}}), &opened)
				if obs, ok := opened.entity("server-memory"); !ok || len(obs) != 1 {
					t.Errorf("%s: open_nodes server-memory = %+v", when, opened.Entities)
				}
			}
			check("same session")
			if st := ex.Stats().Servers["memory"]; st.SessionsCreated != 1 {
				t.Errorf("sessions created = %d, want one warm session for every call", st.SessionsCreated)
			}

			if err := ex.Reconnect(ctx, "memory"); err != nil {
				t.Fatalf("Reconnect: %v", err)
			}
			check("after Reconnect")
			if st := ex.Stats().Servers["memory"]; st.SessionsCreated != 2 {
				t.Errorf("sessions created = %d, want 2 (Reconnect replaced the session)", st.SessionsCreated)
			}
			if _, err := os.Stat(file); err != nil {
				t.Errorf("MEMORY_FILE_PATH was not used: %v", err)
			}
		})
	}
}
