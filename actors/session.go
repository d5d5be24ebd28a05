package actors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/capability"
)

// Messages between a server actor and its session actors.
type (
	// dispatch runs req on a session: within timeout (the server's call_timeout or
	// tool_timeouts entry, renewed by each progress notification) and never past deadline
	// (the caller's, zero for none).
	dispatch struct {
		req      *Request
		deadline time.Time
		timeout  time.Duration
		maxTime  time.Duration // max_call_time: the most a call may last, news or not
		reply    *actor.PID    // answer a success here at once (callworker.go); nil: the server does
		acquired acquired      // how the pool gave the call its session, for the Response
	}
	probe        struct{ methods []string }
	sessionReady struct {
		session   uint64
		handshake time.Duration
		tools     []*mcp.Tool // listed right after the handshake when the pool asked for it
		toolsErr  error
		calls     *sessionActor // starts the session's calls without its mailbox (callworker.go)
		link      *link         // the shared link the session is on; nil: a session of its own
	}
	sessionLost struct {
		session uint64
		err     error
		connect bool // the session never became ready
	}
	callDone struct {
		session uint64
		id      uint64
		result  any
		failure *Failure  // nil on success
		hint    cacheHint // how long a list may be kept, and by whom (2026-07-28 servers)
		replied bool      // the success was answered already (dispatch.reply)
	}
	probeDone struct {
		session uint64
		err     error
	}
	// sessionReleased is a session actor's last word: every call it started has been
	// reported (callDone) before it. A call dispatched to it and not reported never started:
	// its dispatch was dropped with the actor's mailbox when it stopped.
	sessionReleased struct{ session uint64 }
	// sent by a session actor's own goroutines to itself, stamped with its incarnation
	connectDone struct{ gen uint64 }
	sessionDied struct {
		gen uint64
		err error
	}
)

// generations stamps each session actor incarnation: continuations of an instance that was
// restarted or stopped find a different generation and are dropped.
var generations atomic.Uint64

// sessionActor owns one persistent MCP client session: one process or one HTTP session.
// It connects on Started, runs every call on one of its call runners with a deadline and reports
// the outcome straight to its server actor, watches the process and the connection for
// death, and releases everything on Restarting and Stopping.
type sessionActor struct {
	*sessionDeps
	id        uint64
	listTools bool
	system    *actor.ActorSystem
	started   bool
	headers   map[string][]string // sent with the session's own requests (identity pools)
	secrets   []string            // redacted from the server's stderr lines

	gen    uint64
	self   *actor.PID
	parent *actor.PID

	calls   sync.WaitGroup // calls not yet reported
	workers *runners       // the goroutines that run the calls (callworker.go)

	mu         sync.Mutex
	conn       *conn
	released   bool
	dead       bool
	inflight   map[uint64]*inflightCall
	stopDial   context.CancelFunc
	dialDone   chan struct{}
	lastReason error
	ready      *sessionReady
}

// sessionDeps is what the sessions of one server share, built once by its server actor.
type sessionDeps struct {
	spec      *capability.ServerSpec
	client    *mcp.Client
	log       zerolog.Logger
	teardown  *teardown
	stats     *ServerStats    // the server's counters (skipped stdout lines); may be nil
	http      *http.Transport // HTTP and SSE servers: one keep-alive pool for all their sessions
	eras      *eraMemory      // the protocol versions protocol = "auto" settled on
	hints     hintsOnce       // installs cacheHints on client
	links     linkTable       // HTTP, 2026-07-28: the client sessions the server's session actors share
	mailboxes *runners        // runs the sessions' mailboxes; nil: protoactor's own
	noRoots   bool            // the client offers no roots (roots.go)
}

func newSessionProps(id uint64, deps *sessionDeps, listTools bool, headers map[string][]string) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor {
		return &sessionActor{sessionDeps: deps, id: id, listTools: listTools, headers: headers}
	}, withMailboxes(deps.mailboxes)...)
}

