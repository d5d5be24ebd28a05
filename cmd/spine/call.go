package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/internal/content"
)

func runCall(ctx context.Context, e *env, args []string) error {
	var argsJSON, output string
	var timeout time.Duration
	var meta bool
	var client clientFlags
	pos, err := e.flags(args, func(fs *flag.FlagSet) {
		fs.StringVar(&argsJSON, "args", "", "tool arguments as a JSON object")
		fs.DurationVar(&timeout, "timeout", 0, "give up on the call after this long, e.g. 30s (default: the server's call_timeout,\nrenewed by progress notifications up to its max_call_time)")
		outputFlag(fs, &output, "text", "json")
		fs.BoolVar(&meta, "meta", false, "keep the result's _meta fields in --output json (left out by default)")
		client.register(fs)
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
	given, err := parseToolArgs(argsJSON, pos[2:])
	if err != nil {
		return err
	}
	p, err := e.project()
	if err != nil {
		return err
	}
	if err := checkServer(p, server); err != nil {
		return err
	}
	ex, err := e.executorFor(p, client.options(e, p.Dir)...)
	if err != nil {
		return err
	}
	// The tools list (cached by the executor) says whether the tool exists, and how to type
	// the k=v values: an unknown tool is refused before anything is called.
	t, err := lookupTool(ctx, ex, server, tool)
	if err != nil {
		return err
	}
	toolArgs, err := given.typed(t)
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
	shown := res
	if !meta || output != "json" {
		shown = resultWithoutMeta(res)
	}
	if output == "json" {
		if err := writeJSON(e.stdout, shown); err != nil {
			return err
		}
	} else {
		text := content.Text(shown.Content)
		if text == "" && shown.StructuredContent != nil {
			b, _ := json.Marshal(shown.StructuredContent)
			text = string(b)
		}
		fmt.Fprintln(e.stdout, text)
		if n := content.Omitted(shown.Content); n > 0 {
			fmt.Fprintf(e.stderr, "spine call: %d part(s) of the result without text (images, audio, binary) not shown; --output json shows them\n", n)
		}
	}
	if res.IsError {
		fmt.Fprintf(e.stderr, "spine call: server %q: tool %q returned an error result\n", server, tool)
		return errReported
	}
	return nil
}
