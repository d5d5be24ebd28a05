package actors

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readFiltered reads src through a stdoutFilter with secrets, handing it to the filter
// through wrap (chunking), and returns what came out, the skipped lines and the final error.
func readFiltered(src string, secrets []string, wrap func(io.Reader) io.Reader) (string, []string, error) {
	var skipped []string
	f := newStdoutFilter(wrap(strings.NewReader(src)), secrets, func(l string) { skipped = append(skipped, l) })
	out, err := io.ReadAll(f)
	return string(out), skipped, err
}

var chunkings = map[string]func(io.Reader) io.Reader{
	"whole":    func(r io.Reader) io.Reader { return r },
	"one byte": iotest.OneByteReader,
	"halves":   iotest.HalfReader,
}

// TestStdoutFilterKeepsMessagesSkipsTheRest: every JSON object line comes out intact and
// whole, ending in one newline; banners, log lines, blank lines and lines that look like
// JSON but are not are dropped, the non-blank ones reported.
func TestStdoutFilterKeepsMessagesSkipsTheRest(t *testing.T) {
	msg1 := `{"jsonrpc":"2.0","id":1,"result":{"text":"a\nb {not a line}"}}`
	msg2 := `{"jsonrpc":"2.0","method":"notifications/message","params":{}}`
	msg3 := `{"jsonrpc":"2.0","id":2,"result":{}}`
	glued := `{"id":3,"jsonrpc":"2.0","result":{"text":"quotes \" and \\\" and braces }{ [\\"}}`
	half := `{"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","te`
	src := "Demo MCP server running on stdio\n" +
		"Loading..." + glued + "\n" +
		half + glued + "\n" +
		"{broken}}\n" +
		"\n" +
		msg1 + "\r\n" +
		"[INFO] tool called\n" +
		"{'python': 'dict'}\n" +
		"   " + msg2 + "  \t \n" +
		"[1,2,3]\n" +
		msg3 // the last line, without its newline
	want := glued + "\n" + glued + "\n" + msg1 + "\n" + msg2 + "\n" + msg3 + "\n"
	wantSkipped := []string{"Demo MCP server running on stdio", "Loading...", half, "{broken}}",
		"[INFO] tool called", "{'python': 'dict'}", "[1,2,3]"}
	for name, wrap := range chunkings {
		t.Run(name, func(t *testing.T) {
			out, skipped, err := readFiltered(src, nil, wrap)
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if out != want {
				t.Errorf("out =\n%q\nwant\n%q", out, want)
			}
			if fmt.Sprint(skipped) != fmt.Sprint(wantSkipped) {
				t.Errorf("skipped = %q, want %q", skipped, wantSkipped)
			}
		})
	}
}

// TestStdoutFilterBounds: up to maxNoiseLines lines in a row are skipped; a message resets
// the count; the line after the last one allowed breaks the session, quoted in the error.
func TestStdoutFilterBounds(t *testing.T) {
	msg := `{"jsonrpc":"2.0","id":1,"result":{}}` + "\n"
	noise := func(n int, tag string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "%s line %d\n", tag, i+1)
		}
		return b.String()
	}
	out, skipped, err := readFiltered(noise(maxNoiseLines, "a")+msg+noise(maxNoiseLines, "b")+msg, nil, chunkings["whole"])
	if err != nil || out != msg+msg || len(skipped) != 2*maxNoiseLines {
		t.Fatalf("two runs of %d lines: out %q, %d skipped, err %v", maxNoiseLines, out, len(skipped), err)
	}

	_, skipped, err = readFiltered(noise(maxNoiseLines+1, "c")+msg, nil, chunkings["whole"])
	var noiseErr *stdoutNoiseError
	if !errors.As(err, &noiseErr) {
		t.Fatalf("%d lines: err = %v, want a stdoutNoiseError", maxNoiseLines+1, err)
	}
	if want := fmt.Sprintf(`%q`, fmt.Sprintf("c line %d", maxNoiseLines+1)); !strings.Contains(err.Error(), want) ||
		!strings.Contains(err.Error(), "non-MCP output to stdout") {
		t.Errorf("error %q does not quote %s", err, want)
	}
	if len(skipped) != maxNoiseLines {
		t.Errorf("skipped %d lines before failing, want %d", len(skipped), maxNoiseLines)
	}

	// Long lines reach the byte bound first.
	long := strings.Repeat("x", 64<<10) + "\n"
	_, skipped, err = readFiltered(strings.Repeat(long, maxNoiseBytes/len(long)+1)+msg, nil, chunkings["whole"])
	if !errors.As(err, &noiseErr) || !strings.Contains(err.Error(), "more than 1 MiB in a row of output") {
		t.Fatalf("over 1 MiB of long lines: err = %v", err)
	}
	if len(skipped) != maxNoiseBytes/len(long) {
		t.Errorf("skipped %d long lines, want %d", len(skipped), maxNoiseBytes/len(long))
	}
}

