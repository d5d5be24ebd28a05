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

// retryFailed is how often servers that could not be listed are tried again: one that was
// down when the gateway started appears once it is up, without waiting for a list change.
const retryFailed = 15 * time.Second

// run re-lists what is pending until ctx ends.
func (r *refresher) run(ctx context.Context) {
	debounce := time.NewTimer(refreshDebounce)
	debounce.Stop()
	retry := time.NewTicker(retryFailed)
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			debounce.Stop()
			return
		case <-r.wake:
			debounce.Reset(refreshDebounce)
			continue
		case <-retry.C:
			for _, server := range r.g.cat.failedServers() {
				if !r.g.isAffinity(server) { // those are listed when a downstream session reaches them
					r.request(server, nil)
				}
			}
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
		r.g.log.Warn().Str("server", server).Err(err).Msg("re-listing the server")
		r.g.cat.listFailed(server, err)
		return
	}
	r.g.cat.apply(map[string]*lists{server: l})
}
