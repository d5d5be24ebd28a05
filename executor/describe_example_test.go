package executor_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/describe"
	"github.com/spine-mcp/spine/executor"
)

// An agent loop keeps its view of the servers current: it is told each server's
// self-description once, then again whenever the server's tools, resources or prompts
// change (here, when the demo server's grow tool adds grown_1).
func ExampleExecutor_WatchDescriptions() {
	project, err := capability.Load(".") // spine.toml defines the demo server
	if err != nil {
		log.Fatal(err)
	}
	ex, err := executor.New(project)
	if err != nil {
		log.Fatal(err)
	}
	defer ex.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	changed := make(chan describe.Result, 16)
	stop, err := ex.WatchDescriptions(ctx, executor.WatchOptions{}, func(r describe.Result) {
		// Called in order, one at a time. Hand the description to the loop, which puts
		// r.Instructions (L0) into the model's context and r.Schema (L1) into its tools.
		changed <- r
	})
	if err != nil {
		log.Fatal(err)
	}
	defer stop() // before Close: stop waits for the callback's last call

	fmt.Println("first:", (<-changed).Server)
	if _, err := ex.CallTool(ctx, "demo", "grow", nil); err != nil {
		log.Fatal(err)
	}
	r := <-changed
	fmt.Println("changed:", r.Server, len(r.Schema.Tools), "tools")
}

// Describe scans one server and writes its four layers; delegated mode asks the
// project's builder server and says why when it had to fall back.
func ExampleExecutor_Describe() {
	project, err := capability.Load(".")
	if err != nil {
		log.Fatal(err)
	}
	ex, err := executor.New(project)
	if err != nil {
		log.Fatal(err)
	}
	defer ex.Close(context.Background())

	r, err := ex.Describe(context.Background(), "demo", executor.DescribeOptions{Mode: describe.ModeDelegated})
	if err != nil {
		log.Fatal(err) // demo could not be reached, or its tools list failed
	}
	if r.Metadata.FallbackReason != "" {
		fmt.Println("standalone, because", r.Metadata.FallbackReason)
	}
	if err := describe.WriteDir("describe-out", r); err != nil {
		log.Fatal(err)
	}
}
