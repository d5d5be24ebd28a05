package main

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"text/tabwriter"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/executor"
)

// listing is what `spine tools|resources|prompts` found on one server.
type listing struct {
	Tools             []*mcp.Tool             `json:"tools,omitempty"`
	Resources         []*mcp.Resource         `json:"resources,omitempty"`
	ResourceTemplates []*mcp.ResourceTemplate `json:"resource_templates,omitempty"`
	Prompts           []*mcp.Prompt           `json:"prompts,omitempty"`
	Error             string                  `json:"error,omitempty"`
}

func runList(kind string) func(context.Context, *env, []string) error {
	return func(ctx context.Context, e *env, args []string) error {
		var output string
		var meta bool
		pos, err := e.flags(args, func(fs *flag.FlagSet) {
			outputFlag(fs, &output, "text", "json")
			fs.BoolVar(&meta, "meta", false, "keep the items' _meta fields in --output json (left out by default)")
		})
		if err != nil {
			return err
		}
		if err := checkOutput(output, "text", "json"); err != nil {
			return err
		}
		if len(pos) > 1 {
			return badUsage("want at most one SERVER")
		}
		p, err := e.project()
		if err != nil {
			return err
		}
		if len(p.Enabled()) == 0 {
			return noServers(p)
		}
		if len(pos) == 1 {
			if err := checkServer(p, pos[0]); err != nil {
				return err
			}
		}
		ex, err := e.executorFor(p)
		if err != nil {
			return err
		}
		servers := ex.Servers()
		if len(pos) == 1 {
			servers = pos
		}
		results := make([]listing, len(servers))
		var wg sync.WaitGroup
		for i, name := range servers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = list(ctx, ex, name, kind)
			}()
		}
		wg.Wait()

		failed := false
		for _, r := range results {
			failed = failed || r.Error != ""
		}
		if output == "json" {
			doc := map[string]any{}
			for i, name := range servers {
				if meta {
					doc[name] = results[i]
				} else {
					doc[name] = listingWithoutMeta(results[i])
				}
			}
			if err := writeJSON(e.stdout, map[string]any{"servers": doc}); err != nil {
				return err
			}
		} else {
			printListing(e, servers, results)
		}
		if failed {
			return errReported
		}
		return nil
	}
}

func list(ctx context.Context, ex *executor.Executor, server, kind string) listing {
	var (
		l   listing
		err error
	)
	switch kind {
	case "tools":
		l.Tools, err = ex.ListTools(ctx, server)
	case "resources":
		l.Resources, err = ex.ListResources(ctx, server)
		if err == nil {
			l.ResourceTemplates, err = ex.ListResourceTemplates(ctx, server)
		}
	case "prompts":
		l.Prompts, err = ex.ListPrompts(ctx, server)
	}
	if err != nil {
		l.Error = err.Error()
	}
	return l
}

// printListing prints one row per item; a server that failed is reported on stderr.
func printListing(e *env, servers []string, results []listing) {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	for i, name := range servers {
		r := results[i]
		if r.Error != "" {
			fmt.Fprintf(e.stderr, "%s: %s\n", name, r.Error)
			continue
		}
		for _, t := range r.Tools {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", name, t.Name, firstLine(t.Description))
		}
		for _, res := range r.Resources {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", name, res.URI, firstLine(res.Description))
		}
		for _, rt := range r.ResourceTemplates {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", name, rt.URITemplate, firstLine(rt.Description))
		}
		for _, p := range r.Prompts {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", name, p.Name, firstLine(p.Description))
		}
	}
}
