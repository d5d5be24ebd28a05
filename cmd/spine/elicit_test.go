package main

import (
	"bufio"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestTerminalForm: the form asks each field of the schema on the terminal and types the
// answers; an empty required field declines, the end of input cancels, a wrong type is asked
// again.
func TestTerminalForm(t *testing.T) {
	schema := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"name":  map[string]any{"type": "string", "description": "who you are"},
			"age":   map[string]any{"type": "integer"},
			"admin": map[string]any{"type": "boolean"},
			"color": map[string]any{"type": "string", "enum": []any{"red", "blue"}},
		},
		"required": []any{"name", "age"},
	}
	for _, c := range []struct {
		name, input, action string
		content             map[string]any
	}{
		{"all answered", "7\nada\nyes\nblue\n", "accept", map[string]any{"age": int64(7), "name": "ada", "admin": true, "color": "blue"}},
		{"optional left out", "7\nada\n\n\n", "accept", map[string]any{"age": int64(7), "name": "ada"}},
		{"asked again", "seven\n7\nada\nmaybe\nno\ngreen\nred\n", "accept", map[string]any{"age": int64(7), "name": "ada", "admin": false, "color": "red"}},
		{"required left empty", "\n", "decline", nil},
		{"end of input", "7\n", "cancel", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out strings.Builder
			f := &terminalForm{in: bufio.NewReader(strings.NewReader(c.input)), out: &out}
			res, err := f.ask(&mcp.ElicitParams{Message: "Who\x1b[31m are you?", RequestedSchema: schema})
			if err != nil {
				t.Fatal(err)
			}
			if res.Action != c.action || len(res.Content) != len(c.content) {
				t.Fatalf("result %+v, want %s %v", res, c.action, c.content)
			}
			for k, v := range c.content {
				if res.Content[k] != v {
					t.Errorf("%s = %#v, want %#v", k, res.Content[k], v)
				}
			}
			if (c.action == "accept" && !strings.Contains(out.String(), "name (string) — who you are: ")) || strings.Contains(out.String(), "\x1b") {
				t.Errorf("form shown:\n%s", out.String())
			}
		})
	}
}

// TestCallDeclinesWithoutATerminal: `spine call` with no terminal declines a server's question
// at once, and says so on stderr, rather than waiting for an answer nobody can give.
func TestCallDeclinesWithoutATerminal(t *testing.T) {
	spinetest.NoLeaks(t)
	stdout, stderr, code := spineRun(t, "call", "demo", "ask", "question=ready?")
	if code != 0 || strings.TrimSpace(stdout) != "declined" || !strings.Contains(stderr, "declined (no terminal to ask it on): ready?") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	stdout, stderr, code = spineRun(t, "call", "demo", "roots", "--roots")
	if code != 0 || !strings.HasPrefix(strings.TrimSpace(stdout), "file:///") {
		t.Errorf("roots with --roots: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}
