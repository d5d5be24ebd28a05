package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/executor"
)

// catalogue is what the gateway advertises: every server's tools, prompts and resources
// under their downstream names, kept in step with the servers' lists.
type catalogue struct {
	g         *Gateway
	mu        sync.Mutex
	order     []string // servers in config order
	tools     *namespace
	prompts   *namespace
	resources *namespace
	templates *namespace
	shown     map[string]*shown // per server: what is advertised now
	described map[string]*shown // per server: its served self-description
	failed    map[string]string // servers whose last listing failed, and why
	logged    int               // collisions logged so far
	workflows []string          // the workflow tools, in the order given
	// handlers are the upstream tools' handlers by downstream name, as advertised now; the
	// direct path (direct.go) reads them without the lock.
	handlers atomic.Pointer[map[string]mcp.ToolHandler]
}

// shown is what one server has advertised: downstream name -> the JSON advertised, so that
// an unchanged item is not re-added (which would notify every session).
type shown struct {
	tools, prompts, resources, templates map[string][]byte
}

// lists are one server's lists, as the server gave them.
type lists struct {
	tools     []*mcp.Tool
	resources []*mcp.Resource
	templates []*mcp.ResourceTemplate
	prompts   []*mcp.Prompt
}

func newCatalogue(g *Gateway) *catalogue {
	order := g.ex.Servers()
	return &catalogue{
		g:         g,
		order:     order,
		tools:     newNamespace("tool", g.opts.Names, g.opts.Servers, order),
		prompts:   newNamespace("prompt", g.opts.Names, g.opts.Servers, order),
		resources: newURINamespace("resource", order),
		templates: newURINamespace("resource_template", order),
		shown:     map[string]*shown{},
		described: map[string]*shown{},
		failed:    map[string]string{},
	}
}

// load lists every server, all at once, and advertises what they offer. Affinity servers
// are listed on probe, an executor of their own that the caller closes after (nil: they are
// listed once a downstream session reaches them).
func (c *catalogue) load(ctx context.Context, probe *affinitySet) {
	got := map[string]*lists{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, server := range c.order {
		ex, scope := c.g.ex, func(ctx context.Context) context.Context { return ctx }
		if c.g.isAffinity(server) {
			if probe == nil {
				continue
			}
			ex, scope = probe.ex, probe.scope
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := c.list(scope(ctx), ex, server)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				c.g.log.Warn().Str("server", server).Err(err).Msg("listing the server; its tools are advertised once it answers")
				c.failed[server] = err.Error()
				return
			}
			got[server] = l
		}()
	}
	wg.Wait()
	c.apply(got)
}

// list reads one server's lists within the gateway's list timeout. A server that cannot
// list resources or prompts (it may not offer them) is taken to have none.
func (c *catalogue) list(ctx context.Context, ex *executor.Executor, server string) (*lists, error) {
	ctx, cancel := context.WithTimeout(ctx, c.g.opts.ListTimeout)
	defer cancel()
	tools, err := ex.ListTools(ctx, server)
	if err != nil {
		return nil, err
	}
	l := &lists{tools: tools}
	if l.resources, err = ex.ListResources(ctx, server); err != nil {
		c.g.log.Debug().Str("server", server).Err(err).Msg("no resources")
	}
	if l.templates, err = ex.ListResourceTemplates(ctx, server); err != nil {
		c.g.log.Debug().Str("server", server).Err(err).Msg("no resource templates")
	}
	if l.prompts, err = ex.ListPrompts(ctx, server); err != nil {
		c.g.log.Debug().Str("server", server).Err(err).Msg("no prompts")
	}
	return l, nil
}

