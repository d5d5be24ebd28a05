package workflows_test

import (
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/workflows"
)

func Example() {
	data := []byte(`
[vars]
topic = "pooling"

[[steps]]
id     = "count"
server = "demo"
tool   = "add"
args   = { a = 2, b = 40 }

[[steps]]
id     = "say"
server = "demo"
tool   = "echo"
args   = { text = "{{ .vars.topic }}: {{ .steps.count.json.sum }}", n = "{{ .steps.count.json.sum }}" }

[outputs]
said = "{{ .steps.say.text }}"
`)
	w, err := workflows.Parse("example.toml", data)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := workflows.ApplyVars(w, map[string]string{"topic": "sessions"}); err != nil {
		fmt.Println(err)
		return
	}
	if err := w.Validate([]string{"demo"}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("order:", w.Order())

	// The caller runs each ready step and records its result; here the server is faked.
	scope := workflows.Scope{Vars: w.Vars, Steps: map[string]workflows.Result{}}
	schedule := w.Schedule()
	for ready := schedule.Next(); len(ready) > 0; ready = schedule.Next() {
		for _, s := range ready {
			target, args, err := s.Render(scope)
			if err != nil {
				fmt.Println(err)
				return
			}
			fmt.Printf("%s: %s %v\n", s.ID, target, args)
			var res *mcp.CallToolResult
			switch target {
			case "add":
				res = &mcp.CallToolResult{
					Content:           []mcp.Content{&mcp.TextContent{Text: "42"}},
					StructuredContent: map[string]any{"sum": 42},
				}
			case "echo":
				res = &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: args["text"].(string)}}}
			}
			scope.Set(s.ID, workflows.ToolResult(res))
			schedule.Done(s.ID)
		}
	}
	outputs, err := workflows.RenderOutputs(w, scope)
	fmt.Println(outputs, err)
	// Output:
	// order: [count say]
	// count: add map[a:2 b:40]
	// say: echo map[n:42 text:sessions: 42]
	// map[said:sessions: 42] <nil>
}

func ExampleParse_error() {
	data := []byte(`
[[steps]]
id     = "hello"
server = "demo"
tool   = "echo"

[[steps]]
id     = "brief"
server = "demo"
prompt = "summarize"
args   = { topic = "{{ .steps.helo.text }}" }
`)
	_, err := workflows.Parse("triage.toml", data)
	fmt.Println(err)
	// Output:
	// triage.toml:11: step "brief": args.topic: template references unknown step "helo" (did you mean "hello"?)
}
