package spinetest

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Serving is a running `spine serve --http`, started by Serve.
type Serving struct {
	URL    string // its MCP endpoint, as it printed it: http://127.0.0.1:PORT/mcp
	Cmd    *exec.Cmd
	Stderr *Buffer
	done   chan struct{}
	err    error
}

// Serve starts `spine serve --http 127.0.0.1:0 args...` in dir, with env added to this
// process's, and waits for the URL it prints. The test's cleanup stops it (Stop) unless it has
// exited.
func Serve(t testing.TB, dir string, env []string, args ...string) *Serving {
	t.Helper()
	cmd := exec.Command(Binary(t), append([]string{"serve", "--http", "127.0.0.1:0"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	s := &Serving{Cmd: cmd, Stderr: &Buffer{}, done: make(chan struct{})}
	cmd.Stderr = s.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() { // ends when the process's stdout closes
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() { s.Stop(t) })
	select {
	case line, ok := <-lines:
		if !ok {
			<-s.done
			t.Fatalf("spine serve printed no URL: %v\nstderr:\n%s", s.err, s.Stderr)
		}
		s.URL = line
	case <-time.After(Patience):
		t.Fatalf("spine serve printed no URL within %s\nstderr:\n%s", Patience, s.Stderr)
	}
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") || !strings.HasSuffix(s.URL, "/mcp") {
		t.Fatalf("spine serve printed %q, want http://127.0.0.1:PORT/mcp", s.URL)
	}
	return s
}

// Exited is closed when the process has exited; Err then says how.
func (s *Serving) Exited() <-chan struct{} { return s.done }

// Err is the process's exit (cmd.Wait's error), once Exited is closed.
func (s *Serving) Err() error {
	<-s.done
	return s.err
}

// Stop sends SIGTERM and waits for the exit: 130, as every interrupted spine command. A
// process that has already exited is left as it is.
func (s *Serving) Stop(t testing.TB) {
	t.Helper()
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(Patience):
		_ = s.Cmd.Process.Kill()
		<-s.done
		t.Errorf("spine serve did not exit within %s of SIGTERM\nstderr:\n%s", Patience, s.Stderr)
		return
	}
	var exit *exec.ExitError
	if !errors.As(s.err, &exit) || exit.ExitCode() != 130 {
		t.Errorf("spine serve after SIGTERM: %v, want exit 130\nstderr:\n%s", s.err, s.Stderr)
	}
}

// Kill kills the process (SIGKILL) and waits for it to be gone.
func (s *Serving) Kill() {
	_ = s.Cmd.Process.Kill()
	<-s.done
}
