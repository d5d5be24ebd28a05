package describe

import (
	"encoding/json"
	"fmt"
	"strings"
)

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// demoConfig mirrors `spine demo-server` as a capability scan sees it, with
// a project workflow that uses it. Some tools declare behaviour hints and
// some don't, as in the wild.
func demoConfig() Config {
	return Config{
		Server:       "demo",
		Title:        "SPINE demo server",
		Version:      "0.1.0",
		Description:  "A small MCP server for trying SPINE out. It echoes, adds, sleeps and misbehaves on purpose.",
		Instructions: "Tools here are for testing clients.\n\nUse `grow` to see list_changed notifications.",
		Capabilities: []string{"prompts", "resources", "tools", "tools.list_changed"},
		Tools: []Tool{
			{
				Name:        "echo",
				Description: "Echoes the given text back.",
				InputSchema: json.RawMessage(`{"type":"object","required":["text"],"properties":{"text":{"type":"string","description":"The text to echo."}},"additionalProperties":false}`),
				Annotations: &Annotations{ReadOnly: true, Idempotent: true, OpenWorld: no()},
			},
			{
				Name:         "add",
				Title:        "Add two numbers",
				Description:  "Adds two numbers and returns the sum. The sum also comes as structured content, e.g. for workflow templates.",
				InputSchema:  json.RawMessage(`{"properties":{"b":{"type":"number","description":"The second addend."},"a":{"type":"number","description":"The first addend."}},"required":["a","b"],"type":"object"}`),
				OutputSchema: json.RawMessage(`{"type":"object","properties":{"sum":{"type":"number","description":"a + b."}},"required":["sum"]}`),
				Annotations:  &Annotations{ReadOnly: true, Idempotent: true, OpenWorld: no()},
			},
			{
				Name:        "sleep",
				Description: "Sleeps for the given number of milliseconds, then answers. Honours cancellation.",
				InputSchema: json.RawMessage(`{"type":"object","required":["ms"],"properties":{"ms":{"type":"integer","description":"How long to sleep, in milliseconds.","minimum":0,"maximum":600000}}}`),
				Annotations: &Annotations{ReadOnly: true, Idempotent: true},
			},
			{
				Name:        "fail",
				Description: "Returns a tool error (isError) carrying the given message.",
				InputSchema: json.RawMessage(`{"type":"object","properties":{"message":{"type":"string","description":"The error message.","default":"failed on purpose"}}}`),
			},
			{
				Name:        "crash",
				Description: "Crashes the server process at once. Every session of it dies.",
				InputSchema: json.RawMessage(`{"type":"object"}`),
				Annotations: &Annotations{Destructive: yes()},
			},
			{
				Name:        "hang",
				Description: "Never answers (for timeout tests).",
				InputSchema: json.RawMessage(`{"type":"object"}`),
			},
			{
				Name:         "counter",
				Description:  "Increments a per-session counter and returns it: 1, 2, 3… within one session.",
				InputSchema:  json.RawMessage(`{"type":"object"}`),
				OutputSchema: json.RawMessage(`{"type":"object","properties":{"count":{"type":"integer"}}}`),
				Annotations:  &Annotations{Destructive: no(), Idempotent: false},
			},
			{
				Name:        "grow",
				Description: "Adds a new tool (grown_1, grown_2, …) to the running server, so that clients get a tools list_changed notification.",
				InputSchema: json.RawMessage(`{"type":"object"}`),
				Annotations: &Annotations{Destructive: no()},
			},
		},
		Resources: []Resource{
			{URI: "demo://readme", Name: "readme", Title: "Demo README", Description: "What the demo server is and how to use it.", MIMEType: "text/markdown"},
		},
		Prompts: []Prompt{
			{Name: "summarize", Description: "Asks for a summary of a topic.", Arguments: []PromptArgument{{Name: "topic", Description: "What to summarize.", Required: true}}},
		},
		Workflows: []Workflow{
			{
				Name:        "triage",
				Description: "Echo a topic, read the README and summarize.",
				File:        "workflows/triage.toml",
				Steps: []WorkflowStep{
					{ID: "hello", Kind: StepTool, Target: "echo"},
					{ID: "readme", Kind: StepResource, Target: "demo://readme"},
					{ID: "brief", Kind: StepPrompt, Target: "summarize"},
				},
			},
		},
		SourceHash: "0f3c7d2a9b1e4f5a6c8d0e2f4a6b8c0d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b",
	}
}

// verboseConfig is a server with n tools whose descriptions go on and on,
// with abbreviations and decimals that a naive sentence splitter would cut.
func verboseConfig(n int) Config {
	cfg := Config{
		Server:       "sprawl",
		Title:        "Sprawling enterprise server",
		Version:      "7.3.1",
		Description:  strings.Repeat("It manages records across many back ends, e.g. CRM, ERP and ticketing, with version 2.5 semantics. ", 6),
		Instructions: strings.Repeat("Always authenticate first. Prefer batch tools for more than 10 records, i.e. anything big. ", 10),
		Capabilities: []string{"tools", "tools.list_changed"},
	}
	verbs := []string{"list", "get", "create", "update", "delete", "search", "export", "sync", "archive", "validate"}
	for i := range n {
		verb := verbs[i%len(verbs)]
		name := fmt.Sprintf("%s_record_set_%02d", verb, i)
		desc := fmt.Sprintf("%ss records of set %d in the primary back end, e.g. the CRM. ", strings.ToUpper(verb[:1])+verb[1:], i) +
			strings.Repeat("It handles paging, retries with a 1.5 s back-off and partial failures, i.e. some records fail while others succeed. ", 4) +
			"See the vendor docs for the field list."
		props := map[string]any{}
		for j := range 6 {
			props[fmt.Sprintf("field_%d", j)] = map[string]any{
				"type":        "string",
				"description": strings.Repeat(fmt.Sprintf("Field %d filters records by a value, e.g. a name or an ID. ", j), 3) + "Leave it empty to match all.",
			}
		}
		schema, _ := json.Marshal(map[string]any{"type": "object", "properties": props, "required": []string{"field_0"}})
		t := Tool{Name: name, Description: desc, InputSchema: schema}
		switch verb {
		case "list", "get", "search", "validate":
			t.Annotations = &Annotations{ReadOnly: true}
		case "delete":
			t.Annotations = &Annotations{Destructive: yes()}
		}
		cfg.Tools = append(cfg.Tools, t)
	}
	for i := range 20 {
		cfg.Resources = append(cfg.Resources, Resource{
			URI:         fmt.Sprintf("sprawl://docs/%02d", i),
			Name:        fmt.Sprintf("doc_%02d", i),
			Description: strings.Repeat("A long document about the back ends and their quirks. ", 5),
		})
	}
	var steps []WorkflowStep
	for i := range 40 {
		steps = append(steps, WorkflowStep{ID: fmt.Sprintf("step_%02d", i), Kind: StepTool, Target: cfg.Tools[i%len(cfg.Tools)].Name})
	}
	cfg.Workflows = []Workflow{{Name: "nightly sync", Description: "Syncs everything every night.", File: "workflows/nightly.toml", Steps: steps}}
	return cfg
}
