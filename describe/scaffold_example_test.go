package describe_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spine-mcp/spine/describe"
)

func ExampleCompose() {
	var g describe.Generator
	echo, _ := g.Generate(describe.Config{
		Server:       "echo",
		Instructions: "Say it once.",
		Tools:        []describe.Tool{{Name: "echo", Description: "Echoes the given text back.", InputSchema: json.RawMessage(`{"type":"object"}`)}},
	})
	files, _ := g.Generate(describe.Config{
		Server: "files",
		Tools:  []describe.Tool{{Name: "read_file", Description: "Reads a file.", InputSchema: json.RawMessage(`{"type":"object"}`)}},
	})
	c, err := describe.Compose([]describe.Result{files, echo}, describe.ComposeOptions{
		ToolName: func(server, tool string) string { return server + "__" + tool },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	routes, _, _ := strings.Cut(c.Instructions[strings.Index(c.Instructions, "## Which"):], "\n\n## ")
	fmt.Println(routes)
	fmt.Println(c.Servers, c.Tokens <= c.Budget)
	// Output:
	// ## Which server for what
	//
	// - `echo`: to echo the given text back (1 tool).
	// - `files`: to read a file (1 tool).
	// [echo files] true
}

func ExampleNewScaffold() {
	var g describe.Generator
	r, _ := g.Generate(describe.Config{
		Server: "echo",
		Tools:  []describe.Tool{{Name: "echo", Description: "Echoes the given text back.", InputSchema: json.RawMessage(`{"type":"object"}`)}},
	})
	s, err := describe.NewScaffold(r, describe.ScaffoldOptions{
		Upstream: describe.Upstream{Command: "echo-server", Args: []string{"--stdio"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Module)
	for _, f := range s.Files {
		fmt.Println(f.Path)
	}
	// Output:
	// echo-described
	// README.md
	// description.go
	// description/MCP_INFO.md
	// description/README.md
	// description/SKILL.md
	// description/instructions.md
	// description/prompts.json
	// description/schema.json
	// description/schema.md
	// description/server.json
	// go.mod
	// go.sum
	// main.go
	// server.go
	// server_test.go
	// target.go
	// upstream.go
}