// Receive implements actor.Actor.
func (a *sessionActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		a.start(ctx)
	case *connectDone:
		if m.gen == a.gen {
			a.connected(ctx)
		}
	case *dispatch:
		a.run(ctx, m)
	case *Cancel:
		a.mu.Lock()
		call := a.inflight[m.ID]
		a.mu.Unlock()
		if call != nil {
			call.cancel(context.Canceled)
		}
	case *Progress:
		a.mu.Lock()
		call := a.inflight[m.ID]
		a.mu.Unlock()
		if call != nil {
			call.alive()
		}
	case *probe:
		a.probe(ctx, m.methods)
	case *sessionDied:
		if m.gen == a.gen && !a.isReleased() {
			a.markDead()
			// The server actor stops this actor: stopping here would deliver Terminated
			// (a system message, which overtakes user messages) before the news.
			ctx.Send(a.parent, &sessionLost{session: a.id, err: m.err})
		}
	case *actor.Restarting, *actor.Stopping:
		a.release()
	}
}

func (a *sessionActor) start(ctx actor.Context) {
	a.gen = generations.Add(1)
	a.self, a.parent, a.system = ctx.Self(), ctx.Parent(), ctx.ActorSystem()
	a.inflight = make(map[uint64]*inflightCall)
	a.workers = newRunners(max(a.spec.MaxInflight, 1))
	a.secrets = secretsOf(a.spec)
	a.started = true
	a.teardown.opened()
	a.hints.install(a.client)
	// The session's requests (handshake, stream, close) carry its identity's headers.
	base := withCallHeaders(withTeardown(context.Background(), a.teardown), a.headers)
	dialCtx, stop := context.WithCancel(base)
	a.stopDial, a.dialDone = stop, make(chan struct{})
	gen, root := a.gen, ctx.ActorSystem().Root
	go func() {
		defer close(a.dialDone)
		c, err := dial(dialCtx, a.spec, a.client, dialOptions{stderr: a.stderrLine, skipped: a.skippedLine, http: a.http, eras: a.eras, links: &a.links,
			notify: a.listsChanged(root), noRoots: a.noRoots})
		var ready *sessionReady
		if c != nil {
			ready = &sessionReady{session: a.id, handshake: c.handshake, calls: a, link: c.link}
			a.stats.settled(c.version, c.session)
			if a.listTools { // the pool needs tool annotations for its retry policy
				lctx, cancel := context.WithTimeout(dialCtx, a.spec.ConnectTimeout)
				res, lerr := runOp(lctx, c.session, &Request{Op: OpListTools}, a.spec.ListPages())
				cancel()
				ready.tools, _ = res.([]*mcp.Tool)
				ready.toolsErr = lerr
			}
		}
		a.mu.Lock()
		if a.released {
			a.mu.Unlock()
			if c != nil {
				c.close()
			}
			return
		}
		a.conn, a.lastReason, a.ready = c, err, ready
		a.mu.Unlock()
		root.Send(a.self, &connectDone{gen: gen})
	}()
}

// listsChanged tells the server actor that a list changed, as go-sdk's notification handlers
// do (the server actor's listChanged); its continuations come from a link's keeper.
func (a *sessionActor) listsChanged(root *actor.RootContext) func(kind string) {
	parent := a.parent
	return func(kind string) { root.Send(parent, &listChanged{kind: kind}) }
}

// stderrLine logs a line of the server's stderr at debug level. Servers print their
// configuration, tokens included, so the line is redacted like errors are.
func (a *sessionActor) stderrLine(line string) {
	if ev := a.log.Debug(); ev.Enabled() {
		line, _ = redactString(a.secrets, line)
		ev.Str("server", a.spec.Name).Uint64("session", a.id).Str("stderr", line).Msg("server stderr")
	}
}

// skippedLine counts, and logs at debug level, a line of the server's stdout that was no MCP
// message (a banner, a log line). The filter has redacted it already.
func (a *sessionActor) skippedLine(line string) {
	if a.stats != nil {
		a.stats.skippedLines.Add(1)
	}
	if ev := a.log.Debug(); ev.Enabled() {
		ev.Str("server", a.spec.Name).Uint64("session", a.id).Str("stdout", line).Msg("skipped a line of stdout that is no MCP message")
	}
}

func (a *sessionActor) connected(ctx actor.Context) {
	a.mu.Lock()
	c, err, ready := a.conn, a.lastReason, a.ready
	a.ready = nil // the tools list is the server actor's now; don't keep a copy per session
	a.mu.Unlock()
	if c == nil {
		ctx.Send(a.parent, &sessionLost{session: a.id, err: err, connect: true})
		return
	}
	ctx.Send(a.parent, ready)
	a.watch(c)
}

