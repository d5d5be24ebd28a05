package actors

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ClientHandlers answer what a server asks of SPINE's client in the middle of a call: an
// answer from the user (elicitation), a completion from the program's model (sampling), the
// roots the server may work in. The same handlers serve a 2025-11-25 server's requests to the
// client and a 2026-07-28 server's multi-round-trip input requests. A capability is declared
// to servers only when its handler is set: a server that asks for one anyway gets an error
// saying the client does not offer it, its call fails, and the session lives on.
//
// The zero value declares nothing.
type ClientHandlers struct {
	// Elicit answers elicitation/create (forms and URLs). nil: elicitation is not declared.
	Elicit func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error)
	// Sample answers sampling/createMessage. nil: sampling is not declared.
	Sample func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error)
	// Roots are the roots offered to servers (roots/list). Empty: roots are not declared.
	Roots []*mcp.Root
}

// clientOptions fills in the handlers and the capabilities they declare; go-sdk infers
// elicitation and sampling from their handlers, and declares roots only when told to.
func (h ClientHandlers) clientOptions(o *mcp.ClientOptions) {
	o.Capabilities = &mcp.ClientCapabilities{}
	if len(h.Roots) > 0 {
		o.Capabilities.RootsV2 = &mcp.RootCapabilities{}
	}
	r := h.routed()
	o.ElicitationHandler = r.Elicit
	o.CreateMessageHandler = r.Sample
}

// addRoots gives a client the roots it offers. Without roots, a 2025-11-25 server's
// roots/list is refused like an undeclared elicitation (go-sdk would answer an empty list
// whatever was declared); a 2026-07-28 server's roots input request, which go-sdk answers
// inside its own middleware, is refused on its way in (roots.go).
func (h ClientHandlers) addRoots(c *mcp.Client) {
	if len(h.Roots) > 0 {
		c.AddRoots(slices.Clone(h.Roots)...)
		return
	}
	c.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method == "roots/list" {
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "client does not support roots"}
			}
			return next(ctx, method, req)
		}
	})
}

// undeclared adds to a server's question that failed for want of a handler what the program
// can do about it.
func undeclared(err error) error {
	if err != nil && strings.Contains(err.Error(), "client does not support") {
		return fmt.Errorf("%w (the server asked for a client capability SPINE does not declare: "+
			"give the executor WithElicitationHandler, WithSamplingHandler or WithRoots)", err)
	}
	return err
}
