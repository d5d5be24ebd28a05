package actors

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spine-mcp/spine/capability"
)

// process is one stdio server subprocess, started in its own process group so that the
// whole tree (npx, uvx and sh -c wrappers included) can be signalled at once, and killed by
// the kernel if SPINE dies first (see sysProcAttr).
//
// SPINE owns the pipes rather than using exec.Cmd's: cmd.Wait closes StdoutPipe readers as
// soon as the process exits, which would race the SDK's reads of the last frames.
type process struct {
	cmd    *exec.Cmd
	stdin  *os.File      // our write end of the server's stdin
	stdout *os.File      // our read end of the server's stdout
	frames *stdoutFilter // the messages on stdout, for the SDK; set by the transport

	exited  chan struct{} // closed once the process has been reaped
	waitErr error         // valid after exited is closed

	exitMu   sync.Mutex
	reaped   bool   // under exitMu: the leader is reaped; its pid (the group's id) is not ours any more
	exitHook func() // under exitMu: run by the reaping goroutine once the process has exited

	stderr     *tail
	stderrDone chan struct{}

	td       *teardown // counts the process until its group is gone
	released sync.Once
}

// startProcess starts spec's command with its stdin and stdout connected to pipes, stderr
// drained into a bounded tail (and to onStderr, line by line, for debug logs), and the
// environment spec.Environ gives it. Once td's teardown has begun it starts nothing; a
// process it starts counts in td until terminate has seen its group gone.
func startProcess(spec *capability.ServerSpec, td *teardown, onStderr func(line string)) (*process, error) {
	cmd := exec.Command(spec.Command, spec.Args...)
	cmd.Dir = spec.Cwd
	cmd.Env = spec.Environ(os.Environ())
	cmd.SysProcAttr = sysProcAttr()

	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW)
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW, outR, outW)
		return nil, err
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	if err := td.admit(cmd.Start); err != nil {
		closeAll(inR, inW, outR, outW, errR, errW)
		return nil, startError(spec.Command, err)
	}
	// The child holds its own copies now; keeping ours would hide its exit from the reads.
	closeAll(inR, outW, errW)

	p := &process{
		cmd: cmd, stdin: inW, stdout: outR,
		exited: make(chan struct{}), stderr: newTail(stderrTail, secretsOf(spec)), stderrDone: make(chan struct{}),
		td: td,
	}
	go p.drainStderr(errR, onStderr)
	go p.reap()
	return p, nil
}

// reap waits for the process to exit, ends what it forked, reaps it and runs its exit hook.
//
// A process group is signalled by its id, which is its leader's pid; once the leader is
// reaped, that pid may be given to another process (pids wrap at pid_max, 32,768 by
// default, within minutes on a busy machine), and a kill(-pid) would reach whatever group
// leader has it then — another server, a shell, a test run. So the group is signalled only
// while the leader is unreaped: on Linux the exit is awaited without reaping (awaitExit),
// the group is killed, and only then the leader is reaped; signalGroup sends nothing after.
func (p *process) reap() {
	zombie := awaitExit(p.pid())
	if zombie {
		p.exitMu.Lock()
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL) // the leader is gone: what it forked goes too
	}
	err := p.cmd.Wait()
	if !zombie {
		p.exitMu.Lock()
	}
	p.waitErr = err
	hook := p.exitHook
	p.reaped, p.exitHook = true, nil
	p.exitMu.Unlock()
	close(p.exited)
	if hook != nil {
		hook()
	}
}

// signalGroup sends sig to every process of the server's group, unless the leader has been
// reaped: its pid may be another process's now (see reap).
func (p *process) signalGroup(sig syscall.Signal) {
	p.exitMu.Lock()
	defer p.exitMu.Unlock()
	if !p.reaped {
		_ = syscall.Kill(-p.pid(), sig)
	}
}

// onExit runs f once the process has exited: on the goroutine that reaps it, or at once if it
// has been reaped already. One hook per process; a watcher goroutine per session saved.
func (p *process) onExit(f func()) {
	p.exitMu.Lock()
	if !p.reaped {
		p.exitHook = f
		p.exitMu.Unlock()
		return
	}
	p.exitMu.Unlock()
	f()
}

func startError(command string, err error) error {
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
		hint := "is it installed and on PATH?"
		switch command {
		case "npx", "node", "npm":
			hint = "is Node.js installed?"
		case "uvx", "uv":
			hint = "is uv installed?"
		case "python", "python3":
			hint = "is Python installed?"
		}
		return fmt.Errorf("start %q: %w (%s)", command, err, hint)
	}
	return fmt.Errorf("start %q: %w", command, err)
}

