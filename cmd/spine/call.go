package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/spine-mcp/spine/executor"
)

func runCall(ctx context.Context, e *env, args []string) error {
	var argsJSON, output string
	var timeout time.Duration
	pos, err := e.flags(args, func(fs *flag.FlagSet) {
		fs.StringVar(&argsJSON, "args", "", "tool arguments as a JSON object")
		fs.DurationVar(&timeout, "timeout", 0, "give up on the call after this long, e.g. 30s (default: the server's call_timeout,\nrenewed by progress notifications up to its max_call_time)")
		outputFlag(fs, &output, "text", "json")
	})
	if err != nil {
		return err
	}
	if timeout < 0 {
		return badUsage("--timeout must not be negative, got %s", timeout)
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	if err := checkOutput(output, "text", "json"); err != nil {
		return err
	}
	if len(pos) < 2 {
		return badUsage("want SERVER and TOOL")
	}
	server, tool := pos[0], pos[1]
	toolArgs, err := callArgs(argsJSON, pos[2:])
	if err != nil {
		return err
	}
	ex, err := e.executor()
	if err != nil {
		return err
	}
	// Progress notifications are news for the person waiting: stderr, one line each.
	ctx = executor.WithCallProgress(ctx, func(p executor.Progress) {
		if p.Total > 0 {
			fmt.Fprintf(e.stderr, "progress %g/%g %s\n", p.Progress, p.Total, p.Message)
		} else {
			fmt.Fprintf(e.stderr, "progress %g %s\n", p.Progress, p.Message)
		}
	})
	res, err := ex.CallTool(ctx, server, tool, toolArgs)
	if err != nil {
		return err
	}
	if output == "json" {
		if err := writeJSON(e.stdout, res); err != nil {
			return err
		}
	} else {
		text := contentText(res.Content)
		if text == "" && res.StructuredContent != nil {
			b, _ := json.Marshal(res.StructuredContent)
			text = string(b)
		}
		fmt.Fprintln(e.stdout, text)
	}
	if res.IsError {
		fmt.Fprintf(e.stderr, "spine call: server %q: tool %q returned an error result\n", server, tool)
		return errReported
	}
	return nil
}

// callArgs merges --args JSON with k=v pairs (which win). A value that parses as JSON keeps
// its type; anything else is a string.
func callArgs(argsJSON string, pairs []string) (map[string]any, error) {
	out := map[string]any{}
	if argsJSON != "" {
		if err := json.Unmarshal([]byte(argsJSON), &out); err != nil {
			return nil, badUsage("--args: not a JSON object: %v", err)
		}
	}
	kv := map[string]any{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, badUsage("argument %q: want key=value", p)
		}
		var typed any
		if err := json.Unmarshal([]byte(v), &typed); err == nil {
			kv[k] = typed
		} else {
			kv[k] = v
		}
	}
	maps.Copy(out, kv)
	return out, nil
}
