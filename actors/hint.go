package actors

import (
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"github.com/spine-mcp/spine/capability"
)

// statusRecorder remembers the first HTTP error status a session's requests got, so that a
// failed handshake can tell what the endpoint answered (the SDK only words it).
type statusRecorder struct {
	base  http.RoundTripper
	first atomic.Int32
}

func (s *statusRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := s.base.RoundTrip(req)
	if err == nil && resp.StatusCode >= 400 {
		s.first.CompareAndSwap(0, int32(resp.StatusCode))
	}
	return resp, err
}

// transportHint adds to a failed handshake which transport to try when the endpoint's answer
// is the one of the other HTTP transport: an SSE endpoint refuses the POST of a streamable
// client (400, 404 or 405); a streamable endpoint refuses the GET that opens an SSE stream
// (400 or 405, 404 or 406 elsewhere). An answer in JSON-RPC is the server's own word: no hint.
func transportHint(spec *capability.ServerSpec, status *statusRecorder, err error) error {
	if status == nil {
		return err
	}
	var wire *jsonrpc.Error
	if errors.As(err, &wire) && wire.Code != codeRejectedByTransport {
		return err
	}
	switch code := status.first.Load(); {
	case spec.Transport == capability.TransportHTTP && (code == 400 || code == 404 || code == 405):
		return fmt.Errorf(`%w (is this an SSE endpoint? set transport = "sse")`, err)
	case spec.Transport == capability.TransportSSE && (code == 400 || code == 404 || code == 405 || code == 406):
		return fmt.Errorf(`%w (is this a streamable HTTP endpoint? set transport = "http")`, err)
	}
	return err
}
