package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spine-mcp/spine/workflows/journal"
)

// runRuns is `spine runs`: the project's recent workflow runs, from their journals in
// .spine/runs, newest first: id, workflow, state (ok, failed, interrupted, running), start
// and duration. An interrupted run is one whose process died: `spine run --resume` continues
// it.
func runRuns(_ context.Context, e *env, args []string) error {
	var output string
	var limit int
	pos, err := e.flags(args, func(fs *flag.FlagSet) {
		fs.IntVar(&limit, "limit", 20, "list at most this many runs (0 = all)")
		outputFlag(fs, &output, "text", "json")
	})
	if err != nil {
		return err
	}
	if err := checkOutput(output, "text", "json"); err != nil {
		return err
	}
	if len(pos) > 0 {
		return badUsage("runs takes no arguments")
	}
	if limit < 0 {
		return badUsage("--limit %d: want 0 (all) or more", limit)
	}
	p, err := e.projectAsWritten()
	if err != nil {
		return err
	}
	dir := filepath.Join(p.Dir, journal.Dir)
	runs, err := journal.List(dir, limit)
	if err != nil {
		return err
	}
	if output == "json" {
		if runs == nil {
			runs = []journal.Summary{}
		}
		return writeJSON(e.stdout, runs)
	}
	if len(runs) == 0 {
		fmt.Fprintf(e.stderr, "no runs in %s\n", dir)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN ID\tWORKFLOW\tSTATE\tSTARTED\tDURATION")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.RunID, r.Workflow, r.State,
			r.Started.Local().Format(time.DateTime), r.Duration.Round(time.Millisecond))
	}
	return tw.Flush()
}
