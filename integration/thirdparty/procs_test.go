package thirdparty

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// requireProcFS skips a test that inspects process trees where there is no Linux /proc.
func requireProcFS(t testing.TB) {
	t.Helper()
	if !haveProcFS() {
		t.Skip("this test reads process trees from /proc (Linux only)")
	}
}

func haveProcFS() bool {
	_, err := os.Stat("/proc/self/stat")
	return err == nil
}

// proc is one process as /proc shows it. start (the clock tick it started at) tells a process
// from a later one that reuses its pid.
type proc struct {
	pid, ppid, pgid int
	start           uint64
	cmdline         string
}

func (p proc) String() string { return fmt.Sprintf("%d(pgid %d) %q", p.pid, p.pgid, p.cmdline) }

// readProc reads /proc/PID; ok is false for a process that is gone or a zombie.
func readProc(pid int) (p proc, ok bool) {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return proc{}, false
	}
	i := bytes.LastIndexByte(stat, ')') // comm may hold spaces and parentheses
	if i < 0 {
		return proc{}, false
	}
	f := strings.Fields(string(stat[i+1:])) // state ppid pgrp session tty tpgid flags ... starttime (20th)
	if len(f) < 20 || f[0] == "Z" || f[0] == "X" {
		return proc{}, false
	}
	p.pid = pid
	p.ppid, _ = strconv.Atoi(f[1])
	p.pgid, _ = strconv.Atoi(f[2])
	p.start, _ = strconv.ParseUint(f[19], 10, 64)
	cmdline, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	p.cmdline = strings.TrimSpace(string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
	return p, true
}

// processes lists every live process.
func processes() []proc {
	entries, _ := os.ReadDir("/proc")
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := readProc(pid); ok {
			out = append(out, p)
		}
	}
	return out
}

// descendants returns the live processes below root: its children, theirs, and so on, plus
// every member of their process groups (a member that left the tree by double-forking still
// shares the group it was started in).
func descendants(root int) []proc {
	all := processes()
	children := map[int][]proc{}
	for _, p := range all {
		children[p.ppid] = append(children[p.ppid], p)
	}
	var out []proc
	seen := map[int]bool{}
	var walk func(pid int)
	walk = func(pid int) {
		for _, c := range children[pid] {
			if !seen[c.pid] {
				seen[c.pid] = true
				out = append(out, c)
				walk(c.pid)
			}
		}
	}
	walk(root)
	groups := map[int]bool{}
	for _, p := range out {
		if p.pgid != root {
			groups[p.pgid] = true
		}
	}
	for _, p := range all {
		if groups[p.pgid] && !seen[p.pid] {
			seen[p.pid] = true
			out = append(out, p)
		}
	}
	return out
}

// serverTrees returns the processes below this test process that run in process groups of
// their own: the stdio servers SPINE started (each in its own group) and everything they
// started. Processes a test starts itself (a demo server, the spine CLI) share the test's
// group and are left out.
func serverTrees() []proc {
	own := syscall.Getpgrp()
	return slices.DeleteFunc(descendants(os.Getpid()), func(p proc) bool { return p.pgid == own })
}

// alive returns the processes of ps that still run (the same process, not a reused pid).
func alive(ps []proc) []proc {
	var out []proc
	for _, p := range ps {
		if now, ok := readProc(p.pid); ok && now.start == p.start {
			out = append(out, now)
		}
	}
	return out
}

// waitGone fails the test unless every process of ps has exited within timeout.
func waitGone(t testing.TB, ps []proc, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		left := alive(ps)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d process(es) still running %s after the executor closed: %v", len(left), timeout, left)
			return
		}
		time.Sleep(20 * time.Millisecond) // polling /proc: there is no event for another process's exit
	}
}

// matching returns the processes of ps whose command line contains substr.
func matching(ps []proc, substr string) []proc {
	return slices.DeleteFunc(slices.Clone(ps), func(p proc) bool { return !strings.Contains(p.cmdline, substr) })
}

// withEnv returns the live processes whose environment holds the entry kv ("NAME=value"). A
// marker variable set on a command reaches every process it starts, also those that left its
// tree, unless one of them clears its environment; spine passes to its servers only what
// their env and env_vars give them.
func withEnv(kv string) []proc {
	var out []proc
	for _, p := range processes() {
		environ, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.pid), "environ"))
		if err == nil && slices.ContainsFunc(bytes.Split(environ, []byte{0}), func(e []byte) bool { return string(e) == kv }) {
			out = append(out, p)
		}
	}
	return out
}

// waitNoEnv fails the test unless, within spinetest.Patience, no process holds the environment
// entry kv: a spine command that has exited must not have left anything it started running.
// Without /proc it checks nothing.
func waitNoEnv(t testing.TB, kv string) {
	t.Helper()
	deadline := time.Now().Add(spinetest.Patience)
	for left := withEnv(kv); len(left) > 0; left = withEnv(kv) {
		if time.Now().After(deadline) {
			t.Fatalf("processes started by spine still running after it exited: %v", left)
		}
		time.Sleep(20 * time.Millisecond) // polling /proc: there is no event for another process's exit
	}
}
