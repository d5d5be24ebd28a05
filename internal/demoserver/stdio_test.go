package demoserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// demoProcess returns a command that runs this test binary as a stdio demo
// server (see TestMain), killed at the latest when the test ends.
func demoProcess(t *testing.T, greeting string) (*exec.Cmd, *spinetest.Buffer) {
	t.Helper()
	cmd := exec.CommandContext(testContext(t), os.Args[0])
	// Under -race the child would otherwise linger a second after exiting,
	// hiding a slow shutdown.
	gorace := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	cmd.Env = append(os.Environ(), helperEnv+"=stdio", "DEMO_GREETING="+greeting, "GORACE="+gorace)
	stderr := &spinetest.Buffer{}
	cmd.Stderr = stderr
	return cmd, stderr
}

// stdioClient starts cmd and connects to it.
func stdioClient(t *testing.T, cmd *exec.Cmd, sopts *mcp.ClientSessionOptions) *mcp.ClientSession {
	t.Helper()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "demoserver-test", Version: "0"}, nil).Connect(testContext(t),
		&mcp.CommandTransport{Command: cmd, TerminateDuration: 2 * time.Second}, sopts)
	if err != nil {
		t.Fatalf("connect to %s: %v", cmd.Path, err)
	}
	return cs
}

func TestStdioProcess(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			checkNoLeaks(t)
			cmd, stderr := demoProcess(t, "howdy")
			cs := stdioClient(t, cmd, p.opts)
			mustContain(t, "instructions", cs.InitializeResult().Instructions, `"howdy"`)
			if got := callText(t, cs, "echo", map[string]any{"text": "from a process"}); got != "from a process" {
				t.Errorf("echo = %q", got)
			}
			for _, want := range []string{"1", "2"} {
				if got := callText(t, cs, "counter", nil); got != want {
					t.Errorf("counter = %q, want %q", got, want)
				}
			}
			res, err := cs.ReadResource(testContext(t), &mcp.ReadResourceParams{URI: ReadmeURI})
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, "readme", res.Contents[0].Text, "howdy")

			// Closing stdin ends the server, cleanly.
			if err := cs.Close(); err != nil {
				t.Errorf("close: %v (stderr: %s)", err, stderr)
			}
			if code := cmd.ProcessState.ExitCode(); code != 0 {
				t.Errorf("exit code %d, want 0 (stderr: %s)", code, stderr)
			}
		})
	}
}

func TestStdioProcessCrash(t *testing.T) {
	checkNoLeaks(t)
	cmd, stderr := demoProcess(t, "")
	cs := stdioClient(t, cmd, legacy)
	if _, err := cs.CallTool(testContext(t), &mcp.CallToolParams{Name: "crash"}); err == nil {
		t.Error("crash answered; want the call to fail with the connection")
	}
	// The session ends when the process does, and reaps it.
	_ = cs.Wait()
	_ = cs.Close()
	if cmd.ProcessState == nil {
		t.Fatal("the session ended but the process was not reaped")
	}
	if code := cmd.ProcessState.ExitCode(); code != CrashExitCode {
		t.Errorf("exit code %d, want %d", code, CrashExitCode)
	}
	mustContain(t, "stderr", stderr.String(), "crash tool called")
}

// rawPeer speaks raw JSON-RPC to a demo server process, line by line.
type rawPeer struct {
	t      *testing.T
	cmd    *exec.Cmd
	stderr *spinetest.Buffer
	stdin  io.WriteCloser
	lines  *bufio.Scanner
}

type frame struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   json.RawMessage `json:"error"`
}

// startRaw starts a demo server process and initializes a session with it.
func startRaw(t *testing.T) *rawPeer {
	t.Helper()
	cmd, stderr := demoProcess(t, "")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	p := &rawPeer{t: t, cmd: cmd, stderr: stderr, stdin: stdin, lines: lines}

	p.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}`)
	if f := p.read(); string(f.ID) != "1" || f.Result == nil {
		t.Fatalf("initialize: id %s result %s error %s", f.ID, f.Result, f.Error)
	}
	p.send(`{"jsonrpc":"2.0","method":"notifications/initialized","params":{}}`)
	return p
}

func (p *rawPeer) send(msg string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, msg+"\n"); err != nil {
		p.t.Fatalf("write %s: %v", msg, err)
	}
}

// read reads the next line of stdout, which must be a JSON-RPC frame.
func (p *rawPeer) read() frame {
	p.t.Helper()
	if !p.lines.Scan() {
		p.t.Fatalf("stdout ended early: %v (stderr: %s)", p.lines.Err(), p.stderr)
	}
	var f frame
	if err := json.Unmarshal(p.lines.Bytes(), &f); err != nil || f.JSONRPC != "2.0" {
		p.t.Fatalf("stdout line %q is not a JSON-RPC frame (%v)", p.lines.Text(), err)
	}
	return f
}

// startHang leaves a hang call in flight: the server reads it before the echo
// sent behind it, so once that echo is answered, hang is being handled.
func (p *rawPeer) startHang() {
	p.t.Helper()
	p.send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"hang","arguments":{}}}`)
	p.send(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"text":"behind hang"}}}`)
	if f := p.read(); string(f.ID) != "4" {
		p.t.Fatalf("want the answer to echo (id 4), got id %s result %s error %s", f.ID, f.Result, f.Error)
	}
}

// waitExit reads stdout to its end, checking that every line is a frame, and
// checks that the process exits with status 0 promptly after start (its stdin
// closed, or SIGTERM): within spinetest.Slack, where a server that did not
// end its calls would be killed only when the test's context ends.
func (p *rawPeer) waitExit(start time.Time) {
	p.t.Helper()
	for p.lines.Scan() {
		var f frame
		if err := json.Unmarshal(p.lines.Bytes(), &f); err != nil || f.JSONRPC != "2.0" {
			p.t.Errorf("stdout line %q is not a JSON-RPC frame (%v)", p.lines.Text(), err)
		}
	}
	if err := p.cmd.Wait(); err != nil {
		p.t.Errorf("process: %v (stderr: %s)", err, p.stderr)
	}
	if d := time.Since(start); d > spinetest.Slack {
		p.t.Errorf("the process took %v to exit", d)
	}
}

func TestStdioRawFrames(t *testing.T) {
	checkNoLeaks(t)
	p := startRaw(t)
	p.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"raw"}}}`)
	if f := p.read(); string(f.ID) != "2" || !bytes.Contains(f.Result, []byte(`"raw"`)) {
		t.Fatalf("echo: id %s result %s error %s", f.ID, f.Result, f.Error)
	}
	start := time.Now()
	_ = p.stdin.Close()
	p.waitExit(start)
}

func TestStdioExitsWhenStdinClosesWithCallInFlight(t *testing.T) {
	checkNoLeaks(t)
	p := startRaw(t)
	p.startHang()
	start := time.Now()
	_ = p.stdin.Close()
	p.waitExit(start)
}

func TestStdioExitsOnSIGTERMWithCallInFlight(t *testing.T) {
	checkNoLeaks(t)
	p := startRaw(t)
	defer p.stdin.Close()
	p.startHang()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitExit(start)
}
