package main

import (
	"encoding/json"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestTypedArgs(t *testing.T) {
	tool := &mcp.Tool{Name: "t", InputSchema: map[string]any{"type": "object", "properties": map[string]any{
		"s":     map[string]any{"type": "string"},
		"n":     map[string]any{"type": "number"},
		"i":     map[string]any{"type": "integer"},
		"b":     map[string]any{"type": "boolean"},
		"sn":    map[string]any{"type": []any{"string", "number"}},
		"null":  map[string]any{"type": []any{"null", "integer"}},
		"loose": map[string]any{},
	}}}
	for _, c := range []struct {
		pair, want string // want "" means refused
	}{
		{"s=123", `"123"`},
		{"s=null", `"null"`},
		{`s="quoted"`, `"\"quoted\""`},
		{"s=", `""`},
		{"n=1.5", `1.5`},
		{"n=abc", ""},
		{"n=null", ""},
		{"i=3", `3`},
		{"i=3.0", `3.0`},
		{"i=3.5", ""},
		{"b=true", `true`},
		{"b=yes", ""},
		{"sn=7", `7`},
		{"sn=seven", `"seven"`},
		{"null=null", `null`},
		{"null=x", ""},
		{"loose=7", `7`},
		{"loose=x y", `"x y"`},
		{"unknown=[1]", `[1]`},
	} {
		given, err := parseToolArgs("", []string{c.pair})
		if err != nil {
			t.Fatalf("%s: %v", c.pair, err)
		}
		args, err := given.typed(tool)
		if c.want == "" {
			if err == nil {
				t.Errorf("%s: typed as %v, want it refused", c.pair, args)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.pair, err)
			continue
		}
		for _, v := range args {
			if b, _ := json.Marshal(v); string(b) != c.want {
				t.Errorf("%s: sent %s, want %s", c.pair, b, c.want)
			}
		}
	}
	// Without a schema, a value that parses as JSON keeps its type.
	given, _ := parseToolArgs(`{"x": 1}`, []string{"a=2", "b=two", "x=3"})
	args, err := given.typed(nil)
	if b, _ := json.Marshal(args); err != nil || string(b) != `{"a":2,"b":"two","x":3}` {
		t.Errorf("untyped: %s, %v", b, err)
	}
	for _, bad := range []string{`[1]`, `null`, `{"a":1} x`} {
		if _, err := parseToolArgs(bad, nil); err == nil {
			t.Errorf("--args %s: accepted", bad)
		}
	}
	if _, err := parseToolArgs("", []string{"novalue"}); err == nil {
		t.Error("k without =: accepted")
	}
}
