package executor_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/spinetest"
)

func ExampleExecutor_CallTool() {
	ctx := context.Background()
	// In a program: project, err := capability.Load(".")
	ex, err := executor.New(spinetest.Project(spinetest.DemoForExample("demo")))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ex.Close(ctx)

	res, err := ex.CallTool(ctx, "demo", "echo", map[string]any{"text": "hello"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Content[0].(*mcp.TextContent).Text)
	// Output: hello
}

// Calls of one batch run in order on one session, which no other caller uses meanwhile.
func ExampleExecutor_Batch() {
	ctx := context.Background()
	ex, err := executor.New(spinetest.Project(spinetest.DemoForExample("demo")))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ex.Close(ctx)

	out, err := ex.Batch(ctx, "demo", []executor.Call{{Tool: "counter"}, {Tool: "counter"}})
	if err != nil {
		fmt.Println(err) // no session could be had
		return
	}
	for _, r := range out {
		if r.Err != nil {
			fmt.Println(r.Err)
			continue
		}
		fmt.Println(r.Result.Content[0].(*mcp.TextContent).Text)
	}
	// Output:
	// 1
	// 2
}

// Servers with isolation = "affinity" keep one dedicated session per key, e.g. per
// conversation.
func ExampleWithAffinity() {
	ctx := context.Background()
	spec := spinetest.DemoForExample("browser")
	spec.Isolation = "affinity"
	ex, err := executor.New(spinetest.Project(spec))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ex.Close(ctx)

	alice := executor.WithAffinity(ctx, "conversation-alice")
	bob := executor.WithAffinity(ctx, "conversation-bob")
	for _, c := range []context.Context{alice, alice, bob} {
		res, err := ex.CallTool(c, "browser", "counter", nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(res.Content[0].(*mcp.TextContent).Text)
	}
	// Output:
	// 1
	// 2
	// 1
}

// A failed call says whether it may have run: a call that was not sent is safe to try again,
// one that may have run is the caller's to decide.
func ExampleCallError() {
	ctx := context.Background()
	ex, err := executor.New(spinetest.Project(spinetest.DemoForExample("demo")))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ex.Close(ctx)

	_, err = ex.CallTool(ctx, "demo", "crash", nil) // the server process exits mid-call
	var ce *executor.CallError
	if errors.As(err, &ce) {
		fmt.Println(ce.Server, ce.Tool, ce.Class)
	}
	fmt.Println(errors.Is(err, executor.ErrSessionLost), errors.Is(err, executor.ErrNotSent))

	_, err = ex.CallTool(ctx, "nosuch", "echo", nil)
	fmt.Println(errors.Is(err, executor.ErrUnknownServer))
	// Output:
	// demo crash maybe_ran
	// true false
	// true
}
