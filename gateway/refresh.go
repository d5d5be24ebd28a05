package gateway

import (
	"context"
	"sync"
	"time"
)

// refreshDebounce is how long the refresher waits after a list change before re-listing, so
// that a burst of changes (a server adding tools one by one) makes one re-list and one
// downstream notification.
const refreshDebounce = 50 * time.Millisecond

// refresher re-lists servers that said their lists changed, one at a time, coalescing
// requests for the same server.
type refresher struct {
	g       *Gateway
	mu      sync.Mutex
	pending map[string]*affinitySet // server -> where to list it (nil: the main executor)
	wake    chan struct{}
}

func newRefresher(g *Gateway) *refresher {
	return &refresher{g: g, pending: map[string]*affinitySet{}, wake: make(chan struct{}, 1)}
}

// request asks for server to be re-listed, on set's executor for an affinity server. It
// never blocks: it runs on actor goroutines.
func (r *refresher) request(server string, set *affinitySet) {
	r.mu.Lock()
	r.pending[server] = set
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// run re-lists what is pending until ctx ends.
func (r *refresher) run(ctx context.Context) {
	debounce := time.NewTimer(refreshDebounce)
	debounce.Stop()
	for {
		select {
		case <-ctx.Done():
			debounce.Stop()
			return
		case <-r.wake:
			debounce.Reset(refreshDebounce)
			continue
		case <-debounce.C:
		}
		r.mu.Lock()
		pending := r.pending
		r.pending = map[string]*affinitySet{}
		r.mu.Unlock()
		for server, set := range pending {
			r.relist(ctx, server, set)
		}
	}
}

func (r *refresher) relist(ctx context.Context, server string, set *affinitySet) {
	ex, lctx := r.g.ex, ctx
	if set != nil {
		ex, lctx = set.ex, set.scope(ctx)
	}
	l, err := r.g.cat.list(lctx, ex, server)
	if err != nil {
		r.g.log.Warn().Str("server", server).Err(err).Msg("re-listing after a list change")
		return
	}
	r.g.cat.apply(map[string]*lists{server: l})
}
