package actors

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestDecodeMessageAgreesWithTheSDK: every line the stdio transport decodes gives what
// go-sdk's own decoder gives, or an error where it gives one.
func TestDecodeMessageAgreesWithTheSDK(t *testing.T) {
	lines := []string{
		`{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hi"}]}}`,
		`{"jsonrpc":"2.0","id":"a-7","result":{}}`,
		`{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"bad","data":{"x":[1,2]}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"roots/list","params":{}}`,
		`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}`,
		`{"jsonrpc":"2.0","method":"","params":null}`,
		`{"jsonrpc":"2.0","id":5,"result":null}`,
		`{"jsonrpc":"1.0","id":1,"result":{}}`,      // wrong version
		`{"jsonrpc":"2.0","result":{}}`,             // a response without an id
		`{"jsonrpc":"2.0","id":{"x":1},"result":1}`, // an id of the wrong type
		`{"jsonrpc":"2.0","id":true,"method":"m"}`,
		`{"jsonrpc":"2.0","ID":1,"Result":{}}`, // names are matched exactly
	}
	for _, line := range lines {
		want, wantErr := jsonrpc.DecodeMessage([]byte(line))
		buf := []byte(line + "\n")
		got, err := decodeMessage(buf)
		if (err != nil) != (wantErr != nil) {
			t.Errorf("%s: error %v, the SDK's %v", line, err, wantErr)
			continue
		}
		if err != nil {
			continue
		}
		for i := range buf { // what was decoded must not alias the line, which is reused
			buf[i] = ' '
		}
		gotJSON, _ := jsonrpc.EncodeMessage(got)
		wantJSON, _ := jsonrpc.EncodeMessage(want)
		if string(gotJSON) != string(wantJSON) {
			t.Errorf("%s:\n got %s\nwant %s", line, gotJSON, wantJSON)
		}
	}
}

// TestStdioConnRoundTrip: a message written reaches the other end of stdin with its
// newline; messages on stdout are read in order, noise skipped; Close unblocks a waiting
// Read, which then reports io.EOF.
func TestStdioConnRoundTrip(t *testing.T) {
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inR.Close(); _ = outW.Close() })
	conn, _ := (&stdioTransport{frames: newStdoutFilter(outR, nil, nil), stdin: inW}).Connect(context.Background())
	ctx := context.Background()

	id, _ := jsonrpc.MakeID(float64(7))
	written := make(chan string, 1)
	go func() {
		b := make([]byte, 4096)
		n, _ := inR.Read(b)
		written <- string(b[:n])
	}()
	if err := conn.Write(ctx, &jsonrpc.Request{ID: id, Method: "tools/call", Params: json.RawMessage(`{"name":"echo"}`)}); err != nil {
		t.Fatal(err)
	}
	if got := <-written; got != `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo"}}`+"\n" {
		t.Fatalf("written %q", got)
	}

	if _, err := outW.WriteString("server ready\n" + `{"jsonrpc":"2.0","id":7,"result":{"ok":true}}` + "\n"); err != nil {
		t.Fatal(err)
	}
	msg, err := conn.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if resp, ok := msg.(*jsonrpc.Response); !ok || resp.ID != id || string(resp.Result) != `{"ok":true}` {
		t.Fatalf("read %#v", msg)
	}

	read := make(chan error, 1)
	go func() {
		_, err := conn.Read(ctx)
		read <- err
	}()
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-read:
		if !errors.Is(err, io.EOF) {
			t.Fatalf("Read after Close: %v, want io.EOF", err)
		}
	case <-time.After(spinetest.Patience):
		t.Fatal("Close did not unblock Read")
	}
	if err := conn.Write(ctx, &jsonrpc.Request{Method: "notifications/cancelled"}); err == nil {
		t.Fatal("Write after Close succeeded")
	}
}
