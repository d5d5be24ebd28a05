package demoserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spine-mcp/spine/internal/demoserver"
)

// A demo server in the same process, over in-memory transports.
func Example() {
	ctx := context.Background()
	serverEnd, clientEnd := mcp.NewInMemoryTransports()
	ss, err := demoserver.New(demoserver.Options{}).Connect(ctx, serverEnd, nil)
	if err != nil {
		log.Fatal(err)
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "example", Version: "0"}, nil)
	cs, err := client.Connect(ctx, clientEnd, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		_ = cs.Close()
		_ = ss.Wait()
	}()

	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "add", Arguments: map[string]any{"a": 2, "b": 3}})
	if err != nil {
		log.Fatal(err)
	}
	structured, _ := json.Marshal(res.StructuredContent)
	fmt.Println(res.Content[0].(*mcp.TextContent).Text, string(structured))
	// Output: 5 {"sum":5}
}

// Serving streamable HTTP on a free loopback port until the context ends.
func ExampleServeHTTP() {
	ctx, stop := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	served := make(chan error, 1)
	go func() {
		served <- demoserver.ServeHTTP(ctx, "127.0.0.1:0", demoserver.Options{}, func(url string) { urls <- url })
	}()
	var url string
	select {
	case url = <-urls:
	case err := <-served:
		log.Fatal(err)
	}

	client := mcp.NewClient(&mcp.Implementation{Name: "example", Version: "0"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url}, nil)
	if err != nil {
		log.Fatal(err)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "over HTTP"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Content[0].(*mcp.TextContent).Text)
	_ = cs.Close()

	stop()
	fmt.Println("stopped:", <-served)
	// Output:
	// over HTTP
	// stopped: <nil>
}
