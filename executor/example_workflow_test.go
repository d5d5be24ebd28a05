package executor_test

import (
	"context"
	"fmt"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/workflows"
)

func ExampleExecutor_RunWorkflow() {
	ctx := context.Background()
	ex, err := executor.New(&capability.Project{Servers: []capability.ServerSpec{demo}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ex.Close(ctx)

	wf, err := workflows.Parse("sum.toml", []byte(`
[[steps]]
id     = "add"
server = "demo"
tool   = "add"
args   = { a = 2, b = 40 }

[[steps]]
id     = "say"
server = "demo"
tool   = "echo"
args   = { text = "the sum is {{ .steps.add.json.sum }}" }

[outputs]
said = "{{ .steps.say.text }}"
`))
	if err != nil {
		fmt.Println(err) // sum.toml:LINE: step "ID": what is wrong
		return
	}
	report, err := ex.RunWorkflow(ctx, wf, executor.WithProgress(func(ev executor.StepEvent) {
		if ev.Status.Finished() { // also running and retrying, with the attempt number
			fmt.Println("progress:", ev.Step, ev.Status)
		}
	}))
	if err != nil {
		fmt.Println(err) // the run could not start: nothing ran
		return
	}
	fmt.Println("ok:", report.OK)
	for _, s := range report.Steps {
		fmt.Printf("%s: %s after %d attempt(s): %s\n", s.ID, s.Status, s.Attempts, s.Text)
	}
	fmt.Println("said:", report.Outputs["said"])
	// Output:
	// progress: add ok
	// progress: say ok
	// ok: true
	// add: ok after 1 attempt(s): 42
	// say: ok after 1 attempt(s): the sum is 42
	// said: the sum is 42
}
