package actors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"
	"unicode/utf8"
)

// What a stdio server may write to stdout besides MCP messages. Many servers print a banner
// ("… running on stdio") or log lines there; like the TypeScript SDK's client, SPINE skips
// every line that is not a JSON object. Not without end: past the bounds of consecutive
// skipped output in limits.go (maxNoiseLines, maxNoiseBytes, maxFrame; a message resets
// them) the session is broken. How much of it errors and logs show:
const (
	// quoteLen is how much of a skipped line an error quotes; logKeep how much debug logs show.
	quoteLen = 200
	logKeep  = 1024
	// filterBuf is the initial size of a session's stdout buffer; it grows for a long
	// message (up to maxFrame) and shrinks back once that message has been read.
	filterBuf = 4 << 10
)

// stdoutFilter sits between a stdio server's stdout and the SDK's transport, which reads
// newline-delimited JSON: it hands on, line by line and intact, every line that is a JSON
// object (whitespace around it trimmed), and drops every other line — banners, log lines,
// blank lines, a line starting with "{" that is not JSON — telling onSkip about each
// non-blank one (a message at the end of such a line is recovered, see judge). Memory is
// bounded: a line that cannot be a message is dropped as it arrives (only its head is kept,
// to quote it), and a line that can is buffered up to maxFrame.
//
// Read is called from one goroutine (the SDK's reader); LastSkipped and Broken from any.
type stdoutFilter struct {
	src     io.Reader
	secrets []string
	slack   int               // the length of the longest secret
	onSkip  func(line string) // a skipped line, redacted and cut to logKeep; may be nil
	max     int               // the longest message: maxFrame

	buf        []byte // buf[r:w] is read and not consumed; buf[r:scan] holds no newline
	r, w, scan int
	out        []byte // the rest of the message being handed on (aliases buf)
	srcErr     error  // the source's error, returned once the lines before it are handed on
	err        error  // sticky: returned once out is empty

	dropping bool   // the line at buf[r:] cannot be a message: its bytes are dropped as they come
	head     []byte // the start of the dropped line, leading whitespace skipped
	dropped  int    // bytes of the dropped line so far

	noiseLines, noiseBytes int // skipped since the last message

	mu    sync.Mutex
	last  string // the last skipped line, redacted and cut to quoteLen
	fatal error  // why the filter broke the session, if it did

	ended   chan struct{} // closed once Read has returned its final error
	endOnce sync.Once
}

func newStdoutFilter(src io.Reader, secrets []string, onSkip func(string)) *stdoutFilter {
	f := &stdoutFilter{src: src, secrets: secrets, onSkip: onSkip, max: maxFrame, buf: make([]byte, filterBuf),
		ended: make(chan struct{})}
	for _, s := range secrets {
		f.slack = max(f.slack, len(s))
	}
	return f
}

// Read implements io.Reader.
func (f *stdoutFilter) Read(p []byte) (int, error) {
	if err := f.fill(); err != nil {
		return 0, err
	}
	n := copy(p, f.out)
	f.out = f.out[n:]
	return n, nil
}

// Next returns the next message: one JSON object (json.Valid holds), its line's newline
// kept. It aliases the filter's buffer and is valid until the next Next or Read.
func (f *stdoutFilter) Next() ([]byte, error) {
	if err := f.fill(); err != nil {
		return nil, err
	}
	msg := f.out
	f.out = nil
	return msg, nil
}

// fill judges lines until a message is ready to hand on, or returns the final error.
func (f *stdoutFilter) fill() error {
	for len(f.out) == 0 {
		if f.err != nil {
			f.endOnce.Do(func() { close(f.ended) })
			return f.err
		}
		f.step()
	}
	return nil
}

// Close closes the source.
func (f *stdoutFilter) Close() error {
	if c, ok := f.src.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// waitEnd waits up to d for the reader to have read everything the server wrote (the pipe's
// end), so that the last line of a server that printed its error on stdout and exited is
// seen before the error is written; false if it did not come in time.
func (f *stdoutFilter) waitEnd(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-f.ended:
		return true
	case <-t.C:
		return false
	}
}

