package demoserver

import (
	"iter"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// sessionCounters is the counter tool's state: one count per MCP session.
//
// Keying by the session itself works on every transport: over stdio the
// process has one session, over streamable HTTP each Mcp-Session-Id has its
// own ServerSession, and in-memory connections each get one too.
type sessionCounters struct {
	mu     sync.Mutex
	counts map[*mcp.ServerSession]int
}

// next counts one more call in session ss and returns the new count.
// live is the server's current sessions: counts of sessions that have ended
// are dropped, so that a long-running HTTP server does not accumulate them.
func (c *sessionCounters) next(ss *mcp.ServerSession, live iter.Seq[*mcp.ServerSession]) int {
	alive := map[*mcp.ServerSession]bool{ss: true}
	for s := range live {
		alive[s] = true
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = make(map[*mcp.ServerSession]int)
	}
	for s := range c.counts {
		if !alive[s] {
			delete(c.counts, s)
		}
	}
	c.counts[ss]++
	return c.counts[ss]
}