func (p *process) drainStderr(r *os.File, onLine func(string)) {
	defer close(p.stderrDone)
	defer r.Close()
	buf := make([]byte, 1024) // small: one per session, and it lives on the goroutine's stack
	var partial []byte
	for {
		n, err := r.Read(buf)
		if n > 0 {
			p.stderr.Write(buf[:n])
			if onLine != nil {
				partial = append(partial, buf[:n]...)
				for {
					i := bytes.IndexByte(partial, '\n')
					if i < 0 {
						break
					}
					onLine(string(partial[:i]))
					partial = partial[i+1:]
				}
				if len(partial) > stderrTail { // a server writing megabytes without newlines
					onLine(string(partial))
					partial = partial[:0]
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// pid returns the process id, which is also its process group id.
func (p *process) pid() int { return p.cmd.Process.Pid }

// exitError describes how the process ended, with the tail of its stderr and the last line
// of its stdout that was no MCP message (servers print their fatal errors there too). When
// SPINE broke the session for what the server wrote to stdout, that is the cause: the end of
// the process (often of SIGPIPE) followed.
func (p *process) exitError() error {
	err := p.waitErr
	if err == nil {
		err = errors.New("exited")
	}
	err = fmt.Errorf("server process %w", err)
	if p.frames != nil {
		p.frames.waitEnd(exitGrace) // the reader may not have reached the server's last words yet
		if broken := p.frames.Broken(); broken != nil {
			err = broken
		} else if line := p.frames.LastSkipped(); line != "" {
			err = fmt.Errorf("%w; last non-MCP line on stdout: %q", err, line)
		}
	}
	if t := strings.TrimSpace(p.stderr.String()); t != "" {
		err = fmt.Errorf("%w; stderr: %s", err, t)
	}
	return err
}

// terminate ends the server and every process of its group: close stdin and give it
// exitGrace, then SIGTERM the group and give it termGrace, then SIGKILL the group and wait
// (up to killGrace) until no process of it is alive. The group is killed even when the
// leader exited on its own, so that forked children go too. Once hurry is closed (also
// midway), the graces are skipped; the wait for the killed group is not.
func (p *process) terminate(hurry <-chan struct{}) {
	defer p.released.Do(p.td.released)
	p.stdin.Close()
	if !p.waitExit(exitGrace, hurry) {
		p.signalGroup(syscall.SIGTERM)
		// A stopped process (SIGSTOP, a debugger, a suspended job) would hold SIGTERM pending
		// for the whole grace.
		p.signalGroup(syscall.SIGCONT)
		p.waitExit(termGrace, hurry)
	}
	p.signalGroup(syscall.SIGKILL) // once reaped, reap has killed the group already
	<-p.exited
	waitGroupGone(p.pid(), killGrace)
	p.stdout.Close()
	t := time.NewTimer(termGrace)
	defer t.Stop()
	select {
	case <-p.stderrDone:
	case <-t.C: // a descendant outside the group holds stderr open
	case <-hurry:
	}
}

// waitExit waits up to d for the process to exit, and says whether it did. A closed hurry
// ends the wait early.
func (p *process) waitExit(d time.Duration, hurry <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.exited:
		return true
	case <-t.C:
		return false
	case <-hurry:
		return processGone(p)
	}
}

// waitGroupGone waits until no process of group pgid is alive, up to bound, and says
// whether none is. There is no event for the death of processes that are not our children:
// it polls, backing off from 1 ms to groupPollMax.
func waitGroupGone(pgid int, bound time.Duration) bool {
	deadline := time.Now().Add(bound)
	for pause := time.Millisecond; groupAlive(pgid); pause = min(2*pause, groupPollMax) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
	}
	return true
}

func closeAll(files ...io.Closer) {
	for _, f := range files {
		f.Close()
	}
}

// tail keeps the last max bytes written to it, with secrets redacted. When it has dropped
// older bytes, the part of a secret the cut left at its start is dropped too: the tail keeps
// as many bytes more as the longest secret has, redacts, then skips them.
type tail struct {
	mu        sync.Mutex
	max       int
	secrets   []string
	slack     int // the length of the longest secret
	buf       []byte
	truncated bool
}

func newTail(size int, secrets []string) *tail {
	t := &tail{max: size, secrets: secrets}
	for _, s := range secrets {
		t.slack = max(t.slack, len(s))
	}
	return t
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max - t.slack; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
		t.truncated = true
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, _ := redactString(t.secrets, string(t.buf))
	if t.truncated {
		s = s[min(t.slack, len(s)):]
		if i := strings.IndexByte(s, '\n'); i >= 0 && i < len(s)-1 { // start at a line
			s = s[i+1:]
		}
	}
	if len(s) > t.max {
		s = s[len(s)-t.max:]
	}
	return s
}