// LastSkipped returns the last line skipped (redacted, cut), "" if none.
func (f *stdoutFilter) LastSkipped() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// step judges the next complete line, or reads more. It sets out or err, or makes progress
// towards them. Nothing aliases buf when it runs (out is empty).
func (f *stdoutFilter) step() {
	if f.r == f.w {
		f.r, f.w, f.scan = 0, 0, 0
		if len(f.buf) > 16*filterBuf { // a long message went through: don't keep its buffer
			f.buf = make([]byte, filterBuf)
		}
	}
	if i := bytes.IndexByte(f.buf[f.scan:f.w], '\n'); i >= 0 {
		end := f.scan + i + 1
		line := f.buf[f.r:end]
		f.r, f.scan = end, end
		if f.dropping {
			f.drop(line)
			f.endDrop()
		} else {
			f.judge(line)
		}
		return
	}
	f.scan = f.w
	if f.srcErr != nil { // the last line had no newline
		if f.dropping {
			f.drop(f.buf[f.r:f.w])
			f.endDrop()
		} else if f.r < f.w {
			f.judge(append(f.buf[f.r:f.w:f.w], '\n')) // a copy: buf stays as it is
		}
		f.r = f.w
		if f.err == nil {
			f.err = f.srcErr
		}
		return
	}
	if !f.dropping && f.w-f.r > 0 && f.w == len(f.buf) {
		// The buffer is full of one unfinished line: keep it only if it may be a message.
		if c, ok := firstNonSpace(f.buf[f.r:f.w]); !ok || c != '{' {
			f.dropping = true
		}
	}
	if f.dropping {
		f.drop(f.buf[f.r:f.w])
		f.r, f.w, f.scan = 0, 0, 0
		if f.noiseBytes+f.dropped > maxNoiseBytes {
			f.tooMuch(tooManyBytes, f.head)
			return
		}
	} else if f.w == len(f.buf) {
		if f.w-f.r > f.max {
			f.fail(fmt.Errorf("the server wrote a line of more than %s to stdout (the most one MCP message may have)",
				sizeText(f.max)))
			return
		}
		if f.r > 0 {
			f.w = copy(f.buf, f.buf[f.r:f.w])
			f.scan -= f.r
			f.r = 0
		} else {
			grown := make([]byte, min(2*len(f.buf), f.max+1))
			copy(grown, f.buf[:f.w])
			f.buf = grown
		}
	}
	if f.r == f.w {
		// Everything read has been handed on, and the goroutine waiting for the last message
		// was just readied: let it run before this one blocks in the read (a read of an empty
		// pipe still costs a system call and a park, which it would otherwise wait behind).
		runtime.Gosched()
	}
	n, err := f.src.Read(f.buf[f.w:])
	f.w += n
	if err != nil {
		f.srcErr = err
	}
}

// judge hands on line (ending in a newline) if it is a JSON object, and skips it if not.
// line may be changed.
//
// A message glued to the end of other output — a banner written without a newline, half a
// message — is handed on, and what precedes it skipped: otherwise a broken message would
// take the next one with it.
func (f *stdoutFilter) judge(line []byte) {
	a, b := trimJSONSpace(line)
	t := line[a:b]
	if len(t) == 0 || t[0] != '{' || !json.Valid(t) {
		i := gluedMessage(t)
		if i < 0 {
			f.skip(t, len(line))
			return
		}
		_, z := trimJSONSpace(t[:i])
		f.report(t[:z])
		a += i
	}
	f.noiseLines, f.noiseBytes = 0, 0
	// End the message right after its object: the SDK refuses trailing data on a line.
	line[b] = '\n'
	f.out = line[a : b+1]
}

// gluedMessage returns where a JSON object that ends t begins, when something else precedes
// it on the line; -1 if there is none. It matches brackets backwards from the end, skipping
// strings, then checks the object: one pass over the object, whatever precedes it.
func gluedMessage(t []byte) int {
	if len(t) < 2 || t[len(t)-1] != '}' {
		return -1
	}
	depth := 0
	for i := len(t) - 1; i > 0; i-- { // i == 0 would be the whole line, judged already
		switch t[i] {
		case '}', ']':
			depth++
		case '{', '[':
			if depth--; depth == 0 {
				if t[i] == '{' && json.Valid(t[i:]) {
					return i
				}
				return -1
			}
		case '"': // the end of a string: go to its start
			i--
			for i >= 0 && (t[i] != '"' || escaped(t, i)) {
				i--
			}
			if i < 0 {
				return -1
			}
		}
	}
	return -1
}

