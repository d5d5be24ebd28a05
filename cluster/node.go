package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/eventstream"
	"github.com/asynkron/protoactor-go/remote"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rs/zerolog"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/cluster/wire"
)

// The names of a node's two actors: every node has them, so a peer reaches them by address.
const (
	ownerActor = "spine-owner" // serves requests forwarded to this node
	relayActor = "spine-relay" // receives the answers to requests this node forwarded
)

// retryDown is how long a peer whose connection broke is taken for gone: requests for its
// sessions get 404 at once meanwhile, and after it a request tries the peer again (a node
// restarted on the same address mints new sessions there).
const retryDown = 2 * time.Second

// Config configures a Node.
type Config struct {
	// Address is where this node listens for its peers (protoactor remote, HOST:PORT). It is
	// the node's identity: the sessions it mints name it, so peers must reach it there.
	Address string
	// Peers are the other nodes' addresses; this node's own address may be among them.
	Peers []string
	// Key signs the session ids (at least 32 bytes); every node of a cluster has the same.
	Key []byte
	// MaxBodyBytes bounds the request body read to find a spine_session handle. Default:
	// go-sdk's request body bound (4 MiB).
	MaxBodyBytes int64
	// Log receives the node's logs (and protoactor's, at warn and above). Default: none.
	Log zerolog.Logger
}

// Node is one `spine serve` process of a cluster: it mints the session ids of the downstream
// sessions it owns, forwards requests for other nodes' sessions to them, and serves the
// requests peers forward to it. Close stops it.
type Node struct {
	cfg    Config
	signer *Signer
	self   string
	peers  map[string]bool
	system *actor.ActorSystem
	remote *remote.Remote
	sub    *eventstream.Subscription
	actors []*actor.PID // the owner and relay actors

	handler     atomic.Pointer[http.Handler]           // serves forwarded requests; nil: 503
	sessionFree atomic.Pointer[func(tool string) bool] // tools any node may serve
	seq         atomic.Uint64
	leaving     atomic.Bool
	stats       stats

	mu      sync.Mutex
	pending map[string]*relay             // requests this node forwarded, by id
	serving map[string]context.CancelFunc // requests forwarded to this node, by servingKey
	down    map[string]time.Time          // peers whose connection broke, and when

	life  context.Context // ends when Close starts: cancels the forwarded requests served
	stop  context.CancelFunc
	wg    sync.WaitGroup // the goroutines serving forwarded requests
	close sync.Once
}

// Start starts a node: it listens on cfg.Address for its peers.
func Start(cfg Config) (*Node, error) {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = mcp.DefaultMaxRequestBodyBytes
	}
	if msg := capability.CheckHostPort(cfg.Address); msg != "" {
		return nil, fmt.Errorf("address %q: %s", cfg.Address, msg)
	}
	host, portText, _ := net.SplitHostPort(cfg.Address)
	port, _ := strconv.Atoi(portText)
	signer, err := NewSigner(cfg.Key)
	if err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, signer: signer, self: cfg.Address, peers: map[string]bool{},
		pending: map[string]*relay{}, serving: map[string]context.CancelFunc{}, down: map[string]time.Time{}}
	for _, p := range cfg.Peers {
		if msg := capability.CheckHostPort(p); msg != "" {
			return nil, fmt.Errorf("peer %q: %s", p, msg)
		}
		if p != n.self {
			n.peers[p] = true
		}
	}
	n.life, n.stop = context.WithCancel(context.Background())
	level := max(cfg.Log.GetLevel(), zerolog.WarnLevel)
	n.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(zerolog.NewSlogHandler(cfg.Log.Level(level)))
	}), actor.WithDeadLetterThrottleCount(0))
	rc := remote.Configure(host, port)
	// One connection attempt: a peer that refuses it is gone now, and its sessions with it.
	rc.MaxRetryCount = 1
	n.remote = remote.NewRemote(n.system, rc)
	if err := startRemote(n.remote); err != nil {
		n.stop()
		return nil, fmt.Errorf("address %q: %w", cfg.Address, err)
	}
	n.sub = n.system.EventStream.Subscribe(n.endpointEvent)
	for name, receive := range map[string]actor.ReceiveFunc{ownerActor: n.receiveOwner, relayActor: n.receiveRelay} {
		pid, err := n.system.Root.SpawnNamed(actor.PropsFromFunc(receive), name)
		if err != nil {
			n.Close()
			return nil, err
		}
		n.actors = append(n.actors, pid)
	}
	return n, nil
}

