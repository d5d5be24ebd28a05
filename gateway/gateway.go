package gateway

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/describe"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/ops"
)

// Gateway is one MCP server in front of every enabled server of a project. It is safe for
// concurrent use; Close stops it.
type Gateway struct {
	opts    Options
	log     zerolog.Logger
	project *capability.Project
	// ex serves every server and the workflows. A downstream session's calls to an affinity
	// server are keyed by the downstream session (see affinity.go), so max_total_sessions
	// bounds them all, however many downstream sessions come.
	ex       *executor.Executor
	server   *mcp.Server
	cat      *catalogue
	sessions *sessionTable
	refresh  *refresher
	parked   *parking // sessionless calls waiting for their clients' answers (rounds.go)
	// instructions are composed again when a server's description is (instructions.go).
	instructions instructions

	monitorsMu sync.Mutex
	monitors   []*ops.Monitor // one per Handler: closed with the gateway

	life context.Context // ends when Close starts
	stop context.CancelFunc
	// calls ends when the calls in flight are to be cancelled (Drain, Close).
	calls     context.Context
	stopCalls context.CancelFunc
	requests  inflight // downstream requests being handled
	// directChain is what go-sdk's server runs a tools/call through — the receiving
	// middlewares of New and the tool's handler —, for the requests answered without it
	// (direct.go).
	directChain mcp.MethodHandler
	wg          sync.WaitGroup // the goroutines the gateway owns
	ownMu       sync.Mutex     // orders own's counting and Close's stop
	close       sync.Once
	err         error
}

// New starts a gateway over project's enabled servers: it lists every server's tools,
// resources and prompts and names them (a server that fails to list is logged, shown in the
// mapping, and tried again every 15s), and returns a gateway ready to serve.
func New(ctx context.Context, project *capability.Project, opts Options) (*Gateway, error) {
	opts = opts.withDefaults()
	if opts.Names != NamesPrefixed && opts.Names != NamesBare {
		return nil, fmt.Errorf("names = %q: want %q or %q", opts.Names, NamesPrefixed, NamesBare)
	}
	if opts.Servers == nil {
		opts.Servers = namingRules(project)
	}
	g := &Gateway{opts: opts, log: opts.Log, project: project}
	g.life, g.stop = context.WithCancel(context.Background())
	g.calls, g.stopCalls = context.WithCancel(g.life)
	g.refresh = newRefresher(g)
	g.parked = newParking(g.calls, opts)
	g.sessions = newSessionTable(g) // before the executor: its events look sessions up
	ex, err := executor.New(project, append(executorAskers(), executor.WithLogger(g.log), executor.WithEvents(g.event),
		executor.WithTracerProvider(opts.TracerProvider))...)
	if err != nil {
		g.stop()
		return nil, err
	}
	g.ex = ex
	// Affinity servers are listed and described once on a probe of their own, closed after:
	// no upstream session of theirs outlives start-up but those of downstream sessions.
	var probe *affinitySet
	if g.hasAffinity() {
		if probe, err = g.newAffinitySet("catalogue"); err != nil {
			g.log.Warn().Err(err).Msg("listing the affinity servers")
		}
	}
	closeProbe := func() {
		if probe != nil {
			_ = probe.close(ctx)
			probe = nil
		}
	}
	defer closeProbe()
	var descs map[string]describe.Result
	g.instructions.text, g.instructions.fixed = opts.Instructions, opts.Instructions != ""
	if opts.Describe {
		descs = g.describeAll(ctx, probe)
		g.updateInstructions(slices.Collect(maps.Values(descs))...)
		opts.Instructions = g.instructions.current()
		g.opts.Instructions = opts.Instructions
	}
	g.server = mcp.NewServer(&mcp.Implementation{Name: "spine", Title: "SPINE", Version: opts.Version}, &mcp.ServerOptions{
		Instructions: opts.Instructions,
		GetSessionID: opts.NewSessionID,
		Capabilities: &mcp.ServerCapabilities{
			Tools:     &mcp.ToolCapabilities{ListChanged: true},
			Resources: &mcp.ResourceCapabilities{ListChanged: true},
			Prompts:   &mcp.PromptCapabilities{ListChanged: true},
		},
	})
	middlewares := []mcp.Middleware{endCallsWith(g.calls, &g.requests), g.observeRequests(opts.TracerProvider), g.serveInstructions}
	g.server.AddReceivingMiddleware(append([]mcp.Middleware{g.learnSessions}, middlewares...)...)
	g.directChain = g.callUpstreamTool
	for _, mw := range slices.Backward(middlewares) { // the first is the outermost, as go-sdk has it
		g.directChain = mw(g.directChain)
	}
	g.cat = newCatalogue(g)
	if err := g.cat.addWorkflows(opts.Workflows); err != nil {
		closeProbe()
		_ = g.Close(context.Background())
		return nil, err
	}
	g.cat.load(ctx, probe)
	closeProbe()
	if opts.Describe {
		for _, server := range ex.Servers() {
			if r, ok := descs[server]; ok {
				g.cat.applyDescription(r)
			}
		}
		var watched []string
		for _, server := range ex.Servers() {
			if !g.isAffinity(server) {
				watched = append(watched, server)
			}
		}
		if err := g.watchDescriptions(watched); err != nil {
			g.log.Warn().Err(err).Msg("watching the servers' descriptions")
		}
	}
	g.wg.Add(2)
	go func() {
		defer g.wg.Done()
		g.refresh.run(g.life)
	}()
	go func() {
		defer g.wg.Done()
		g.reapHandles(g.life)
	}()
	return g, nil
}

