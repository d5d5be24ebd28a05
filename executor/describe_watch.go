package executor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spine-mcp/spine/actors"
	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/describe"
)

// WatchOptions says which servers WatchDescriptions watches and how it describes them.
type WatchOptions struct {
	// DescribeOptions say how each description is written (mode, builder, budgets,
	// workflows), as for Describe.
	DescribeOptions
	// Servers are the servers to watch. Default: every enabled server.
	Servers []string
	// Debounce is how long to wait after a list_changed notification before rescanning,
	// so that a burst makes one rescan. Default 100ms.
	Debounce time.Duration
	// Errors, when set, is told of every failed scan or description (the server can't be
	// reached, its tools list fails). It is called like the description callback: from the
	// same goroutine, in order with the descriptions. Failures are logged either way.
	Errors func(server string, err error)
}

// WatchDescriptions scans each watched server now and again whenever it says its tools,
// resources or prompts changed, and calls fn with the server's new self-description each
// time its capabilities differ from the last scan's: first once per server, then on every
// change. This is how an agent loop learns that a server grew a tool.
//
// fn is called from one goroutine, in order, never concurrently; a slow fn delays later
// calls but never the scans. The watch ends when ctx is done or stop is called; stop
// returns once fn has returned for the last time and every goroutine of the watch has
// ended. stop is idempotent; it must not be called from fn (cancel ctx instead). Close
// stops the watches still running.
func (e *Executor) WatchDescriptions(ctx context.Context, opts WatchOptions, fn func(describe.Result)) (stop func(), err error) {
	if fn == nil {
		return nil, errors.New("describe: watch: no callback")
	}
	if err := e.checkDescribe(opts.DescribeOptions); err != nil {
		return nil, err
	}
	if e.closed.Load() {
		return nil, fmt.Errorf("describe: watch: %w", ErrClosed)
	}
	w := &watch{
		fn: fn, onErr: opts.Errors,
		wake: make(chan struct{}, 1), quit: make(chan struct{}),
		dispatched: make(chan struct{}), watched: make(chan struct{}),
	}
	describeOpts := opts.DescribeOptions
	scan, err := e.rt.StartScan(actors.ScanOptions{
		Servers:  opts.Servers,
		Debounce: opts.Debounce,
		Describe: func(ctx context.Context, s *capability.Snapshot) (describe.Result, error) {
			return e.describeSnapshot(ctx, s, describeOpts)
		},
		Events: w.event,
		Log:    e.opts.log,
	})
	if err != nil {
		return nil, err
	}
	w.scan = scan
	e.watches.add(w)
	go w.dispatch()
	go func() {
		defer close(w.watched)
		defer e.watches.remove(w)
		select {
		case <-ctx.Done():
			w.teardown()
		case <-w.quit:
		}
	}()
	return w.stop, nil
}

// watch is one WatchDescriptions: a scan actor whose events queue up for one dispatcher
// goroutine, so that the actor never waits for the callback.
type watch struct {
	scan  *actors.Scan
	fn    func(describe.Result)
	onErr func(server string, err error)

	mu    sync.Mutex
	queue []watchItem

	wake       chan struct{} // a new item is queued
	quit       chan struct{} // closed by teardown
	dispatched chan struct{} // closed when the dispatcher has ended
	watched    chan struct{} // closed when the context watcher has ended
	once       sync.Once
}

// watchItem is a new description, or a failure of server.
type watchItem struct {
	result *describe.Result
	server string
	err    error
}

// event is the scan actor's hook: it queues and returns at once.
func (w *watch) event(ev actors.ScanEvent) {
	var item watchItem
	switch ev := ev.(type) {
	case *actors.DescriptionChanged:
		r := ev.Result
		item.result = &r
	case *actors.ScanFailed:
		if w.onErr == nil {
			return
		}
		item.server, item.err = ev.Server, ev.Err
	default:
		return
	}
	w.mu.Lock()
	w.queue = append(w.queue, item)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default: // the dispatcher is awake already
	}
}

// dispatch calls the callbacks, one item at a time, in queue order.
func (w *watch) dispatch() {
	defer close(w.dispatched)
	for {
		select {
		case <-w.quit:
			return
		case <-w.wake:
		}
		for {
			item, ok := w.pop()
			if !ok {
				break
			}
			select {
			case <-w.quit:
				return
			default:
			}
			if item.result != nil {
				w.fn(*item.result)
			} else {
				w.onErr(item.server, item.err)
			}
		}
	}
}

func (w *watch) pop() (watchItem, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) == 0 {
		return watchItem{}, false
	}
	item := w.queue[0]
	w.queue = w.queue[1:]
	return item, true
}

// stop ends the watch and waits for all of its goroutines.
func (w *watch) stop() {
	w.teardown()
	<-w.watched
}

// teardown stops the scan actor (which cancels and waits for its scans), then the
// dispatcher. It runs once; a concurrent caller waits for it to finish.
func (w *watch) teardown() {
	w.once.Do(func() {
		w.scan.Stop()
		close(w.quit)
		<-w.dispatched
	})
}

// watchSet is the executor's running watches, stopped by Close.
type watchSet struct {
	mu  sync.Mutex
	set map[*watch]struct{}
}

func (s *watchSet) add(w *watch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.set == nil {
		s.set = map[*watch]struct{}{}
	}
	s.set[w] = struct{}{}
}

func (s *watchSet) remove(w *watch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.set, w)
}

// stopAll stops every running watch and waits for each.
func (s *watchSet) stopAll() {
	s.mu.Lock()
	ws := make([]*watch, 0, len(s.set))
	for w := range s.set {
		ws = append(ws, w)
	}
	s.mu.Unlock()
	for _, w := range ws {
		w.stop()
	}
}
