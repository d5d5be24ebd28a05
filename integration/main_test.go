package integration

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// result is what one run of the spine binary did.
type result struct {
	stdout, stderr string
	code           int
}

// spine runs the spine binary in dir with args and returns its output and exit code.
func spine(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(spinetest.Binary(t), args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("spine %s: no exit within 2m\nstderr: %s", strings.Join(args, " "), stderr.String())
	}
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// repoRoot is the checkout's root, where the example spine.toml lives.
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}

// noServersLeft checks, at the end of the test, that no demo server process is running.
func noServersLeft(t *testing.T) {
	t.Helper()
	bin := spinetest.Binary(t)
	t.Cleanup(func() {
		spinetest.Eventually(t, spinetest.Patience, "demo server processes to exit", func() bool {
			return len(spinetest.Processes(bin+"\x00demo-server")) == 0
		})
	})
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
