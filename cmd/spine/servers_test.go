package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestServersShowsTheProtocol: `spine servers` reports the era and the protocol version the
// handshake settled on, as columns and as the JSON fields era and protocol.
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
	if len(doc.Servers) != 1 || doc.Servers[0].Protocol != "2025-11-25" || doc.Servers[0].Era != "legacy" || !doc.Servers[0].OK {
		t.Errorf("servers = %+v, want demo ok on protocol 2025-11-25, era legacy", doc.Servers)
	}
	if !strings.Contains(stdout, `"protocol": "2025-11-25"`) || !strings.Contains(stdout, `"era": "legacy"`) {
		t.Errorf("no protocol or era field in:\n%s", stdout)
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
	if len(header) != len(row) || header[3] != "ERA" || row[3] != "legacy" || header[4] != "PROTOCOL" || row[4] != "2025-11-25" {
		t.Errorf("era and protocol columns missing:\n%s", stdout)
	}
}

// TestServersShowsBothEras: a project with the demo server pinned to each era and probed
// (auto) shows each server's era and version, and which ones were probed.
func TestServersShowsBothEras(t *testing.T) {
	spinetest.NoLeaks(t)
	dir := t.TempDir()
	server := func(name, protocol string) string {
		return "[servers." + name + "]\ncommand = " + strconvQuote(spinetest.Binary(t)) + "\nargs = [\"demo-server\"]\nprotocol = \"" + protocol + "\"\n"
	}
	cfg := server("old", "2025-11-25") + server("new", "2026-07-28") + server("probed", "auto")
	if err := os.WriteFile(filepath.Join(dir, "spine.toml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, spinetest.Binary(t), "--project", dir, "servers")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("spine servers: %v\n%s", err, errOut.String())
	}
	want := map[string][2]string{"old": {"legacy", "2025-11-25"}, "new": {"modern", "2026-07-28"}, "probed": {"modern", "auto:2026-07-28"}}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n")[1:] {
		f := strings.Fields(line)
		w, ok := want[f[0]]
		if !ok || f[3] != w[0] || f[4] != w[1] {
			t.Errorf("row %q, want era %s and protocol %s", line, w[0], w[1])
		}
		delete(want, f[0])
	}
	if len(want) != 0 {
		t.Errorf("no rows for %v in:\n%s", want, out.String())
	}
}
