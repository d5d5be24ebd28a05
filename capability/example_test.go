package capability_test

import (
	"fmt"

	"github.com/spine-mcp/spine/capability"
)

func ExampleLoad() {
	project, err := capability.Load("testdata/example")
	if err != nil {
		fmt.Println(err)
		return
	}
	demo, ok := project.Server("demo")
	if !ok {
		return
	}
	fmt.Println(demo.Transport, demo.Command, demo.Args)
	fmt.Println("sessions:", demo.MaxSessions, "sleep timeout:", demo.CallTimeoutFor("sleep"), "echo timeout:", demo.CallTimeoutFor("echo"))
	for _, s := range project.Servers {
		fmt.Println(s.Name, s.Transport, s.Enabled, s.Source)
	}
	// Output:
	// stdio spine [demo-server]
	// sessions: 2 sleep timeout: 5s echo timeout: 1m0s
	// demo stdio true testdata/example/spine.toml:5
	// remote http false testdata/example/spine.toml:10
}

func ExampleParse() {
	_, err := capability.Parse("spine.toml", []byte(`
[servers.demo]
comand = "spine"
`))
	fmt.Println(err)
	// Output:
	// spine.toml:3: servers.demo.comand: unknown key (did you mean "command"?)
}
