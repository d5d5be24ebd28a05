package actors

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/spine-mcp/spine/capability"
)

// linkTable holds the client sessions a server's session actors share over HTTP in the
// 2026-07-28 era. There, a "session" is no state on the server — every request stands alone
// and carries the protocol version and the client's capabilities itself — so a pool of them
// would keep nothing warm but handshakes and change streams: one server/discover and one
// subscriptions/listen per identity serve them all, over the server's keep-alive transport.
// The session actors stay (they are the pool's units of capacity, health and accounting); what
// they hold is a reference to a link. A link is closed with its last reference, and dropped from
// the table when its connection ends, so that the next dial makes a new one.
//
// The zero value is ready to use.
type linkTable struct {
	mu    sync.Mutex
	links map[string]*link
}

// link is one shared 2026-07-28 HTTP client session.
type link struct {
	table *linkTable
	key   string
	conn  *conn         // the conn that dialled it (its close ends the link); nil while dialling
	ready chan struct{} // closed once dialled, or abandoned
	refs  int
}

// linkable says whether a server's sessions may share a link: HTTP in the 2026-07-28 era.
// Legacy sessions and SSE are real sessions; a stdio "session" is a process.
func linkable(spec *capability.ServerSpec, version string) bool {
	return spec.Transport == capability.TransportHTTP && capability.EraOf(version) == capability.EraModern
}

// linkKey names the link of a session's own headers (an identity pool's): requests a link
// makes by itself (discover, listen) carry them. Per-call headers ride on each call.
func linkKey(ctx context.Context) string {
	h, _ := ctx.Value(headersKey{}).(map[string][]string)
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(strings.Join(h[k], "\x00"))
		b.WriteByte(1)
	}
	return b.String()
}

// acquire returns a new reference to the live link of key, as a conn of its own. When there
// is none, the caller is to dial it (a pending link is returned: settle it with share or
// abandon); when another caller is dialling it, acquire waits for that dial (or ctx).
func (t *linkTable) acquire(ctx context.Context, key string) (*conn, *link) {
	for {
		t.mu.Lock()
		if t.links == nil {
			t.links = map[string]*link{}
		}
		l := t.links[key]
		switch {
		case l == nil:
			l = &link{table: t, key: key, ready: make(chan struct{})}
			t.links[key] = l
			t.mu.Unlock()
			return nil, l
		case l.conn == nil:
			t.mu.Unlock()
			select {
			case <-l.ready:
				continue
			case <-ctx.Done():
				return nil, nil
			}
		}
		l.refs++
		t.mu.Unlock()
		life, cancel := context.WithCancel(context.Background())
		return &conn{session: l.conn.session, http: l.conn.http, status: l.conn.status, life: life, cancel: cancel,
			version: l.conn.version, link: l}, nil
	}
}

// share makes c, just dialled, the pending link l. The link is dropped from the table when its
// connection ends.
func (t *linkTable) share(l *link, c *conn) {
	t.mu.Lock()
	l.conn, l.refs, c.link = c, 1, l
	t.mu.Unlock()
	close(l.ready)
	go func() { // ends when the session does: with its last reference, or when it breaks
		_ = c.session.Wait()
		t.drop(l)
	}()
}

// abandon gives up the pending link l: its dial failed, or found no 2026-07-28 server.
func (t *linkTable) abandon(l *link) {
	t.drop(l)
	close(l.ready)
}

func (t *linkTable) drop(l *link) {
	t.mu.Lock()
	if t.links[l.key] == l {
		delete(t.links, l.key)
	}
	t.mu.Unlock()
}

// release gives up one reference; the last one closes the shared session.
func (l *link) release() {
	t := l.table
	t.mu.Lock()
	l.refs--
	last := l.refs == 0
	if last && t.links[l.key] == l {
		delete(t.links, l.key)
	}
	t.mu.Unlock()
	if last {
		l.conn.closeSession()
	}
}
