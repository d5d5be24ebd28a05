package gateway

import (
	"context"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/describe"
	"github.com/spine-mcp/spine/executor"
)

// The served self-description (docs/design.md, "spine serve"): each server's L0 composed into
// the gateway's instructions, its L1 as the resource spine://<server>/schema, its L2 as
// prompts <server>__<prompt>, its L3 as resources spine://<server>/docs/<file>.

// l0Budget is the token budget of the composed instructions, shared by the servers.
const l0Budget = 1024

// describeAll writes every server's self-description, all at once, each server's L0 within
// its share of l0Budget. Affinity servers are described on probe (nil: not described). A
// server that cannot be described is logged and left out.
func (g *Gateway) describeAll(ctx context.Context, probe *affinitySet) map[string]describe.Result {
	servers := g.ex.Servers()
	opts := executor.DescribeOptions{Budgets: describe.Budgets{L0: max(l0Budget/max(len(servers), 1), 128)}}
	out := map[string]describe.Result{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, server := range servers {
		ex, scope := g.ex, func(ctx context.Context) context.Context { return ctx }
		if g.isAffinity(server) {
			if probe == nil {
				continue
			}
			ex, scope = probe.ex, probe.scope
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			dctx, cancel := context.WithTimeout(scope(ctx), g.opts.ListTimeout)
			defer cancel()
			r, err := ex.Describe(dctx, server, opts)
			if err != nil {
				g.log.Warn().Str("server", server).Err(err).Msg("describing the server")
				return
			}
			mu.Lock()
			out[server] = r
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// composeInstructions is the gateway's instructions: how names map, then the composed L0 of
// the servers (describe.Compose: which server for what, each server's guide and its own
// instructions condensed, never dropped, within the L0 budget), with tools under the names
// the gateway advertises. Those names come from the same naming rules over the described
// tools as the catalogue's.
func composeInstructions(order []string, results map[string]describe.Result, mode NameMode, rules map[string]ServerNaming) (string, error) {
	var b strings.Builder
	b.WriteString("SPINE serves several MCP servers through this one endpoint. ")
	if mode == NamesBare {
		b.WriteString("A tool or prompt keeps its own name where no other server has it, and is named <server>__<name> where several do. ")
	} else {
		b.WriteString("Each server's tools and prompts are named <server>__<name>. ")
	}
	b.WriteString("Resources keep their URIs. Each server's parameter reference is the resource spine://<server>/schema, its documents are spine://<server>/docs/<file>.\n\n")
	var described []describe.Result
	lists := map[string][]string{}
	for _, server := range order {
		r, ok := results[server]
		if !ok {
			continue
		}
		described = append(described, r)
		for _, t := range r.Source.Tools {
			lists[server] = append(lists[server], t.Name)
		}
	}
	if len(described) == 0 {
		return b.String(), nil
	}
	names := newNamespace("tool", mode, rules, order).assign(lists)
	c, err := describe.Compose(described, describe.ComposeOptions{
		Budget: l0Budget,
		ToolName: func(server, tool string) string {
			if name, ok := names[Target{Server: server, Name: tool}]; ok {
				return name
			}
			return server + Separator + tool
		},
		SchemaURI: func(server string) string { return "spine://" + server + "/schema" },
	})
	if err != nil {
		return "", err
	}
	b.WriteString(c.Instructions)
	return b.String(), nil
}

// applyDescription serves r's L1 and L3 as resources and its L2 as prompts, replacing what
// an earlier description of the same server served.
func (c *catalogue) applyDescription(r describe.Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	server := r.Server
	docs := map[string]string{
		"spine://" + server + "/schema":           r.Schema.Markdown,
		"spine://" + server + "/docs/README.md":   r.Docs.README,
		"spine://" + server + "/docs/SKILL.md":    r.Docs.Skill,
		"spine://" + server + "/docs/MCP_INFO.md": r.Docs.MCPInfo,
	}
	old := c.described[server]
	if old == nil {
		old = &shown{}
	}
	now := &shown{resources: map[string][]byte{}, prompts: map[string][]byte{}}
	for uri, text := range docs {
		if text == "" {
			continue
		}
		res := &mcp.Resource{URI: uri, Name: strings.TrimPrefix(uri, "spine://"), MIMEType: "text/markdown",
			Description: "SPINE's self-description of server " + server}
		body := text
		now.resources[uri] = c.show(old.resources, uri, map[string]any{"r": res, "text": body}, func() {
			c.g.server.AddResource(res, func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
				return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, MIMEType: "text/markdown", Text: body}}}, nil
			})
		})
	}
	for _, p := range r.Prompts {
		target := Target{Server: server, Name: "spine:" + p.Name}
		name := c.prompts.nameAs(target, server+Separator+p.Name)
		args := make([]*mcp.PromptArgument, len(p.Arguments))
		for i, a := range p.Arguments {
			args[i] = &mcp.PromptArgument{Name: a.Name, Description: a.Description, Required: a.Required}
		}
		adv := &mcp.Prompt{Name: name, Description: p.Description, Arguments: args}
		def := p
		now.prompts[name] = c.show(old.prompts, name, def, func() {
			c.g.server.AddPrompt(adv, func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
				return &mcp.GetPromptResult{Description: def.Description, Messages: []*mcp.PromptMessage{
					{Role: "user", Content: &mcp.TextContent{Text: def.Render(req.Params.Arguments)}},
				}}, nil
			})
		})
	}
	c.g.server.RemoveResources(gone(old.resources, now.resources)...)
	c.g.server.RemovePrompts(gone(old.prompts, now.prompts)...)
	c.described[server] = now
}

// watchDescriptions regenerates the served descriptions of the servers in servers whenever
// their lists change, until the gateway closes.
func (g *Gateway) watchDescriptions(servers []string) error {
	if len(servers) == 0 {
		return nil
	}
	_, err := g.ex.WatchDescriptions(g.life, executor.WatchOptions{
		Servers:         servers,
		DescribeOptions: executor.DescribeOptions{Budgets: describe.Budgets{L0: max(l0Budget/max(len(g.ex.Servers()), 1), 128)}},
	}, func(r describe.Result) {
		g.cat.applyDescription(r)
		g.updateInstructions(r)
	})
	return err
}
