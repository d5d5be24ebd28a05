package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestServersShowsTheProtocol: `spine servers` reports the protocol version the handshake
// settled on, as a column and as the JSON field protocol.
func TestServersShowsTheProtocol(t *testing.T) {
	spinetest.NoLeaks(t)
	stdout, stderr, code := spineRun(t, "servers", "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	var doc struct {
		Servers []serverCheck `json:"servers"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].Protocol != "2025-11-25" || !doc.Servers[0].OK {
		t.Errorf("servers = %+v, want demo ok on protocol 2025-11-25", doc.Servers)
	}
	if !strings.Contains(stdout, `"protocol": "2025-11-25"`) {
		t.Errorf("no protocol field in:\n%s", stdout)
	}

	stdout, stderr, code = spineRun(t, "servers")
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("want a header and one row:\n%s", stdout)
	}
	header, row := strings.Fields(lines[0]), strings.Fields(lines[1])
	if len(header) != len(row) || header[3] != "PROTOCOL" || row[3] != "2025-11-25" {
		t.Errorf("protocol column missing:\n%s", stdout)
	}
}