// escaped says whether the quote at t[i] is escaped: an odd number of backslashes before it.
func escaped(t []byte, i int) bool {
	n := 0
	for i--; i >= 0 && t[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// drop adds piece to the line being dropped.
func (f *stdoutFilter) drop(piece []byte) {
	f.dropped += len(piece)
	if keep := logKeep + f.slack - len(f.head); keep > 0 {
		if len(f.head) == 0 {
			a, _ := trimJSONSpace(piece)
			piece = piece[a:]
		}
		f.head = append(f.head, piece[:min(keep, len(piece))]...)
	}
}

func (f *stdoutFilter) endDrop() {
	head, n := f.head, f.dropped
	f.dropping, f.head, f.dropped = false, nil, 0
	_, b := trimJSONSpace(head)
	f.skip(head[:b], n)
}

// skip counts a line of n bytes whose text is t (trimmed) as skipped, or fails the session
// when it is one too many.
func (f *stdoutFilter) skip(t []byte, n int) {
	f.noiseLines++
	f.noiseBytes += n
	switch {
	case f.noiseLines > maxNoiseLines:
		f.tooMuch(tooManyLines, t)
		return
	case f.noiseBytes > maxNoiseBytes:
		f.tooMuch(tooManyBytes, t)
		return
	case len(t) == 0: // a blank line: counts towards the bounds, but is no news
		return
	}
	f.report(t)
}

// report tells of a skipped line whose text is t (trimmed, not blank).
func (f *stdoutFilter) report(t []byte) {
	logged := f.quote(t, logKeep)
	f.mu.Lock()
	f.last = cut(logged, quoteLen)
	f.mu.Unlock()
	if f.onSkip != nil {
		f.onSkip(logged)
	}
}

// How the bounds are worded in errors.
var (
	tooManyLines = fmt.Sprintf("more than %d lines in a row that are no MCP messages", maxNoiseLines)
	tooManyBytes = fmt.Sprintf("more than %s in a row of output that is no MCP message", sizeText(maxNoiseBytes))
)

// tooMuch breaks the session: past the bound what, with line (trimmed) the last.
func (f *stdoutFilter) tooMuch(what string, line []byte) {
	f.fail(&stdoutNoiseError{what: what, line: f.quote(line, quoteLen)})
}

func (f *stdoutFilter) fail(err error) {
	f.err = err
	f.mu.Lock()
	f.fatal = err
	f.mu.Unlock()
}

// Broken returns why the filter broke the session (too much output that is no message, a
// line over maxFrame), nil if it did not.
func (f *stdoutFilter) Broken() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fatal
}

// quote returns t redacted and cut to n bytes. t holds f.slack bytes more than are shown
// (when it has them), so that a secret cut at the end is still recognised and redacted.
func (f *stdoutFilter) quote(t []byte, n int) string {
	s, _ := redactString(f.secrets, string(t[:min(len(t), n+f.slack)]))
	if len(s) <= n && len(t) > n+f.slack { // redaction made it short enough, but there was more
		return s + "…"
	}
	return cut(s, n)
}

// stdoutNoiseError breaks a session whose server writes output other than MCP messages to
// stdout past the bounds.
type stdoutNoiseError struct {
	what string // how much: "more than 1000 lines in a row that are no MCP messages"
	line string // the last line, redacted and cut
}

func (e *stdoutNoiseError) Error() string {
	return fmt.Sprintf("the server writes non-MCP output to stdout (%s, the last line: %q); "+
		"a stdio server must write only MCP messages to stdout and its logs to stderr", e.what, e.line)
}

// cut shortens s to at most n bytes on a character boundary, marking the cut with "…".
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

func sizeText(n int) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// trimJSONSpace returns the bounds of b without JSON whitespace at either end.
func trimJSONSpace(b []byte) (int, int) {
	a, z := 0, len(b)
	for a < z && isJSONSpace(b[a]) {
		a++
	}
	for z > a && isJSONSpace(b[z-1]) {
		z--
	}
	return a, z
}

func firstNonSpace(b []byte) (byte, bool) {
	a, z := trimJSONSpace(b)
	if a == z {
		return 0, false
	}
	return b[a], true
}
