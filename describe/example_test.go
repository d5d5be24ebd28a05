package describe_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spine-mcp/spine/describe"
)

func ExampleGenerator_Generate() {
	cfg := describe.Config{
		Server: "notes",
		Tools: []describe.Tool{
			{
				Name:        "list_notes",
				Description: "Lists the notes, newest first.",
				Annotations: &describe.Annotations{ReadOnly: true},
			},
			{
				Name:        "add_note",
				Description: "Adds a note and returns its id.",
				InputSchema: json.RawMessage(`{"type":"object","required":["text"],"properties":{"text":{"type":"string"}}}`),
			},
		},
	}
	var g describe.Generator
	r, err := g.Generate(cfg)
	if err != nil {
		panic(err)
	}
	for _, line := range strings.Split(r.Instructions, "\n") {
		if strings.Contains(line, ", use `") || strings.HasPrefix(line, "1. ") || strings.HasPrefix(line, "2. ") {
			fmt.Println(line)
		}
	}
	fmt.Println(r.Schema.URI, r.Metadata.Mode)
	for _, p := range r.Prompts {
		fmt.Println(p.Name)
	}
	// Output:
	// - To list the notes, newest first, use `list_notes`.
	// - To add a note and return its id, use `add_note`.
	// 1. Look before you change anything: start with `list_notes`.
	// 2. Make the change with `add_note`, one call at a time, checking each result.
	// notes://schema standalone
	// typical_workflow
	// use_add_note
}

func ExampleDelegate() {
	// Without a builder to call, Delegate falls back to standalone and says why.
	r, err := describe.Delegate(context.Background(), nil, "spine-describe", describe.BuilderTool,
		describe.Config{Server: "notes"})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Metadata.Mode)
	fmt.Println(r.Metadata.FallbackReason)
	// Output:
	// standalone
	// no builder: delegated mode needs a tool caller
}
