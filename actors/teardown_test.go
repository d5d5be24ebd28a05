package actors

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/internal/spinetest"
)

// shell is a stdio server spec that runs script with sh (it speaks no MCP: these tests only
// start and end processes).
func shell(t *testing.T, script string) *capability.ServerSpec {
	return &capability.ServerSpec{Name: "sh", Transport: capability.TransportStdio, Command: "sh",
		Args: []string{"-c", script}, Cwd: t.TempDir()}
}

func (t *teardown) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.live
}

// TestNoProcessStartsOnceTeardownBegan: after begin, startProcess starts nothing and says
// why; a process started before is counted until its group is gone.
func TestNoProcessStartsOnceTeardownBegan(t *testing.T) {
	td := newTeardown()
	p, err := startProcess(shell(t, "exec sleep 60"), td, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := td.count(); n != 1 {
		t.Fatalf("live = %d after a start, want 1", n)
	}
	td.begin()
	if late, err := startProcess(shell(t, "exec sleep 60"), td, nil); !errors.Is(err, ErrClosed) {
		if late != nil {
			late.terminate(nil)
		}
		t.Fatalf("start after begin: %v, want ErrClosed", err)
	}
	if n := td.count(); n != 1 {
		t.Errorf("live = %d after a refused start, want 1", n)
	}
	td.rush()
	p.terminate(td.hurried())
	if n := td.count(); n != 0 {
		t.Errorf("live = %d after terminate, want 0", n)
	}
	td.waitReleased() // returns: nothing is live
}

// TestTerminateWaitsForTheWholeGroup: a server that forks a child which holds none of its
// pipes (so that the end of stderr says nothing about it) is gone, child included, when
// terminate returns. The child's zombie may stay (its new parent, init, reaps it, or not in
// some containers): it is not a live process, and terminate must not wait out killGrace for
// it.
func TestTerminateWaitsForTheWholeGroup(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	td := newTeardown()
	p, err := startProcess(shell(t, "sleep 60 </dev/null >/dev/null 2>&1 & exec sleep 60"), td, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The child exists once the group has a live member besides the leader: wait for the
	// shell to have forked it and exec'd (bounded).
	deadline := time.Now().Add(spinetest.Patience)
	for groupSize(p.pid()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the group of %d never had 2 processes", p.pid())
		}
		time.Sleep(5 * time.Millisecond) // polling /proc: no event for another process's fork
	}
	td.rush()
	began := time.Now()
	p.terminate(td.hurried())
	if groupAlive(p.pid()) {
		t.Errorf("the group of %d still has live processes after terminate", p.pid())
	}
	if took := time.Since(began); took >= killGrace {
		t.Errorf("terminate took %s: it waited out killGrace (%s) for a dead group", took, killGrace)
	}
}

// groupSize counts the live (not zombie) processes of group pgid in /proc.
func groupSize(pgid int) int {
	entries, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range entries {
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := bytes.Fields(stat[bytes.LastIndexByte(stat, ')')+1:])
		if len(f) >= 3 && string(f[2]) == strconv.Itoa(pgid) && f[0][0] != 'Z' {
			n++
		}
	}
	return n
}
