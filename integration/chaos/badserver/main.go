// Command badserver is an MCP server over stdio that misbehaves on purpose, for SPINE's
// chaos tests. It speaks just enough newline-delimited JSON-RPC by hand (no SDK) to be free
// to break the protocol: it can die or stall during the handshake, ignore SIGTERM and a
// closed stdin (or only a closed stdin), fork a child into its process group, flood stderr,
// and, per tool, answer with garbage, half a frame, a response to an unknown id, a frame over
// the client's 16 MiB limit, lines of garbage without end, or nothing at all.
//
//	badserver [--exit-on-initialize [--cut-secrets]] [--no-handshake] [--start-delay D] [--ignore-term]
//	          [--ignore-eof] [--spawn-child] [--stderr-flood MiB] [--leak-env NAME,...]
//	badserver --sleeper    (the child of --spawn-child: ignores SIGTERM, sleeps)
//
// Tools: echo {text} (read-only), hang (never answers, ignores cancellation), hang_all
// (from now on nothing is answered, pings included), garbage, garbage_forever, half, unknown_id {text},
// huge {mib}, flood {mib}, fail_secret, crash, crash_secret, env (its environment, as a JSON
// object).
//
// Every process it starts ends by itself after lifetime, so that a failed test leaves
// nothing behind for long.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// lifetime bounds every badserver process.
const lifetime = 2 * time.Minute

// floodDone is the stderr line that ends the background flood of --stderr-flood.
const floodDone = "badserver: background flood done"

type options struct {
	exitOnInit  bool
	cutSecrets  bool
	noHandshake bool
	startDelay  time.Duration
	ignoreTerm  bool
	ignoreEOF   bool
	spawnChild  bool
	stderrFlood int
	leakEnv     string
}

func main() {
	var o options
	sleeper := flag.Bool("sleeper", false, "be the forked child: ignore SIGTERM and sleep")
	flag.BoolVar(&o.exitOnInit, "exit-on-initialize", false, "exit (status 3) when the initialize request arrives")
	flag.BoolVar(&o.cutSecrets, "cut-secrets", false, "before exiting on initialize, write the CHAOS_SECRET* values to stderr, then padding\nthat makes a 2 KiB tail of stderr start 8 bytes before their end")
	flag.BoolVar(&o.noHandshake, "no-handshake", false, "never answer anything, the handshake included")
	flag.DurationVar(&o.startDelay, "start-delay", 0, "wait this long before reading stdin")
	flag.BoolVar(&o.ignoreTerm, "ignore-term", false, "ignore SIGTERM and keep running when stdin closes")
	flag.BoolVar(&o.ignoreEOF, "ignore-eof", false, "keep running when stdin closes (SIGTERM still ends it)")
	flag.BoolVar(&o.spawnChild, "spawn-child", false, "start a child (--sleeper) in this process group")
	flag.IntVar(&o.stderrFlood, "stderr-flood", 0, "write this many MiB to stderr in the background, then the line \""+floodDone+"\"")
	flag.StringVar(&o.leakEnv, "leak-env", "", "comma-separated env var names whose values are written to stderr at start")
	flag.Parse()
	time.AfterFunc(lifetime, func() { os.Exit(9) })
	if *sleeper {
		signal.Ignore(syscall.SIGTERM)
		select {}
	}
	s := &server{opts: o, out: bufio.NewWriter(os.Stdout)}
	s.run()
}

type server struct {
	opts options
	mu   sync.Mutex // serialises writes to stdout
	out  *bufio.Writer
	hung atomic.Bool
}

type request struct {
	ID     json.RawMessage `json:"id,omitempty"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params,omitempty"`
}

func (s *server) run() {
	if s.opts.ignoreTerm {
		signal.Ignore(syscall.SIGTERM)
	}
	if s.opts.spawnChild {
		child := exec.Command(os.Args[0], "--sleeper")
		if err := child.Start(); err != nil {
			fmt.Fprintf(os.Stderr, "badserver: spawn child: %v\n", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "badserver: child %d\n", child.Process.Pid)
	}
	for _, name := range strings.Split(s.opts.leakEnv, ",") {
		if name != "" {
			fmt.Fprintf(os.Stderr, "badserver: %s=%s\n", name, os.Getenv(name))
		}
	}
	if s.opts.stderrFlood > 0 {
		go func() {
			flood(s.opts.stderrFlood)
			fmt.Fprintln(os.Stderr, floodDone)
		}()
	}
	time.Sleep(s.opts.startDelay)
	in := bufio.NewReader(os.Stdin)
	for {
		line, err := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var req request
			if json.Unmarshal(line, &req) == nil {
				s.handle(&req)
			}
		}
		if err != nil {
			break
		}
	}
	if s.opts.ignoreTerm || s.opts.ignoreEOF {
		select {} // a server that does not notice its stdin closing
	}
}