// apply advertises the lists of the servers in got, replacing what they advertised before.
func (c *catalogue) apply(got map[string]*lists) {
	c.mu.Lock()
	defer c.mu.Unlock()
	handlers := map[string]mcp.ToolHandler{}
	maps.Copy(handlers, c.upstreamTools())
	defer func() { c.handlers.Store(&handlers) }()
	toolNames, promptNames, uriNames, templateNames := map[string][]string{}, map[string][]string{}, map[string][]string{}, map[string][]string{}
	for server, l := range got {
		delete(c.failed, server)
		for _, t := range l.tools {
			toolNames[server] = append(toolNames[server], t.Name)
		}
		for _, p := range l.prompts {
			promptNames[server] = append(promptNames[server], p.Name)
		}
		for _, r := range l.resources {
			uriNames[server] = append(uriNames[server], r.URI)
		}
		for _, r := range l.templates {
			templateNames[server] = append(templateNames[server], r.URITemplate)
		}
	}
	tn, pn, rn := c.tools.assign(toolNames), c.prompts.assign(promptNames), c.resources.assign(uriNames)
	tmn := c.templates.assign(templateNames)
	for _, server := range c.order {
		l, ok := got[server]
		if !ok {
			continue
		}
		old := c.shown[server]
		if old == nil {
			old = &shown{}
		}
		now := &shown{tools: map[string][]byte{}, prompts: map[string][]byte{}, resources: map[string][]byte{}, templates: map[string][]byte{}}
		for _, t := range l.tools {
			target := Target{Server: server, Name: t.Name}
			adv := downstreamTool(t, tn[target])
			if c.g.isAffinity(server) {
				adv.InputSchema = withSessionArg(adv.InputSchema)
			}
			handler := c.g.toolHandler(target)
			handlers[adv.Name] = handler
			now.tools[adv.Name] = c.show(old.tools, adv.Name, adv, func() {
				c.g.server.AddTool(adv, handler)
			})
		}
		for _, p := range l.prompts {
			target := Target{Server: server, Name: p.Name}
			adv := *p
			adv.Name = pn[target]
			now.prompts[adv.Name] = c.show(old.prompts, adv.Name, &adv, func() {
				c.g.server.AddPrompt(&adv, c.g.promptHandler(target))
			})
		}
		for _, r := range l.resources {
			target := Target{Server: server, Name: r.URI}
			adv := *r
			adv.URI = rn[target]
			now.resources[adv.URI] = c.show(old.resources, adv.URI, &adv, func() {
				c.g.server.AddResource(&adv, c.g.resourceHandler(target))
			})
		}
		for _, r := range l.templates {
			target := Target{Server: server, Name: r.URITemplate}
			adv := *r
			adv.URITemplate = tmn[target]
			now.templates[adv.URITemplate] = c.show(old.templates, adv.URITemplate, &adv, func() {
				c.g.server.AddResourceTemplate(&adv, c.g.templateHandler(server, adv.URITemplate != r.URITemplate))
			})
		}
		c.g.server.RemoveResourceTemplates(gone(old.templates, now.templates)...)
		goneTools := gone(old.tools, now.tools)
		c.g.server.RemoveTools(goneTools...)
		for _, name := range goneTools {
			delete(handlers, name)
		}
		c.g.server.RemovePrompts(gone(old.prompts, now.prompts)...)
		c.g.server.RemoveResources(gone(old.resources, now.resources)...)
		if _, had := c.shown[server]; !had && c.g.isAffinity(server) {
			c.addSessionTools(server)
		}
		c.shown[server] = now
	}
	for _, cl := range c.newCollisions() {
		c.g.log.Warn().Str("kind", cl.Kind).Str("server", cl.Server).Str("name", cl.Name).
			Str("wanted", cl.Wanted).Str("holder", cl.Holder).Str("got", cl.Got).
			Msg("name collision: the earlier server keeps the name")
	}
}

// upstreamTools returns the handlers of the upstream tools advertised now, by name.
func (c *catalogue) upstreamTools() map[string]mcp.ToolHandler {
	if m := c.handlers.Load(); m != nil {
		return *m
	}
	return nil
}

// upstreamTool returns the handler of the upstream tool advertised as name, nil for none.
func (c *catalogue) upstreamTool(name string) mcp.ToolHandler {
	return c.upstreamTools()[name]
}

// failedServers returns the servers whose last listing failed.
func (c *catalogue) failedServers() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Collect(maps.Keys(c.failed))
}

// listFailed records that server could not be listed.
func (c *catalogue) listFailed(server string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failed[server] = err.Error()
}

// show advertises item under name (calling add) unless it is advertised already unchanged,
// and returns its JSON.
func (c *catalogue) show(old map[string][]byte, name string, item any, add func()) []byte {
	b, _ := json.Marshal(item) // go-sdk types always marshal
	if prev, ok := old[name]; !ok || !bytes.Equal(prev, b) {
		add()
	}
	return b
}

// gone returns the names in old that are not in now.
func gone(old, now map[string][]byte) []string {
	var out []string
	for name := range old {
		if _, ok := now[name]; !ok {
			out = append(out, name)
		}
	}
	return out
}

// newCollisions returns the collisions not returned before.
func (c *catalogue) newCollisions() []Collision {
	all := c.collisions()
	fresh := all[c.logged:]
	c.logged = len(all)
	return fresh
}

func (c *catalogue) collisions() []Collision {
	return slices.Concat(c.tools.collisions(), c.prompts.collisions(), c.resources.collisions(), c.templates.collisions())
}

// downstreamTool is t as advertised under name. A schema that is not an object schema (which
// go-sdk refuses to serve) is replaced by the empty object schema, an output schema that is
// not one is left out: a server's odd tool never stops the gateway.
func downstreamTool(t *mcp.Tool, name string) *mcp.Tool {
	adv := *t
	adv.Name = name
	if !objectSchema(adv.InputSchema) {
		adv.InputSchema = map[string]any{"type": "object"}
	}
	if adv.OutputSchema != nil && !objectSchema(adv.OutputSchema) {
		adv.OutputSchema = nil
	}
	return &adv
}

func objectSchema(s any) bool {
	if s == nil {
		return false
	}
	m, ok := s.(map[string]any)
	if !ok {
		b, err := json.Marshal(s)
		if err != nil || json.Unmarshal(b, &m) != nil {
			return false
		}
	}
	return m["type"] == "object"
}
