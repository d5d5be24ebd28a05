package spinetest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spine-mcp/spine/capability"
)

var (
	buildOnce sync.Once
	buildDir  string
	binPath   string
	buildErr  error
)

// Main runs a package's tests and removes the binary built for them.
func Main(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// Binary returns the path of a spine binary built from this checkout (once per process).
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		buildDir, buildErr = os.MkdirTemp("", "spinetest-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "spine")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/spine")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/spine: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the spine module")
	}
	return filepath.Dir(mod), nil
}

// Demo returns the spec of a stdio demo server named name, with the default policy, run from
// the test binary of Binary.
func Demo(t testing.TB, name string) capability.ServerSpec {
	return capability.ServerSpec{
		Name:      name,
		Transport: capability.TransportStdio,
		Command:   Binary(t),
		Args:      []string{"demo-server"},
		Enabled:   true,
		Policy:    capability.DefaultPolicy(),
	}
}

// Project returns a project of the given servers.
func Project(servers ...capability.ServerSpec) *capability.Project {
	return &capability.Project{Dir: ".", Defaults: capability.DefaultPolicy(), Servers: servers}
}

// Patience bounds a test's wait for something that happens by itself, promptly, when the
// code under test works: a process starting or exiting, a session opening, a call answering,
// goroutines ending, a counter settling. A passing test never waits it out, so it is set for
// a machine at its worst — two busy cores (a load of 12), the race detector on, other test
// processes running — and not for the usual case: when it runs out, the thing did not happen,
// rather than the machine being slow. Waits for something that may take long (a frame of
// megabytes under the race detector) are bounded by it too.
const Patience = time.Minute

// Slack is what a loaded machine — two busy cores, the race detector on — may add to anything
// the product does at once or at a deadline: a timer firing late, goroutines and processes
// waiting for a core, an answer travelling back. A test that checks that something happens at
// a deadline (or at once) allows this much more, and sets what a failure would look like — the
// next bound: call_timeout, connect_timeout, acquire_timeout, a sleep that should have been cut
// short — well beyond it, so that a pass or a failure says something about the product, not
// about the machine.
const Slack = 3 * time.Second

// Eventually waits until cond holds, polling, and fails the test after timeout.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// NoLeaks checks, when the test ends, that the goroutine count is back to where it was and
// that no process started from the spine test binary is left running.
func NoLeaks(t testing.TB) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(Patience)
		for {
			n := runtime.NumGoroutine()
			procs := Processes(binPath)
			if n <= before && len(procs) == 0 {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("leak: %d goroutines (was %d), spine processes still running: %v\n%s", n, before, procs, buf)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// Stopped reports whether every thread of process pid is stopped (SIGSTOP): kill returns
// before that, and until one of its threads has taken the signal the others run on, which
// on a busy machine can be long enough to answer a call.
func Stopped(pid int) bool {
	tasks, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
	if err != nil || len(tasks) == 0 {
		return false
	}
	for _, task := range tasks {
		stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", task.Name(), "stat"))
		if err != nil {
			return false
		}
		i := bytes.LastIndexByte(stat, ')') // comm may hold spaces and parentheses
		if i < 0 || i+2 >= len(stat) || stat[i+2] != 'T' {
			return false
		}
	}
	return true
}

// Processes returns the pids of running processes whose command line contains substr
// (zombies excluded). An empty substr matches nothing.
func Processes(substr string) []int {
	if substr == "" {
		return nil
	}
	entries, _ := os.ReadDir("/proc")
	var pids []int
	self := os.Getpid()
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil || pid == self {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte(substr)) {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil {
			if i := bytes.LastIndexByte(stat, ')'); i > 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
				continue
			}
		}
		pids = append(pids, pid)
	}
	return pids
}

// Buffer is a bytes.Buffer safe for concurrent writes (a child process's output copied in by
// exec, goroutines' logs) and a test's reads.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
