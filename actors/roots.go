package actors

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// A 2026-07-28 server asks for the client's roots with a multi-round-trip input request, which
// go-sdk answers itself, from inside its own middleware, with the roots the client was given
// — an empty list when it was given none, whatever was declared. docs/design.md ("Protocol
// eras") says a capability that is not declared is refused: the server's question fails the
// call with an error saying the client does not offer roots, and the session lives on, as
// for a 2025-11-25 server's roots/list (ClientHandlers.addRoots). So when a server's client
// offers no roots, SPINE turns such an answer into that error before go-sdk reads it: on the
// stdio pipes it owns (probeConn.Read) and in the HTTP responses of the session's requests
// (rootsRefuser), JSON or event stream.

// errNoRoots is what a server's roots question gets from a client that offers none.
const errNoRoots = "client does not support roots"

// refuseRoots returns the refusal of r when r asks for the client's roots (an input-required
// result with a roots/list input request), and r itself otherwise.
func refuseRoots(r *jsonrpc.Response) *jsonrpc.Response {
	if r.Error != nil || !bytes.Contains(r.Result, []byte(`"roots/list"`)) {
		return r
	}
	var res struct {
		ResultType    string `json:"resultType"`
		InputRequests map[string]struct {
			Method string `json:"method"`
		} `json:"inputRequests"`
	}
	if json.Unmarshal(r.Result, &res) != nil || res.ResultType != "input_required" {
		return r
	}
	for _, ir := range res.InputRequests {
		if ir.Method == "roots/list" {
			return &jsonrpc.Response{ID: r.ID, Error: &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: errNoRoots}}
		}
	}
	return r
}

// refuseRootsIn returns data, one encoded JSON-RPC message, with a roots question refused.
func refuseRootsIn(data []byte) []byte {
	if !bytes.Contains(data, []byte(`"roots/list"`)) {
		return data
	}
	msg, err := jsonrpc.DecodeMessage(data)
	if err != nil {
		return data
	}
	r, ok := msg.(*jsonrpc.Response)
	if !ok {
		return data
	}
	if refused := refuseRoots(r); refused != r {
		if out, err := jsonrpc.EncodeMessage(refused); err == nil {
			return out
		}
	}
	return data
}

// rootsRefuser refuses the roots questions in the responses of a session whose client offers
// no roots.
type rootsRefuser struct{ base http.RoundTripper }

func (t rootsRefuser) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || req.Method != http.MethodPost || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	media, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch media {
	case "application/json":
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		data = refuseRootsIn(data)
		resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(data)), int64(len(data))
		resp.Header.Del("Content-Length")
	case "text/event-stream":
		resp.Body = &sseRootsRefuser{src: resp.Body, in: bufio.NewReader(resp.Body)}
	}
	return resp, nil
}

// sseRootsRefuser passes an event stream through line by line, refusing the roots questions
// in its data lines.
type sseRootsRefuser struct {
	src  io.Closer
	in   *bufio.Reader
	out  []byte // what is left of the line being passed on
	done error
}

func (s *sseRootsRefuser) Read(p []byte) (int, error) {
	for len(s.out) == 0 {
		if s.done != nil {
			return 0, s.done
		}
		line, err := s.in.ReadBytes('\n')
		if data, ok := bytes.CutPrefix(line, []byte("data:")); ok {
			trimmed := bytes.TrimSpace(data)
			if refused := refuseRootsIn(trimmed); !bytes.Equal(refused, trimmed) {
				line = append(append([]byte("data: "), refused...), '\n')
			}
		}
		s.out, s.done = line, err
	}
	n := copy(p, s.out)
	s.out = s.out[n:]
	return n, nil
}

func (s *sseRootsRefuser) Close() error { return s.src.Close() }
