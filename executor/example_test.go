package executor_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
)

// demo is SPINE's demo server configured by hand, as [servers.demo] in a spine.toml says it:
// `spine demo-server` over stdio. Every field left out takes its default.
var demo = capability.ServerSpec{
	Name:      "demo",
	Transport: capability.TransportStdio,
	Command:   "spine",
	Args:      []string{"demo-server"},
	Enabled:   true,
}

// New starts the actor tree of a project's servers; sessions open on first use. A program
// loads its project with capability.Load(".") (spine.toml and .mcp.json); one built by hand
// works as well.
func ExampleNew() {
	project := &capability.Project{Servers: []capability.ServerSpec{demo}}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ex, err := executor.New(project, executor.WithSlog(logger))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ex.Close(context.Background()) // drains calls in flight, then stops every server

	fmt.Println(ex.Servers())
	// Output: [demo]
}

func ExampleExecutor_CallTool() {
	ctx := context.Background()
	ex, err := executor.New(&capability.Project{Servers: []capability.ServerSpec{demo}})
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
	ex, err := executor.New(&capability.Project{Servers: []capability.ServerSpec{demo}})
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
	browser := demo
	browser.Name, browser.Isolation = "browser", capability.IsolationAffinity
	ex, err := executor.New(&capability.Project{Servers: []capability.ServerSpec{browser}})
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
	ex, err := executor.New(&capability.Project{Servers: []capability.ServerSpec{demo}})
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
