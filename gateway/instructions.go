package gateway

import (
	"context"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/describe"
)

// instructions are the gateway's instructions as they stand: composed from the servers'
// latest descriptions (composeInstructions), and composed again whenever a description is
// regenerated after a list change, so that a client initializing (or discovering) later reads
// the servers' tools as they are now. Instructions given in Options are fixed.
type instructions struct {
	mu      sync.Mutex
	text    string
	fixed   bool
	results map[string]describe.Result // the latest description of each described server
}

func (in *instructions) current() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.text
}

// updateInstructions takes rs as their servers' latest descriptions and composes the
// instructions again.
func (g *Gateway) updateInstructions(rs ...describe.Result) {
	in := &g.instructions
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.fixed {
		return
	}
	if in.results == nil {
		in.results = map[string]describe.Result{}
	}
	for _, r := range rs {
		in.results[r.Server] = r
	}
	text, err := composeInstructions(g.ex.Servers(), in.results, g.opts.Names, g.opts.Servers)
	if err != nil {
		g.log.Warn().Err(err).Msg("composing the servers' instructions")
		return
	}
	in.text = text
}

// serveInstructions answers initialize and server/discover with the current instructions:
// go-sdk reads them once, from the options the server was made with.
func (g *Gateway) serveInstructions(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		res, err := next(ctx, method, req)
		if err != nil {
			return res, err
		}
		switch r := res.(type) {
		case *mcp.InitializeResult:
			r.Instructions = g.instructions.current()
		case *mcp.DiscoverResult:
			r.Instructions = g.instructions.current()
		}
		return res, err
	}
}