// endless is a server writing the same bytes forever, counting what was read of it.
type endless struct {
	b    []byte
	read int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], e.b)
	}
	e.read += n
	return n, nil
}

// TestStdoutFilterEndlessOutput: output that never ends — a line without newline, or lines
// without end — fails within the bound, with a buffer that does not grow.
func TestStdoutFilterEndlessOutput(t *testing.T) {
	for name, pattern := range map[string]string{
		"one line without end": "no newline ever ",
		"lines without end":    "garbage\n",
		"blank lines":          "\n",
	} {
		t.Run(name, func(t *testing.T) {
			src := &endless{b: []byte(pattern)}
			f := newStdoutFilter(src, nil, nil)
			_, err := io.ReadAll(f)
			var noiseErr *stdoutNoiseError
			if !errors.As(err, &noiseErr) {
				t.Fatalf("err = %v, want a stdoutNoiseError", err)
			}
			if src.read > maxNoiseBytes+2*filterBuf {
				t.Errorf("read %d bytes before failing", src.read)
			}
			if len(f.buf) != filterBuf {
				t.Errorf("buffer grew to %d bytes", len(f.buf))
			}
			t.Log(err)
		})
	}
}

// TestStdoutFilterLongLines: a message up to the limit goes through (and the buffer shrinks
// back after it); one byte more breaks the session, JSON or not. The limit is the SDK's
// 16 MiB; 1 MiB here, to spare the race detector.
func TestStdoutFilterLongLines(t *testing.T) {
	const limit = 1 << 20
	frame := func(size int) string {
		head, tail := `{"jsonrpc":"2.0","id":1,"result":{"text":"`, `"}}`
		return head + strings.Repeat("x", size-len(head)-len(tail)) + tail
	}
	small := `{"jsonrpc":"2.0","id":2,"result":{}}`
	filter := func(src string) *stdoutFilter {
		f := newStdoutFilter(strings.NewReader(src), nil, nil)
		f.max = limit
		return f
	}
	f := filter("banner\n" + frame(limit) + "\n" + small + "\n")
	out, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if want := frame(limit) + "\n" + small + "\n"; string(out) != want {
		t.Errorf("got %d bytes, want the long message and the small one (%d bytes)", len(out), len(want))
	}
	if len(f.buf) != filterBuf {
		t.Errorf("the buffer kept %d bytes after the long message", len(f.buf))
	}

	for name, line := range map[string]string{"JSON": frame(limit + 1), "not JSON": "{" + strings.Repeat("y", limit)} {
		f = filter(line + "\n" + small + "\n")
		if _, err := io.ReadAll(f); err == nil || !strings.Contains(err.Error(), "a line of more than 1 MiB") || f.Broken() == nil {
			t.Errorf("%s, one byte over the limit: err = %v", name, err)
		}
	}
}

// TestStdoutFilterRedacts: skipped lines are redacted in logs and errors, also where a quote
// is cut in the middle of a secret.
func TestStdoutFilterRedacts(t *testing.T) {
	secret := "s3cr3t-token-value"
	_, skipped, err := readFiltered("token is "+secret+"\n", []string{secret}, chunkings["one byte"])
	if err != nil || len(skipped) != 1 || skipped[0] != "token is [redacted]" {
		t.Errorf("skipped %q, err %v", skipped, err)
	}
	// The secret starts a few bytes before the cut at quoteLen, in the line that breaks the
	// session.
	line := strings.Repeat("p", quoteLen-5) + secret + strings.Repeat("q", 100)
	src := strings.Repeat("noise\n", maxNoiseLines) + line + "\n"
	_, _, err = readFiltered(src, []string{secret}, chunkings["halves"])
	if err == nil || strings.Contains(err.Error(), secret[:5]) || !strings.Contains(err.Error(), "ppp[red") {
		t.Errorf("err = %v", err)
	}
	f := newStdoutFilter(strings.NewReader(line+"\n"), []string{secret}, nil)
	_, _ = io.ReadAll(f)
	if last := f.LastSkipped(); strings.Contains(last, secret[:5]) || !strings.HasSuffix(last, "…") {
		t.Errorf("last skipped = %q", last)
	}
}