// Server returns the MCP server the gateway serves: connect it to any transport.
func (g *Gateway) Server() *mcp.Server { return g.server }

// Executor returns the executor serving shared and identity servers and workflows.
func (g *Gateway) Executor() *executor.Executor { return g.ex }

// Names returns the mapping of advertised names to servers, and the collisions met.
func (g *Gateway) Names() Mapping { return g.cat.mapping() }

// Close ends every downstream session, closes every affinity session, then the executor: no
// server process outlives it. ctx bounds the drain as for executor.Close.
func (g *Gateway) Close(ctx context.Context) error {
	g.close.Do(func() {
		g.ownMu.Lock() // a goroutine own counts is counted before the wait below, or not at all
		g.stop()
		g.ownMu.Unlock()
		g.parked.close()
		var errs []error
		if g.sessions != nil {
			for ss := range g.server.Sessions() {
				_ = ss.Close()
			}
			errs = append(errs, g.sessions.closeAll(ctx))
		}
		g.wg.Wait()
		g.monitorsMu.Lock()
		for _, m := range g.monitors {
			m.Close()
		}
		g.monitorsMu.Unlock()
		if g.ex != nil {
			errs = append(errs, g.ex.Close(ctx))
		}
		g.err = errors.Join(errs...)
	})
	return g.err
}

// own counts one more goroutine that Close waits for (g.wg), unless Drain or Close has begun:
// then it reports false, and the caller starts none.
func (g *Gateway) own() bool {
	g.ownMu.Lock()
	defer g.ownMu.Unlock()
	if g.calls.Err() != nil {
		return false
	}
	g.wg.Add(1)
	return true
}

// namingRules returns each server's prefix and aliases from its config.
func namingRules(p *capability.Project) map[string]ServerNaming {
	rules := map[string]ServerNaming{}
	for _, s := range p.Servers {
		if s.Prefix != "" || len(s.Aliases) > 0 {
			rules[s.Name] = ServerNaming{Prefix: s.Prefix, Aliases: s.Aliases}
		}
	}
	return rules
}

// hasAffinity reports whether any server gives each downstream session a session of its own.
func (g *Gateway) hasAffinity() bool {
	return slices.ContainsFunc(g.project.Enabled(), func(s capability.ServerSpec) bool {
		return s.Isolation == capability.IsolationAffinity
	})
}

// isAffinity reports whether server gives each downstream session a session of its own.
func (g *Gateway) isAffinity(server string) bool {
	s, ok := g.project.Server(server)
	return ok && s.Isolation == capability.IsolationAffinity
}

// event receives the executor's events: a list change starts a refresh; the events of an
// affinity key's sessions go to its downstream session's set. It runs on actor goroutines.
func (g *Gateway) event(e executor.Event) {
	if g.isAffinity(e.Server) {
		g.affinityEvent(e)
		return
	}
	if e.Kind == executor.EventListChanged {
		g.refresh.request(e.Server, nil)
	}
}
