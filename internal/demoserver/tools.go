package demoserver

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type echoInput struct {
	Text string `json:"text" jsonschema:"The text to send back unchanged."`
}

type addInput struct {
	A float64 `json:"a" jsonschema:"The first number to add."`
	B float64 `json:"b" jsonschema:"The second number to add."`
}

type addOutput struct {
	Sum float64 `json:"sum" jsonschema:"The sum a + b."`
}

type sleepInput struct {
	Ms int64 `json:"ms" jsonschema:"How long to sleep, in milliseconds (0 or more)."`
}

type failInput struct {
	Message string `json:"message" jsonschema:"The error message the tool returns."`
}

// noInput is the arguments of a tool that takes none.
type noInput struct{}

// demo holds the state the tools share within one server.
type demo struct {
	opts     Options
	server   *mcp.Server
	counters sessionCounters
	grown    atomic.Int64
}

// hints builds annotations; no demo tool reaches outside the server, so
// OpenWorldHint is always false.
func hints(readOnly, idempotent, destructive bool) *mcp.ToolAnnotations {
	return &mcp.ToolAnnotations{
		ReadOnlyHint:    readOnly,
		IdempotentHint:  idempotent,
		DestructiveHint: &destructive,
		OpenWorldHint:   new(false),
	}
}

// pure marks a tool without side effects: calling it changes nothing.
func pure() *mcp.ToolAnnotations { return hints(true, true, false) }

func addTools(s *mcp.Server, opts Options) {
	d := &demo{opts: opts, server: s}
	mcp.AddTool(s, &mcp.Tool{
		Name:        "echo",
		Title:       "Echo",
		Description: "Returns the given text unchanged.",
		Annotations: pure(),
	}, d.echo)
	mcp.AddTool(s, &mcp.Tool{
		Name:        "add",
		Title:       "Add two numbers",
		Description: "Returns a + b, as text and as structured content {\"sum\": a + b}.",
		Annotations: pure(),
	}, d.add)
	mcp.AddTool(s, &mcp.Tool{
		Name:        "sleep",
		Title:       "Sleep",
		Description: "Waits ms milliseconds, then answers \"slept <ms>ms\". Stops early when the call is cancelled.",
		Annotations: pure(),
	}, d.sleep)
	mcp.AddTool(s, &mcp.Tool{
		Name:        "fail",
		Title:       "Fail",
		Description: "Returns a tool error (isError: true) whose text is the given message.",
		Annotations: pure(),
	}, d.fail)
	mcp.AddTool(s, &mcp.Tool{
		Name:  "crash",
		Title: "Crash the server",
		Description: fmt.Sprintf("Ends the server process at once with exit status %d, "+
			"dropping every session and call in flight. Never answers.", CrashExitCode),
		Annotations: hints(false, false, true),
	}, d.crash)
	mcp.AddTool(s, &mcp.Tool{
		Name:        "hang",
		Title:       "Hang",
		Description: "Never answers: returns only when the call is cancelled or the server shuts down.",
		Annotations: pure(),
	}, d.hang)
	mcp.AddTool(s, &mcp.Tool{
		Name:        "counter",
		Title:       "Session counter",
		Description: "Counts calls within the current MCP session: answers \"1\", then \"2\", \"3\"... Each session counts on its own.",
		Annotations: hints(false, false, false),
	}, d.counter)
	mcp.AddTool(s, &mcp.Tool{
		Name:  "grow",
		Title: "Grow the tool list",
		Description: "Adds a new tool (grown_1, grown_2, ...) to the running server, " +
			"so that connected clients receive a tools list_changed notification. Answers with the new tool's name.",
		Annotations: hints(false, false, false),
	}, d.grow)
	addAskingTools(s, d)
}

func text(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}

func (d *demo) echo(_ context.Context, _ *mcp.CallToolRequest, in echoInput) (*mcp.CallToolResult, any, error) {
	return text(in.Text), nil, nil
}

func (d *demo) add(_ context.Context, _ *mcp.CallToolRequest, in addInput) (*mcp.CallToolResult, addOutput, error) {
	sum := in.A + in.B
	return text(strconv.FormatFloat(sum, 'g', -1, 64)), addOutput{Sum: sum}, nil
}

func (d *demo) sleep(ctx context.Context, req *mcp.CallToolRequest, in sleepInput) (*mcp.CallToolResult, any, error) {
	if in.Ms < 0 {
		return nil, nil, errors.New("sleep: ms must be 0 or more")
	}
	// A caller that asked for progress hears when the sleep starts and when it ends: two
	// notifications, whatever the machine's speed, so that tests can count them.
	report(ctx, req, 0, float64(in.Ms), "falling asleep")
	timer := time.NewTimer(time.Duration(in.Ms) * time.Millisecond)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	case <-timer.C:
	}
	report(ctx, req, float64(in.Ms), float64(in.Ms), "awake")
	return text(fmt.Sprintf("slept %dms", in.Ms)), nil, nil
}

// report sends a progress notification when the caller gave a progress token; a failure to
// send it is no failure of the call.
func report(ctx context.Context, req *mcp.CallToolRequest, done, total float64, msg string) {
	if req == nil || req.Params == nil || req.Session == nil {
		return
	}
	token := req.Params.GetProgressToken()
	if token == nil {
		return
	}
	_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: token, Progress: done, Total: total, Message: msg})
}

func (d *demo) fail(_ context.Context, _ *mcp.CallToolRequest, in failInput) (*mcp.CallToolResult, any, error) {
	res := text(in.Message)
	res.IsError = true
	return res, nil, nil
}

func (d *demo) crash(_ context.Context, _ *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
	fmt.Fprintf(d.opts.Stderr, "spine demo server: crash tool called, exiting with status %d\n", CrashExitCode)
	d.opts.Exit(CrashExitCode)
	// Reached only when Options.Exit returns, as it does in tests.
	return text(fmt.Sprintf("exit(%d) called", CrashExitCode)), nil, nil
}

func (d *demo) hang(ctx context.Context, _ *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
	<-ctx.Done()
	return nil, nil, ctx.Err()
}

func (d *demo) counter(_ context.Context, req *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
	n := d.counters.next(req.Session, d.server.Sessions())
	return text(strconv.Itoa(n)), nil, nil
}

func (d *demo) grow(_ context.Context, _ *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
	name := fmt.Sprintf("grown_%d", d.grown.Add(1))
	// The SDK notifies every session that the tool list changed.
	mcp.AddTool(d.server, &mcp.Tool{
		Name:        name,
		Title:       "Grown tool " + name,
		Description: "Added at run time by the grow tool; answers with its own name.",
		Annotations: pure(),
	}, func(context.Context, *mcp.CallToolRequest, noInput) (*mcp.CallToolResult, any, error) {
		return text(name), nil, nil
	})
	return text(name), nil, nil
}
