package actors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/segmentio/encoding/json"
)

// stdioTransport is the MCP connection to a stdio server's pipes: newline-delimited JSON-RPC,
// as go-sdk's IOTransport, read from the stdout filter's messages (stdout.go) and written to
// the server's stdin.
//
// It exists for speed. go-sdk's IOTransport hands each line from a reader goroutine to Read
// over a channel (a goroutine switch per message), then decodes it twice, first as a batch
// and then as a message, with a decoder that allocates a 32 KiB buffer each time — two of the
// four such buffers of a warm call, most of the client's garbage. Here Read takes the next
// message on the caller's goroutine (go-sdk's connection reader) and decodes it once, in
// place. The filter only hands on JSON objects that json.Valid accepts, so a batch (an array)
// never arrives and nesting is bounded by the standard library's scanner.
type stdioTransport struct {
	frames *stdoutFilter
	stdin  *os.File
}

func (t *stdioTransport) Connect(context.Context) (mcp.Connection, error) {
	return &stdioConn{frames: t.frames, stdin: t.stdin}, nil
}

type stdioConn struct {
	frames *stdoutFilter // read by one goroutine only: go-sdk's connection reader

	writeMu sync.Mutex
	stdin   *os.File
	wbuf    []byte // under writeMu: a message and its newline, written at once

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error

	rawMu sync.Mutex
	raw   map[jsonrpc.ID]*rawSink // raw tool calls awaiting their answers (rawresult.go)
}

// wireMessage is a JSON-RPC message as it arrives; as go-sdk decodes it (field names matched
// exactly, an id of any JSON type, a present "method" making it a request).
type wireMessage struct {
	Version string          `json:"jsonrpc"`
	ID      any             `json:"id,omitempty"`
	Method  *string         `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *jsonrpc.Error  `json:"error,omitempty"`
}

// Read returns the next message. Close unblocks it (it closes the pipe it reads); after
// Close it returns io.EOF, as go-sdk's connections do.
func (c *stdioConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	line, err := c.frames.Next()
	if err != nil {
		if c.closed.Load() {
			return nil, io.EOF
		}
		return nil, err
	}
	msg, err := decodeMessage(line)
	if resp, ok := msg.(*jsonrpc.Response); ok {
		return c.keepRaw(resp), nil
	}
	return msg, err
}

// decodeMessage decodes one message, copying what it keeps: line may be reused.
func decodeMessage(line []byte) (jsonrpc.Message, error) {
	var w wireMessage
	if _, err := json.Parse(line, &w, json.DontMatchCaseInsensitiveStructFields); err != nil {
		return nil, fmt.Errorf("unmarshaling jsonrpc message: %w", err)
	}
	if w.Version != "2.0" {
		return nil, fmt.Errorf("invalid message version tag %q; expected %q", w.Version, "2.0")
	}
	id, err := jsonrpc.MakeID(w.ID)
	if err != nil {
		return nil, err
	}
	if w.Method != nil {
		return &jsonrpc.Request{ID: id, Method: *w.Method, Params: w.Params}, nil
	}
	if !id.IsValid() {
		return nil, errors.New("JSON-RPC message is neither a request nor a response with an id")
	}
	resp := &jsonrpc.Response{ID: id, Result: w.Result}
	if w.Error != nil { // no typed nil in the error interface
		resp.Error = w.Error
	}
	return resp, nil
}

// Write writes msg and its newline with one write.
func (c *stdioConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := jsonrpc.EncodeMessage(msg)
	if err != nil {
		return fmt.Errorf("marshaling message: %w", err)
	}
	c.noteRaw(ctx, msg)
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.wbuf = append(append(c.wbuf[:0], data...), '\n')
	_, err = c.stdin.Write(c.wbuf)
	if cap(c.wbuf) > 16*filterBuf { // a long message went out: don't keep its buffer
		c.wbuf = nil
	}
	return err
}

// Close closes both pipes: the server sees its stdin end, and a Read waiting on stdout
// returns.
func (c *stdioConn) Close() error {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		c.closeErr = errors.Join(c.stdin.Close(), c.frames.Close())
	})
	return c.closeErr
}

func (c *stdioConn) SessionID() string { return "" }
