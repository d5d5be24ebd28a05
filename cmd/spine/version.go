package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/spine-mcp/spine/executor"
)

func runVersion(_ context.Context, e *env, args []string) error {
	if _, err := e.flags(args, nil); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "spine %s (%s, %s/%s)\n", executor.Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
