package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"sync"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/proto"

	"github.com/spine-mcp/spine/cluster/wire"
)

// errOwnerLost: the connection to the node owning the session broke, so the session is gone.
var errOwnerLost = errors.New("the node owning this session is gone")

// hopHeaders are not forwarded: they concern one connection, not the request.
var hopHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true, "Content-Length": true,
}

// relay is a forwarded request's answer as it arrives: the relay actor appends, the HTTP
// handler that forwarded takes. The queue is unbounded so that one slow client never stalls
// the relay actor, which serves every forwarded request of the node.
type relay struct {
	owner  string
	stream bool // a GET: a stream that ends only with its session
	notify chan struct{}

	mu    sync.Mutex
	queue []proto.Message
	err   error
}

func (r *relay) push(m proto.Message) {
	r.mu.Lock()
	r.queue = append(r.queue, m)
	r.mu.Unlock()
	r.wake()
}

func (r *relay) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
	r.wake()
}

func (r *relay) wake() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// next returns the next part of the answer; an error when the owner was lost or ctx ended.
func (r *relay) next(ctx context.Context) (proto.Message, error) {
	for {
		r.mu.Lock()
		if len(r.queue) > 0 {
			m := r.queue[0]
			r.queue = r.queue[1:]
			r.mu.Unlock()
			return m, nil
		}
		err := r.err
		r.mu.Unlock()
		if err != nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-r.notify:
		}
	}
}

// receiveRelay is the relay actor: it hands the answers of forwarded requests to the
// handlers waiting for them.
func (n *Node) receiveRelay(ctx actor.Context) {
	var id string
	switch m := ctx.Message().(type) {
	case *wire.Head:
		id = m.Id
	case *wire.Chunk:
		id = m.Id
	default:
		return
	}
	n.mu.Lock()
	r := n.pending[id]
	n.mu.Unlock()
	if r != nil {
		r.push(ctx.Message().(proto.Message))
	}
}

// forward sends r (whose body is body) to owner and relays the answer to w. It reports
// false, having written nothing, when the owner is gone before answering.
func (n *Node) forward(w http.ResponseWriter, r *http.Request, owner string, body []byte) bool {
	// Random as well as unique: only the owner should be able to answer it.
	var r8 [8]byte
	_, _ = rand.Read(r8[:]) // never fails (crypto/rand)
	id := strconv.FormatUint(n.seq.Add(1), 36) + "-" + hex.EncodeToString(r8[:])
	rl := &relay{owner: owner, stream: r.Method == http.MethodGet, notify: make(chan struct{}, 1)}
	n.mu.Lock()
	n.pending[id] = rl
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		delete(n.pending, id)
		n.mu.Unlock()
	}()
	headers := toWire(r.Header)
	headers = slicesDeleteHop(headers)
	headers = append(headers, &wire.Header{Name: "Host", Values: []string{r.Host}})
	ownerPID := actor.NewPID(owner, ownerActor)
	n.stats.forwarded.Add(1)
	n.system.Root.Send(ownerPID, &wire.Request{
		Id: id, ReplyAddress: n.self, ReplyActor: relayActor,
		Method: r.Method, Path: r.URL.RequestURI(), Headers: headers, Body: body,
	})
	wroteHead := false
	flusher, _ := w.(http.Flusher)
	for {
		m, err := rl.next(r.Context())
		if err != nil {
			// The client went away, or this node ends the relay: the owner need not go on
			// (and a stream it holds would refuse the client's next one). A gone owner
			// never reads it.
			n.system.Root.Send(ownerPID, &wire.Cancel{Id: id, ReplyAddress: n.self})
			return wroteHead
		}
		switch m := m.(type) {
		case *wire.Head:
			for _, h := range m.Headers {
				w.Header()[h.Name] = h.Values
			}
			w.WriteHeader(int(m.Status))
			wroteHead = true
		case *wire.Chunk:
			if len(m.Data) > 0 {
				_, _ = w.Write(m.Data)
				if flusher != nil {
					flusher.Flush()
				}
			}
			if m.End {
				return true
			}
		}
	}
}

func slicesDeleteHop(hs []*wire.Header) []*wire.Header {
	out := hs[:0]
	for _, h := range hs {
		if !hopHeaders[http.CanonicalHeaderKey(h.Name)] {
			out = append(out, h)
		}
	}
	return out
}