// watch reports the death of the session: its process exiting, or its connection closing.
// The goroutine ends with the connection; the exit hook runs on the process's reaper.
func (a *sessionActor) watch(c *conn) {
	gen, root, self := a.gen, a.system.Root, a.self
	go func() {
		err := c.session.Wait()
		if c.proc != nil { // the process exit says more than the broken pipe
			if !c.proc.waitExit(exitGrace, nil) {
				err = fmt.Errorf("connection closed: %w", errOrClosed(err))
			} else {
				err = c.proc.exitError()
			}
		} else {
			err = fmt.Errorf("connection closed: %w", errOrClosed(err))
		}
		root.Send(self, &sessionDied{gen: gen, err: redact(a.spec, err)})
	}()
	if c.proc != nil {
		c.proc.onExit(func() {
			select {
			case <-c.cancelled(): // released: its teardown stops the process
			default:
				a.markDead()
				// Close our end so that calls in flight fail now rather than at their deadline.
				c.proc.stdout.Close()
			}
		})
	}
}

func errOrClosed(err error) error {
	if err == nil {
		return mcp.ErrConnectionClosed
	}
	return err
}

// probe runs the health chain: each method in order; "method not found" moves to the next,
// "skip" passes, any other error fails the session.
func (a *sessionActor) probe(ctx actor.Context, methods []string) {
	a.mu.Lock()
	c := a.conn
	a.mu.Unlock()
	root, parent, id := a.system.Root, a.parent, a.id
	if c == nil {
		ctx.Send(parent, &probeDone{session: id, err: errNotReady})
		return
	}
	go func() {
		pctx, cancel := context.WithTimeout(withCallHeaders(context.Background(), a.headers), min(probeTimeout, a.spec.CallTimeout))
		defer cancel()
		var err error
		for _, m := range methods {
			switch m {
			case "ping":
				err = c.ping(pctx, a.spec)
				if revisionChanged(err) {
					a.eras.forget(a.spec)
				}
			case "list_tools":
				_, err = c.session.ListTools(pctx, nil)
			default: // "skip"
				err = nil
			}
			if err == nil || !isMethodNotFound(err) {
				break
			}
		}
		root.Send(parent, &probeDone{session: id, err: err})
	}()
}

func (a *sessionActor) markDead() {
	a.mu.Lock()
	a.dead = true
	a.mu.Unlock()
}

func (a *sessionActor) isReleased() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.released
}

// release cancels every call in flight (ClientSession.Close waits for them), then closes the
// session and ends the server's process group. It runs on Stopping and on Restarting. Once
// every call it started has been reported, it tells the server actor, which answers the
// calls whose dispatch was dropped with this actor's mailbox.
func (a *sessionActor) release() {
	a.mu.Lock()
	if a.released {
		a.mu.Unlock()
		return
	}
	a.released = true
	c := a.conn
	for _, call := range a.inflight {
		call.cancel(context.Canceled)
	}
	a.mu.Unlock()
	if a.stopDial != nil {
		a.stopDial()
		<-a.dialDone
	}
	if c != nil {
		c.close()
	}
	a.calls.Wait()
	if a.workers != nil {
		a.workers.close()
	}
	if a.started {
		a.system.Root.Send(a.parent, &sessionReleased{session: a.id})
		a.teardown.released()
	}
}

