package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spine-mcp/spine/internal/spinetest"
)

func TestRunInterrupted(t *testing.T) {
	// The server runs from a link with a name of its own, so that its processes can be told
	// from those of other tests.
	dir := t.TempDir()
	server := filepath.Join(dir, "spine-interrupt-server")
	if err := os.Symlink(spinetest.Binary(t), server); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"spine.toml": "[servers.demo]\ncommand = \"" + server + "\"\nargs = [\"demo-server\"]\n",
		"wf.toml": `
[[steps]]
id     = "slow"
server = "demo"
tool   = "hang"

[[steps]]
id     = "quick"
server = "demo"
tool   = "echo"
args   = { text = "sent after slow" }

[[steps]]
id     = "after"
server = "demo"
tool   = "echo"
args   = { text = "{{ .steps.slow.text }}" }
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	cmd := exec.Command(spinetest.Binary(t), "run", "wf.toml", "--output", "json")
	cmd.Dir = dir
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	var errLog strings.Builder
	var logMu sync.Mutex
	quickDone := make(chan struct{})
	go func() {
		// Both steps start together, slow first, on one server: once quick has finished,
		// slow is in flight on the server.
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			logMu.Lock()
			errLog.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if f := strings.Fields(sc.Text()); !signalled && len(f) > 1 && f[0] == "ok" && f[1] == "quick" {
				signalled = true
				close(quickDone)
			}
		}
		exited <- cmd.Wait()
	}()
	select {
	case <-quickDone:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("step quick never finished")
	}
	if len(spinetest.Processes(server)) == 0 {
		t.Fatal("no demo server process while slow runs")
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	select {
	case waitErr = <-exited:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("spine did not exit within 30s of SIGINT")
	}
	logMu.Lock()
	log := errLog.String()
	logMu.Unlock()
	var exit *exec.ExitError
	if !errors.As(waitErr, &exit) || exit.ExitCode() != 130 {
		t.Errorf("exit: %v, want status 130\nstderr:\n%s", waitErr, log)
	}
	if procs := spinetest.Processes(server); len(procs) > 0 {
		t.Errorf("demo server processes left after the interrupt: %v", procs)
	}
	var doc wfRunDoc
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("stdout is not the run's JSON document: %v\n%s", err, stdout.String())
	}
	want := []string{"cancelled", "ok", "skipped"}
	for i, s := range doc.Steps {
		if s.Status != want[i] {
			t.Errorf("%s: %s, want %s (%s)", s.ID, s.Status, want[i], s.Error)
		}
	}
	if doc.OK || !strings.Contains(doc.Error, "cancelled") {
		t.Errorf("ok=%v error %q: want a cancelled run", doc.OK, doc.Error)
	}
}
