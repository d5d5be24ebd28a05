package bench_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"

	"github.com/spine-mcp/spine/internal/bench"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// Compare the pool with a raw go-sdk session on the demo server's echo tool.
func ExampleRun() {
	project := spinetest.Project(spinetest.DemoForExample("demo"))
	rep, err := bench.Run(context.Background(), bench.Options{
		Project: project, Server: "demo", Tool: "echo", Args: json.RawMessage(`{"text":"hi"}`),
		Modes: []string{bench.ModeRaw, bench.ModePooled},
		Calls: 200, Concurrency: 1, Rounds: 4,
		Progress: func(line string) { log.Print(line) },
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = rep.WriteText(os.Stdout)
	fmt.Printf("the pool adds %.0f%% to a call\n", 100*(*rep.Ratios.PooledOverRawP50-1))
}
