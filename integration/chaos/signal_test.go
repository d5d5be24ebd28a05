package chaos

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestRunInterruptedMidWorkflow interrupts `spine run` while two calls are in flight on
// servers that ignore cancellation, SIGTERM and a closed stdin. One SIGINT, SIGTERM or SIGHUP:
// the run stops, the servers are torn down with their grace periods, exit 130, nothing left
// running. A second SIGINT, or one SIGQUIT: the teardown skips the graces and kills the
// process groups at once — and still leaves nothing running.
func TestRunInterruptedMidWorkflow(t *testing.T) {
	for _, c := range []struct {
		name    string
		signals []os.Signal
		// the last signal must end the run before one server's graces (2.25 s)
		fastAfterLast bool
	}{
		{"sigint", []os.Signal{os.Interrupt}, false},
		{"sigterm", []os.Signal{syscall.SIGTERM}, false},
		{"sighup", []os.Signal{syscall.SIGHUP}, false},
		{"sigquit", []os.Signal{syscall.SIGQUIT}, true},
		{"second_sigint", []os.Signal{os.Interrupt, os.Interrupt}, true},
		{"sigterm_then_sigint", []os.Signal{syscall.SIGTERM, os.Interrupt}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := checkHygiene(t)
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{
				"spine.toml": `
[servers.stubborn]
command      = "` + badServer(t) + `"
args         = ["--ignore-term"]
max_inflight = 1
env_vars     = ["` + markEnv + `"]
`,
				"wf.toml": `
[[steps]]
id     = "first"
server = "stubborn"
tool   = "hang"

[[steps]]
id     = "second"
server = "stubborn"
tool   = "hang"

[[steps]]
id     = "after"
server = "stubborn"
tool   = "echo"
args   = { text = "{{ .steps.first.text }}" }
`,
			})
			cmd := exec.Command(spinetest.Binary(t), "--log-level", "debug", "run", "wf.toml")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), markEnv+"="+h.mark)
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var (
				mu  sync.Mutex
				log strings.Builder
			)
			inFlight, interrupted, exited := make(chan struct{}), make(chan struct{}), make(chan error, 1)
			go func() {
				sc := bufio.NewScanner(stderr)
				hangs, stopping := 0, false
				for sc.Scan() {
					mu.Lock()
					log.WriteString(sc.Text() + "\n")
					mu.Unlock()
					// the server's stderr, logged at debug: both calls reached a server
					if strings.Contains(sc.Text(), "badserver: hang called") {
						if hangs++; hangs == 2 {
							close(inFlight)
						}
					}
					// the run has stopped; the teardown begins
					if !stopping && strings.HasPrefix(sc.Text(), "spine: interrupted") {
						stopping = true
						close(interrupted)
					}
				}
				exited <- cmd.Wait()
			}()
			stderrLog := func() string { mu.Lock(); defer mu.Unlock(); return log.String() }
			select {
			case <-inFlight:
			case <-time.After(spinetest.Patience):
				_ = cmd.Process.Kill()
				t.Fatalf("the two calls never reached the servers\n%s", stderrLog())
			}
			servers := marked(h.mark)
			if len(servers) < 3 { // spine and two servers
				t.Fatalf("processes = %v, want spine and two servers", servers)
			}

			var last time.Time
			for i, sig := range c.signals {
				if i > 0 {
					select { // the first signal's teardown is under way
					case <-interrupted:
					case <-time.After(spinetest.Patience):
						_ = cmd.Process.Kill()
						<-exited
						t.Fatalf("no teardown after %v\n%s", c.signals[0], stderrLog())
					}
				}
				last = time.Now()
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
			}
			var waitErr error
			select {
			case waitErr = <-exited:
			case <-time.After(spinetest.Patience):
				_ = cmd.Process.Kill()
				<-exited
				t.Fatalf("spine did not exit within %s of %v\n%s", spinetest.Patience, c.signals, stderrLog())
			}
			took := time.Since(last)
			var exit *exec.ExitError
			if !errors.As(waitErr, &exit) || exit.ExitCode() != 130 {
				t.Errorf("exit: %v, want status 130\n%s", waitErr, stderrLog())
			}
			if left := alive(servers); len(left) > 0 {
				t.Errorf("still running when spine exited: %v", left)
			}
			if c.signals[len(c.signals)-1] == syscall.SIGQUIT && !strings.Contains(stderrLog(), "goroutine ") {
				t.Errorf("no goroutine dump on stderr after SIGQUIT\n%s", stderrLog())
			}
			// Immediate: the kill of the groups and the wait for them to be gone (at most one
			// kill grace, 1 s), not the graces of a graceful teardown (250 ms + 2 s, which
			// began when the run stopped, just before the second signal).
			if c.fastAfterLast && took > 2*time.Second {
				t.Errorf("spine took %s to exit after %v, want an immediate teardown", took, c.signals[len(c.signals)-1])
			}
			t.Logf("exit %v %s after the last of %v", waitErr, took.Round(time.Millisecond), c.signals)
		})
	}
}

// TestRunKilledLeavesNoServer SIGKILLs `spine run` while a call is in flight: no teardown
// runs, so the servers must go by themselves. The one started directly ignores SIGTERM and a
// closed stdin: only the parent-death signal (SIGKILL) ends it. The demo server started
// through a shell is a grandchild, which that signal does not reach: it ends because its
// stdin closes when spine dies.
func TestRunKilledLeavesNoServer(t *testing.T) {
	h := checkHygiene(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"spine.toml": `
[servers.wrapped]
command  = "sh"
args     = ["-c", '"$0" demo-server; exit $?', "` + spinetest.Binary(t) + `"]
env_vars = ["` + markEnv + `"]

[servers.stubborn]
command  = "` + badServer(t) + `"
args     = ["--ignore-term"]
env_vars = ["` + markEnv + `"]
`,
		"wf.toml": `
[[steps]]
id     = "greet"
server = "wrapped"
tool   = "echo"
args   = { text = "hi" }

[[steps]]
id     = "hang"
server = "stubborn"
tool   = "hang"
args   = { text = "{{ .steps.greet.text }}" }
`,
	})
	cmd := exec.Command(spinetest.Binary(t), "--log-level", "debug", "run", "wf.toml")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), markEnv+"="+h.mark)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	hanging, exited := make(chan struct{}), make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for seen := false; sc.Scan(); {
			if !seen && strings.Contains(sc.Text(), "badserver: hang called") {
				seen = true
				close(hanging)
			}
		}
		exited <- cmd.Wait()
	}()
	select {
	case <-hanging:
	case <-time.After(spinetest.Patience):
		_ = cmd.Process.Kill()
		<-exited
		t.Fatal("the hang call never reached the server")
	}
	var servers []proc
	for _, p := range marked(h.mark) {
		if p.pid != cmd.Process.Pid {
			servers = append(servers, p)
		}
	}
	// sh, the demo server below it, and the badserver
	grandchild := slices.ContainsFunc(servers, func(p proc) bool {
		return strings.Contains(p.cmdline, "demo-server") && !strings.HasPrefix(p.cmdline, "sh ") && p.ppid != cmd.Process.Pid
	})
	if len(servers) != 3 || !grandchild {
		t.Fatalf("server processes = %v, want sh, the demo server as its child, and the badserver", servers)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
	if !waitFor(spinetest.Patience, func() bool { return len(alive(servers)) == 0 }) {
		t.Fatalf("still running %s after spine was killed: %v", spinetest.Patience, alive(servers))
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
