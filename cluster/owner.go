package cluster

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/spine-mcp/spine/cluster/wire"
)

// chunkBytes is how much of an answer is buffered before it is sent without a flush.
const chunkBytes = 32 << 10

// receiveOwner is the owner actor: it serves requests forwarded by peers, each on a
// goroutine of its own (an SSE stream may last as long as its session).
func (n *Node) receiveOwner(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *wire.Request:
		n.serveForwarded(m)
	case *wire.Cancel:
		n.mu.Lock()
		cancel := n.serving[servingKey(m.ReplyAddress, m.Id)]
		n.mu.Unlock()
		if cancel != nil {
			cancel()
		}
	}
}

func servingKey(address, id string) string { return address + " " + id }

func splitServingKey(key string) (address, id string) {
	address, id, _ = strings.Cut(key, " ")
	return address, id
}

// serveForwarded serves m through the node's handler and sends the answer back in order:
// a Head, the Chunks as the handler flushes them, a last Chunk with end set.
func (n *Node) serveForwarded(m *wire.Request) {
	reply := actor.NewPID(m.ReplyAddress, m.ReplyActor)
	w := &chunkWriter{n: n, to: reply, id: m.Id, header: http.Header{}}
	h := n.handler.Load()
	if h == nil || n.life.Err() != nil {
		w.header.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("node starting or stopping\n"))
		w.finish("")
		return
	}
	ctx, cancel := context.WithCancel(n.life)
	key := servingKey(m.ReplyAddress, m.Id)
	n.mu.Lock()
	n.serving[key] = cancel
	n.mu.Unlock()
	n.stats.served.Add(1)
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		defer func() {
			n.mu.Lock()
			delete(n.serving, key)
			n.mu.Unlock()
			cancel()
		}()
		req, err := forwardedRequest(ctx, m)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			w.finish("")
			return
		}
		(*h).ServeHTTP(w, req)
		w.finish("")
	}()
}

// forwardedRequest rebuilds the HTTP request m carries.
func forwardedRequest(ctx context.Context, m *wire.Request) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, m.Method, "http://forwarded"+m.Path, bytes.NewReader(m.Body))
	if err != nil {
		return nil, fmt.Errorf("forwarded request: %w", err)
	}
	for _, h := range m.Headers {
		if strings.EqualFold(h.Name, "Host") {
			if len(h.Values) > 0 {
				req.Host = h.Values[0]
			}
			continue
		}
		for _, v := range h.Values {
			req.Header.Add(h.Name, v)
		}
	}
	req.RemoteAddr = m.ReplyAddress
	return req, nil
}

// chunkWriter is the http.ResponseWriter of a forwarded request: what the handler writes
// goes back to the node that forwarded it, a chunk per flush.
type chunkWriter struct {
	n      *Node
	to     *actor.PID
	id     string
	header http.Header
	wrote  bool
	buf    bytes.Buffer
}

func (w *chunkWriter) Header() http.Header { return w.header }

func (w *chunkWriter) WriteHeader(status int) {
	if w.wrote {
		return
	}
	w.wrote = true
	w.n.system.Root.Send(w.to, &wire.Head{Id: w.id, Status: int32(status), Headers: toWire(w.header)})
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.buf.Write(p)
	if w.buf.Len() >= chunkBytes {
		w.Flush()
	}
	return len(p), nil
}

// Flush sends what was written since the last flush: an SSE event reaches the client as
// soon as the handler flushes it.
func (w *chunkWriter) Flush() {
	w.WriteHeader(http.StatusOK)
	if w.buf.Len() == 0 {
		return
	}
	data := bytes.Clone(w.buf.Bytes())
	w.buf.Reset()
	w.n.system.Root.Send(w.to, &wire.Chunk{Id: w.id, Data: data})
}

// finish flushes and ends the answer.
func (w *chunkWriter) finish(errText string) {
	w.Flush()
	w.n.system.Root.Send(w.to, &wire.Chunk{Id: w.id, End: true, Error: errText})
}

// toWire copies h into wire headers.
func toWire(h http.Header) []*wire.Header {
	out := make([]*wire.Header, 0, len(h))
	for name, values := range h {
		out = append(out, &wire.Header{Name: name, Values: values})
	}
	return out
}