func (s *server) handle(req *request) {
	if len(req.ID) == 0 || s.opts.noHandshake || s.hung.Load() {
		return // notifications, and everything once hung
	}
	switch req.Method {
	case "initialize":
		if s.opts.exitOnInit {
			const last = "badserver: exiting during the handshake\n"
			if s.opts.cutSecrets {
				secret := secrets()
				// 2 KiB from the end of stderr falls on the last 8 bytes of the secrets
				fmt.Fprintf(os.Stderr, "%s\n%s\n", secret, strings.Repeat("p", 2048-8-2-len(last)))
			}
			fmt.Fprint(os.Stderr, last)
			os.Exit(3)
		}
		var p struct {
			ProtocolVersion string `json:"protocolVersion"`
		}
		_ = json.Unmarshal(req.Params, &p)
		s.result(req.ID, map[string]any{
			"protocolVersion": p.ProtocolVersion,
			"capabilities":    map[string]any{"tools": map[string]any{}},
			"serverInfo":      map[string]any{"name": "badserver", "version": "0.0.1"},
		})
	case "ping":
		s.result(req.ID, map[string]any{})
	case "tools/list":
		s.result(req.ID, map[string]any{"tools": tools()})
	case "tools/call":
		go s.call(req)
	default:
		s.write(map[string]any{"jsonrpc": "2.0", "id": req.ID,
			"error": map[string]any{"code": -32601, "message": "method not found: " + req.Method}})
	}
}

func tools() []map[string]any {
	readOnly := map[string]any{"readOnlyHint": true, "idempotentHint": true}
	var out []map[string]any
	for _, name := range []string{"echo", "hang", "hang_all", "garbage", "garbage_forever", "half", "unknown_id", "huge", "flood", "fail_secret", "crash", "crash_secret", "env"} {
		t := map[string]any{"name": name, "inputSchema": map[string]any{"type": "object"}}
		if name == "echo" || name == "unknown_id" || name == "env" {
			t["annotations"] = readOnly
		}
		out = append(out, t)
	}
	return out
}

func (s *server) call(req *request) {
	var p struct {
		Name      string `json:"name"`
		Arguments struct {
			Text string `json:"text"`
			MiB  int    `json:"mib"`
		} `json:"arguments"`
	}
	_ = json.Unmarshal(req.Params, &p)
	args := p.Arguments
	switch p.Name {
	case "echo":
		s.result(req.ID, textResult(args.Text))
	case "hang":
		fmt.Fprintln(os.Stderr, "badserver: hang called")
		select {}
	case "hang_all":
		s.hung.Store(true)
		fmt.Fprintln(os.Stderr, "badserver: hung")
	case "garbage":
		s.raw([]byte("this is not JSON at all\n"))
	case "garbage_forever": // until nobody reads stdout any more
		for i := 1; s.raw([]byte(fmt.Sprintf("garbage line %d\n", i))) == nil; i++ {
		}
	case "half":
		s.raw([]byte(`{"jsonrpc":"2.0","id":` + string(req.ID) + `,"result":{"content":[{"type":"text","te`))
	case "unknown_id":
		s.write(map[string]any{"jsonrpc": "2.0", "id": 987654321, "result": textResult("for nobody")})
		s.result(req.ID, textResult(args.Text))
	case "huge":
		mib := max(args.MiB, 17)
		s.result(req.ID, textResult(strings.Repeat("x", mib<<20)))
	case "flood":
		flood(max(args.MiB, 1))
		s.result(req.ID, textResult("flooded"))
	case "fail_secret":
		s.write(map[string]any{"jsonrpc": "2.0", "id": req.ID,
			"error": map[string]any{"code": -32000, "message": "upstream refused the credentials " + secrets()}})
	case "crash":
		os.Exit(2)
	case "crash_secret":
		fmt.Fprintf(os.Stderr, "badserver: crashing with %s\n", secrets())
		os.Exit(5)
	case "env":
		env := map[string]string{}
		for _, kv := range os.Environ() {
			if name, v, ok := strings.Cut(kv, "="); ok {
				env[name] = v
			}
		}
		b, _ := json.Marshal(env)
		s.result(req.ID, textResult(string(b)))

	default:
		s.write(map[string]any{"jsonrpc": "2.0", "id": req.ID,
			"error": map[string]any{"code": -32602, "message": "unknown tool " + p.Name}})
	}
}

// secrets returns the values of the --leak-env variables, as a server that echoes its
// configuration in errors would.
func secrets() string {
	var vals []string
	for _, kv := range os.Environ() {
		if name, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(name, "CHAOS_SECRET") {
			vals = append(vals, v)
		}
	}
	return strings.Join(vals, " ")
}

func textResult(text string) map[string]any {
	return map[string]any{"content": []map[string]any{{"type": "text", "text": text}}}
}

func (s *server) result(id json.RawMessage, result any) {
	s.write(map[string]any{"jsonrpc": "2.0", "id": id, "result": result})
}

func (s *server) write(msg any) {
	b, err := json.Marshal(msg)
	if err != nil {
		panic(err)
	}
	s.raw(append(b, '\n'))
}

func (s *server) raw(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.out.Write(b)
	return s.out.Flush()
}

// flood writes mib MiB to stderr: mostly 1 KiB lines, and one long run without a newline.
func flood(mib int) {
	line := append(bytes.Repeat([]byte("e"), 1023), '\n')
	w := bufio.NewWriterSize(os.Stderr, 64<<10)
	for i := 0; i < mib*1024; i++ {
		if i == 512 {
			_, _ = w.Write(bytes.Repeat([]byte("n"), 256<<10))
		}
		_, _ = w.Write(line)
	}
	_ = w.Flush()
}