// startRemote starts r, which panics when it cannot listen.
func startRemote(r *remote.Remote) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	r.Start()
	return nil
}

// Address returns the node's address: its identity in the cluster.
func (n *Node) Address() string { return n.self }

// Peers returns the other nodes' addresses, sorted.
func (n *Node) Peers() []string {
	var out []string
	for p := range n.peers {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// NewSessionID mints a session id (or spine_session handle) owned by this node: the
// gateway's Options.NewSessionID.
func (n *Node) NewSessionID() string { return n.signer.Mint(n.self) }

// SetHandler sets the handler that serves the requests peers forward to this node — the
// gateway's whole HTTP handler, auth included; until it is set they get 503 — and the tools
// whose calls need nothing of a session (gateway's SessionFree): this node serves those
// itself, whichever node owns the session.
func (n *Node) SetHandler(h http.Handler, sessionFree func(tool string) bool) {
	n.handler.Store(&h)
	if sessionFree != nil {
		n.sessionFree.Store(&sessionFree)
	}
}

// servesHere reports whether a call of tool may be served by this node for a session of
// another.
func (n *Node) servesHere(tool string) bool {
	f := n.sessionFree.Load()
	return f != nil && tool != "" && (*f)(tool)
}

// Drain is the node's graceful leave: new sessions are refused (503: the load balancer
// retries elsewhere), forwarded streams (GET) are ended by their owners — so that when the
// client sees its stream end and re-opens it through a live node, the owner has let go of
// the old one (go-sdk refuses a second stream of a session with 409, and the client then
// gives the session up) —, and forwarded requests in flight get until ctx ends to finish;
// then the rest are ended here. Requests forwarded to this node are still served until Close.
func (n *Node) Drain(ctx context.Context) {
	n.leaving.Store(true)
	errLeaving := errors.New("this node is leaving the cluster")
	n.mu.Lock()
	for id, r := range n.pending {
		if r.stream {
			n.system.Root.Send(actor.NewPID(r.owner, ownerActor), &wire.Cancel{Id: id, ReplyAddress: n.self})
		}
	}
	n.mu.Unlock()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		n.mu.Lock()
		left := len(n.pending)
		if left == 0 || ctx.Err() != nil {
			for _, r := range n.pending {
				r.fail(errLeaving)
			}
			n.mu.Unlock()
			return
		}
		n.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}

// Close stops the node: the requests forwarded to it are cancelled, its listener closes,
// and its peers see the connection end (their requests for its sessions get 404 from then).
func (n *Node) Close() {
	n.close.Do(func() {
		n.stop()
		n.mu.Lock()
		for _, r := range n.pending {
			r.fail(errors.New("node closing"))
		}
		n.mu.Unlock()
		n.wg.Wait()
		for _, pid := range n.actors {
			_ = n.system.Root.StopFuture(pid).Wait()
		}
		if n.sub != nil {
			n.system.EventStream.Unsubscribe(n.sub)
		}
		n.remote.Shutdown(false)
		n.system.Shutdown()
	})
}

// endpointEvent learns of peers' connections: a broken one fails the requests forwarded to
// that peer (their sessions are gone) and cancels those it forwarded here (nobody waits for
// the answer). It runs on protoactor's goroutines.
func (n *Node) endpointEvent(evt any) {
	switch e := evt.(type) {
	case *remote.EndpointTerminatedEvent:
		n.mu.Lock()
		defer n.mu.Unlock()
		if n.peers[e.Address] {
			n.down[e.Address] = time.Now()
		}
		for _, r := range n.pending {
			if r.owner == e.Address {
				r.fail(errOwnerLost)
			}
		}
		for key, cancel := range n.serving {
			if addr, _ := splitServingKey(key); addr == e.Address {
				cancel()
			}
		}
	case *remote.EndpointConnectedEvent:
		n.mu.Lock()
		delete(n.down, e.Address)
		n.mu.Unlock()
	}
}

// isDown reports whether owner's connection broke less than retryDown ago.
func (n *Node) isDown(owner string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	t, ok := n.down[owner]
	return ok && time.Since(t) < retryDown
}
