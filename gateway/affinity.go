package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/executor"
)

// ErrNoSession: a sessionless (2026-07-28, stateless) request called a server that keeps
// state per session (isolation = "affinity"): it has no session to keep that state in.
var ErrNoSession = errors.New("this server keeps state per session (isolation = \"affinity\"): open one with <server>__open_session and pass its handle as spine_session, or call from an MCP session (initialize, then Mcp-Session-Id)")

// ErrStateLost: the upstream session of an affinity server that served this downstream
// session ended, and the state it held with it. Reported once; the next call opens a new one.
var ErrStateLost = executor.ErrStateLost

// sessionTable holds the downstream sessions that called an affinity server, each with its
// own affinity set. A downstream session that ends (DELETE, idle timeout, stdio EOF,
// shutdown) closes its set: its upstream sessions end with it.
type sessionTable struct {
	g       *Gateway
	mu      sync.Mutex
	byID    map[string]*affinitySet
	handles map[string]*handle // the sets of sessionless clients (handles.go)
	closed  bool
}

func newSessionTable(g *Gateway) *sessionTable {
	return &sessionTable{g: g, byID: map[string]*affinitySet{}, handles: map[string]*handle{}}
}

// affinity returns the affinity set of a downstream session, creating it on first use.
func (t *sessionTable) affinity(ss *mcp.ServerSession) (*affinitySet, error) {
	if ss == nil || ss.ID() == "" {
		return nil, ErrNoSession
	}
	id := ss.ID()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, executor.ErrClosed
	}
	if set := t.byID[id]; set != nil {
		return set, nil
	}
	set, err := t.g.newAffinitySet(id)
	if err != nil {
		return nil, err
	}
	t.byID[id] = set
	t.g.wg.Add(1)
	go func() { // owned by the gateway: ends with the downstream session, which Close ends
		defer t.g.wg.Done()
		_ = ss.Wait()
		t.end(id)
	}()
	return set, nil
}

// end closes the affinity set of downstream session id.
func (t *sessionTable) end(id string) {
	t.mu.Lock()
	set := t.byID[id]
	delete(t.byID, id)
	t.mu.Unlock()
	if set != nil {
		ctx, cancel := context.WithTimeout(context.Background(), t.g.opts.CloseTimeout)
		defer cancel()
		set.close(ctx)
	}
}

// closeAll closes every affinity set and refuses new ones.
func (t *sessionTable) closeAll(ctx context.Context) error {
	t.mu.Lock()
	t.closed = true
	sets := t.byID
	for id, h := range t.handles {
		sets[id] = h.set
	}
	t.byID, t.handles = map[string]*affinitySet{}, map[string]*handle{}
	t.mu.Unlock()
	var wg sync.WaitGroup
	errs := make([]error, 0, len(sets))
	var mu sync.Mutex
	for _, set := range sets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := set.close(ctx)
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// lookup returns the affinity set of key (a downstream session id or a handle), or nil.
func (t *sessionTable) lookup(key string) *affinitySet {
	t.mu.Lock()
	defer t.mu.Unlock()
	if set := t.byID[key]; set != nil {
		return set
	}
	if h := t.handles[key]; h != nil {
		return h.set
	}
	return nil
}

// live returns the number of downstream sessions and handles holding affinity sessions.
func (t *sessionTable) live() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byID) + len(t.handles)
}

// affinitySet is one downstream session's upstream sessions of the affinity servers: the
// sessions of its key (the downstream session id, or a handle) in the gateway's executor,
// whose affinity pools give each key sessions of its own. The pool tells a lost one, once,
// instead of silently replacing it with a fresh one that knows nothing (ErrStateLost).
type affinitySet struct {
	key  string
	ex   *executor.Executor // the gateway's executor, shared by every set
	once sync.Once
	err  error
}

// newAffinitySet returns the affinity set of downstream session (or handle) key. Its
// sessions start with its first call.
func (g *Gateway) newAffinitySet(key string) (*affinitySet, error) {
	return &affinitySet{key: key, ex: g.ex}, nil
}

// affinityEvent hands an affinity server's list change to the set whose key it concerns.
func (g *Gateway) affinityEvent(e executor.Event) {
	key, ok := strings.CutPrefix(e.Pool, "affinity:")
	if !ok || e.Kind != executor.EventListChanged {
		return
	}
	if set := g.sessions.lookup(key); set != nil {
		g.refresh.request(e.Server, set)
	}
}

// scope keys ctx's calls to this set's pools.
func (s *affinitySet) scope(ctx context.Context) context.Context {
	return executor.WithAffinity(ctx, s.key)
}

// call calls tool on server in this downstream session's own upstream session. The pool
// tells the end of that session once: on the call it was running (ErrSessionLost, which
// the error here adds ErrStateLost to), or on the key's next call (ErrStateLost).
func (s *affinitySet) call(ctx context.Context, server, tool string, args any) (*mcp.CallToolResult, error) {
	res, err := s.ex.CallTool(s.scope(ctx), server, tool, args)
	if err != nil && errors.Is(err, executor.ErrSessionLost) {
		err = fmt.Errorf("%w; %w", err, ErrStateLost)
	}
	return res, err
}

// close ends every upstream session of the set: their processes stop in the background,
// and the gateway's Close waits for them.
func (s *affinitySet) close(ctx context.Context) error {
	s.once.Do(func() {
		_, s.err = s.ex.ReleaseAffinity(ctx, s.key)
		if errors.Is(s.err, executor.ErrClosed) {
			s.err = nil // the executor is closing: it ends the sessions itself
		}
	})
	return s.err
}
