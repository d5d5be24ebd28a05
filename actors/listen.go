package actors

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
)

// The change notifications of a 2026-07-28 server arrive on one long-lived request, the
// subscriptions/listen stream, which go-sdk opens once at connect and never watches: when the
// stream ends (over HTTP a proxy's idle timeout, a redeploy, a dropped connection; over stdio
// the server answering the request) list_changed stops without a word. listenKeeper keeps the
// news coming for an HTTP server's shared session (one per link) and for each stdio session:
// it re-opens the stream when it ends, and it re-lists at the lists' TTL whatever the stream
// does, telling the server actor of any change, so that a changed list is never missed for
// longer than its TTL.

const (
	// relistenFirst and relistenMost bound the wait before re-opening a stream that ended:
	// a server that ends every stream at once is not hammered.
	relistenFirst = 100 * time.Millisecond
	relistenMost  = 30 * time.Second
	// relistenSteady is how long a stream must have lived for its end to be news rather than
	// a refusal: the next re-open starts from relistenFirst again.
	relistenSteady = 10 * time.Second
	// relistFloor is the shortest interval between two re-lists, whatever the TTL says (a
	// ttlMs of 0 would otherwise mean re-listing without pause).
	relistFloor = 100 * time.Millisecond
)

// listenKeeper re-opens the subscriptions/listen stream of one 2026-07-28 session and
// re-lists at the TTL. Its goroutine ends with the session's life.
type listenKeeper struct {
	spec   *capability.ServerSpec
	life   context.Context
	reopen func(ctx context.Context) (stop func(), err error) // opens another stream; stop ends it (nil: nothing to end)
	main   *mcp.ClientSession                                 // the session lists are read on
	notify func(kind string)                                  // a list changed; nil: nobody to tell
	ended  chan struct{}                                      // a stream ended (coalesced)
	opened time.Time                                          // when the current stream was asked for
	stop   func()                                             // ends the stream reopen opened last (nil: none)
}

func newListenKeeper(life context.Context, spec *capability.ServerSpec) *listenKeeper {
	return &listenKeeper{spec: spec, life: life, ended: make(chan struct{}, 1), opened: time.Now()}
}

// streamEnded is the hook of the session's HTTP transport: a listen stream's body ended.
func (k *listenKeeper) streamEnded() {
	select {
	case k.ended <- struct{}{}:
	default:
	}
}

// run is the keeper's loop until life ends.
func (k *listenKeeper) run() {
	defer func() {
		if k.stop != nil {
			k.stop()
		}
	}()
	wait := relistenFirst
	var redial <-chan time.Time
	relist := time.NewTimer(k.spec.ToolsCacheTTL)
	defer relist.Stop()
	seen := map[Op][32]byte{}
	k.relist(seen, relist) // the baseline, and the TTL the server gives its lists
	for {
		select {
		case <-k.life.Done():
			return
		case <-k.ended:
			if time.Since(k.opened) >= relistenSteady {
				wait = relistenFirst
			}
			redial = time.After(wait)
			wait = min(2*wait, relistenMost)
		case <-redial:
			redial = nil
			k.opened = time.Now()
			stop, err := k.reopen(k.life)
			if err != nil {
				k.streamEnded() // try again, later
				continue
			}
			if k.stop != nil {
				k.stop()
			}
			k.stop = stop
			// What changed while no stream was open is news that never came.
			k.relist(seen, relist)
		case <-relist.C:
			k.relist(seen, relist)
		}
	}
}

// relist reads the lists, tells the server actor of those that changed since the last read,
// and sets the timer to the TTL the server gave them (tools_cache_ttl when it gave none).
func (k *listenKeeper) relist(seen map[Op][32]byte, timer *time.Timer) {
	next := k.spec.ToolsCacheTTL
	for _, l := range []struct {
		op   Op
		kind string
	}{{OpListTools, "tools"}, {OpListResources, "resources"}, {OpListPrompts, "prompts"}} {
		ctx, cancel := context.WithTimeout(k.life, min(probeTimeout, k.spec.CallTimeout))
		ctx, hint := withCacheHint(ctx)
		items, err := runOp(ctx, k.main, &Request{Op: l.op}, k.spec.ListPages())
		cancel()
		if err != nil {
			continue
		}
		if hint.known && hint.ttl > 0 && hint.ttl < next {
			next = hint.ttl
		}
		b, _ := json.Marshal(items)
		sum := sha256.Sum256(b)
		if old, ok := seen[l.op]; ok && old != sum && k.notify != nil {
			k.notify(l.kind)
		}
		seen[l.op] = sum
	}
	if next <= 0 {
		next = time.Minute // tools_cache_ttl = 0 keeps nothing, but the news must still come
	}
	timer.Reset(max(next, relistFloor))
}

// listenWatch wraps the body of every subscriptions/listen response of a session, so that its
// end — the stream cut, or closed by the server — calls ended.
type listenWatch struct {
	base  http.RoundTripper
	ended func()
}

func (w listenWatch) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := w.base.RoundTrip(req)
	if err == nil && req.Header.Get("Mcp-Method") == "subscriptions/listen" {
		resp.Body = &endWatcher{ReadCloser: resp.Body, ended: w.ended}
	}
	return resp, err
}

// endWatcher calls ended once, when its body ends or is closed.
type endWatcher struct {
	io.ReadCloser
	once  sync.Once
	ended func()
}

func (b *endWatcher) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.once.Do(b.ended)
	}
	return n, err
}

func (b *endWatcher) Close() error {
	b.once.Do(b.ended)
	return b.ReadCloser.Close()
}