// runOp performs one MCP operation on a session. Params are built fresh for every call:
// the SDK writes into them. Lists read at most maxPages pages.
//
// A list the server does not offer is empty, not a failure: without asking when its
// capability is absent from the handshake; and when the server answers "method not found"
// to resources, resource templates or prompts (a tools list must work where tools are offered).
func runOp(ctx context.Context, cs *mcp.ClientSession, req *Request, maxPages int) (any, error) {
	switch req.Op {
	case OpCallTool:
		params := &mcp.CallToolParams{Name: req.Name}
		if len(req.Args) > 0 {
			params.Arguments = req.Args
		}
		withTraceContext(params, req)
		if req.Progress {
			params.SetProgressToken(progressToken(req.ID))
		}
		if req.Raw && !req.Progress && !modernSession(cs) {
			return callToolRaw(ctx, cs, params)
		}
		return cs.CallTool(ctx, params)
	case OpReadResource:
		params := &mcp.ReadResourceParams{URI: req.Name}
		withTraceContext(params, req)
		return cs.ReadResource(ctx, params)
	case OpGetPrompt:
		params := &mcp.GetPromptParams{Name: req.Name}
		withTraceContext(params, req)
		if len(req.Args) > 0 {
			if err := json.Unmarshal(req.Args, &params.Arguments); err != nil {
				return nil, fmt.Errorf("%w: prompt arguments must be an object of strings: %v", errInvalidRequest, err)
			}
		}
		return cs.GetPrompt(ctx, params)
	case OpListTools:
		if !offered(cs, func(c *mcp.ServerCapabilities) bool { return c.Tools != nil }) {
			return []*mcp.Tool{}, nil
		}
		return listAll(maxPages, func(cursor string) ([]*mcp.Tool, string, error) {
			r, err := cs.ListTools(ctx, &mcp.ListToolsParams{Cursor: cursor})
			if err != nil {
				return nil, "", err
			}
			return r.Tools, r.NextCursor, nil
		})
	case OpListResources:
		if !offered(cs, hasResources) {
			return []*mcp.Resource{}, nil
		}
		return optional(listAll(maxPages, func(cursor string) ([]*mcp.Resource, string, error) {
			r, err := cs.ListResources(ctx, &mcp.ListResourcesParams{Cursor: cursor})
			if err != nil {
				return nil, "", err
			}
			return r.Resources, r.NextCursor, nil
		}))
	case OpListResourceTemplates:
		if !offered(cs, hasResources) {
			return []*mcp.ResourceTemplate{}, nil
		}
		return optional(listAll(maxPages, func(cursor string) ([]*mcp.ResourceTemplate, string, error) {
			r, err := cs.ListResourceTemplates(ctx, &mcp.ListResourceTemplatesParams{Cursor: cursor})
			if err != nil {
				return nil, "", err
			}
			return r.ResourceTemplates, r.NextCursor, nil
		}))
	case OpListPrompts:
		if !offered(cs, func(c *mcp.ServerCapabilities) bool { return c.Prompts != nil }) {
			return []*mcp.Prompt{}, nil
		}
		return optional(listAll(maxPages, func(cursor string) ([]*mcp.Prompt, string, error) {
			r, err := cs.ListPrompts(ctx, &mcp.ListPromptsParams{Cursor: cursor})
			if err != nil {
				return nil, "", err
			}
			return r.Prompts, r.NextCursor, nil
		}))
	case OpServerInfo:
		return cs.InitializeResult(), nil
	}
	return nil, fmt.Errorf("unknown operation %d", req.Op)
}

// offered says whether the server announced a capability in its handshake. A handshake
// without capabilities at all says nothing: the server is asked.
func offered(cs *mcp.ClientSession, has func(*mcp.ServerCapabilities) bool) bool {
	init := cs.InitializeResult()
	return init == nil || init.Capabilities == nil || has(init.Capabilities)
}

func hasResources(c *mcp.ServerCapabilities) bool { return c.Resources != nil }

// optional makes a list the server does not implement ("method not found") an empty one.
func optional[T any](items []T, err error) ([]T, error) {
	if err != nil && isMethodNotFound(err) {
		return []T{}, nil
	}
	return items, err
}

// errInvalidRequest fails a request that cannot be sent as it is.
var errInvalidRequest = errors.New("invalid request")

// errTooManyPages fails a list whose server keeps paginating past max_list_pages.
var errTooManyPages = errors.New("too many pages")

// listAll reads every page of a list, at most maxPages of them (0 = no bound): a server that
// never stops paginating would otherwise hold the session and grow the list without end.
func listAll[T any](maxPages int, page func(cursor string) ([]T, string, error)) ([]T, error) {
	out := []T{}
	cursor := ""
	for n := 1; ; n++ {
		items, next, err := page(cursor)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		if maxPages > 0 && n >= maxPages {
			return nil, fmt.Errorf("%w: the server still had more after max_list_pages %d pages (%d items); raise max_list_pages if the list is really that long",
				errTooManyPages, maxPages, len(out))
		}
		cursor = next
	}
}
