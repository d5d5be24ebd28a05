package gateway_test

import (
	"encoding/json"
	"net"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// collidingProject: "b" asks for the prefix "demo", which "demo" holds.
const collidingProject = `
[servers.demo]
command = "@SPINE@"
args = ["demo-server"]

[servers.b]
command = "@SPINE@"
args = ["demo-server"]
prefix = "demo"
aliases = { add = "plus" }
`

// TestCollision: a name collision never stops start-up; the earlier server keeps the name,
// the later one is reachable under its own, and the names hold across a restart of the
// upstream and a change of its list.
func TestCollision(t *testing.T) {
	spinetest.NoLeaks(t)
	s := serve(t, project(t, collidingProject), nil)
	cs := connect(t, s.URL, legacy, nil)
	before := toolNames(t, cs)
	for _, want := range []string{"demo__echo", "b__echo", "plus", "demo__add"} {
		if !slices.Contains(before, want) {
			t.Errorf("tools %v lack %s", before, want)
		}
	}
	if got, _ := call(t, cs, "plus", map[string]any{"a": 1, "b": 2}); got != "3" {
		t.Errorf("plus (b's add): %q", got)
	}
	// Restart b's upstream: its process ends, the next call opens a new one.
	if _, res := call(t, cs, "b__crash", nil); !res.IsError {
		t.Error("crash: no error")
	}
	if got, _ := call(t, cs, "b__echo", map[string]any{"text": "again"}); got != "again" {
		t.Errorf("b__echo after the restart: %q", got)
	}
	grown, _ := call(t, cs, "b__grow", nil)
	var after []string
	spinetest.Eventually(t, spinetest.Patience, "b's grown tool to be listed", func() bool {
		after = toolNames(t, cs)
		return slices.Contains(after, "b__"+grown) || slices.Contains(after, "demo__"+grown)
	})
	for _, name := range before {
		if !slices.Contains(after, name) {
			t.Errorf("%s is gone after b restarted and changed its list", name)
		}
	}
	var st struct {
		Names struct {
			Collisions []struct{ Wanted, Got, Holder string } `json:"collisions"`
		} `json:"names"`
	}
	getJSON(t, strings.TrimSuffix(s.URL, "/mcp")+"/names.json", &st)
	found := false
	for _, c := range st.Names.Collisions {
		found = found || c.Wanted == "demo__echo" && c.Got == "b__echo" && c.Holder == "demo"
	}
	if !found {
		t.Errorf("/names.json collisions %+v lack demo__echo -> b__echo", st.Names.Collisions)
	}
}

// TestPrintNamesBare: names = "bare" gives bare names where unique; --print-names --output
// json prints the mapping without serving.
func TestPrintNamesBare(t *testing.T) {
	spinetest.NoLeaks(t)
	up := newUpstream(t)
	dir := project(t, `
[serve]
names = "bare"

[servers.demo]
command = "@SPINE@"
args = ["demo-server"]

[servers.other]
command = "@SPINE@"
args = ["demo-server"]

[servers.ticker]
url = "`+up.url+`"
`)
	cmd := exec.Command(spinetest.Binary(t), "serve", "--print-names", "--output", "json")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var m struct {
		Tools []struct{ Name, Server, Upstream string } `json:"tools"`
	}
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	names := map[string]string{}
	for _, tl := range m.Tools {
		names[tl.Name] = tl.Server + "/" + tl.Upstream
	}
	for name, want := range map[string]string{"tick": "ticker/tick", "demo__echo": "demo/echo", "other__echo": "other/echo"} {
		if names[name] != want {
			t.Errorf("%s -> %q, want %s (all: %v)", name, names[name], want, names)
		}
	}
	spinetest.Eventually(t, spinetest.Patience, "no server left", func() bool { return demoServers(t) == 0 })
}

// TestLateServer: a server that is down when the gateway starts does not stop it, and its
// tools appear once it is up (within the retry interval and its circuit_reset).
func TestLateServer(t *testing.T) {
	spinetest.NoLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there until the upstream starts below
	dir := project(t, demoProject+`
[servers.late]
url = "http://`+addr+`/mcp"
circuit_reset = "1s" # the failed connects at start open its circuit; it is tried again soon
`)
	s := serve(t, dir, nil)
	cs := connect(t, s.URL, legacy, nil)
	if got, _ := call(t, cs, "demo__echo", map[string]any{"text": "up"}); got != "up" {
		t.Fatalf("echo: %q", got)
	}
	newUpstreamAt(t, addr, nil)
	spinetest.Eventually(t, spinetest.Patience, "the late server's tools to be listed", func() bool {
		return slices.Contains(toolNames(t, cs), "late__tick")
	})
	if got, _ := call(t, cs, "late__tick", map[string]any{"n": 1}); got != "ticked 1" {
		t.Errorf("tick: %q", got)
	}
}
