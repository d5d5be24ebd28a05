package chaos

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// proc is one live process as /proc shows it. start (the clock tick it started at) tells a
// process from a later one that reuses its pid.
type proc struct {
	pid, ppid, pgid int
	state           byte
	start           uint64
	cmdline         string
}

func (p proc) String() string {
	return fmt.Sprintf("%d(pgid %d %c) %q", p.pid, p.pgid, p.state, p.cmdline)
}

// readProc reads /proc/PID; ok is false for a process that is gone, a zombie, or killed:
// SIGKILL pending or its exit begun. A killed process never runs again, but on a busy machine
// the kernel may take a while to finish its exit (every thread must get a core to do it);
// that while is the machine's, what the tests check is that SPINE killed it.
func readProc(pid int) (p proc, ok bool) {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return proc{}, false
	}
	i := bytes.LastIndexByte(stat, ')') // comm may hold spaces and parentheses
	if i < 0 {
		return proc{}, false
	}
	f := strings.Fields(string(stat[i+1:])) // state ppid pgrp ... starttime (20th)
	if len(f) < 20 || f[0] == "Z" || f[0] == "X" || killed(pid, f[6]) {
		return proc{}, false
	}
	p.pid, p.state = pid, f[0][0]
	p.ppid, _ = strconv.Atoi(f[1])
	p.pgid, _ = strconv.Atoi(f[2])
	p.start, _ = strconv.ParseUint(f[19], 10, 64)
	cmdline, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	p.cmdline = strings.TrimSpace(string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
	return p, true
}

// killed reports whether process pid is exiting (PF_EXITING in flags, the 9th field of its
// stat) or has a SIGKILL pending, for the process or its main thread.
func killed(pid int, flags string) bool {
	const pfExiting = 0x4
	if fl, err := strconv.ParseUint(flags, 10, 64); err == nil && fl&pfExiting != 0 {
		return true
	}
	status, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return false // gone meanwhile: readProc's other reads say so
	}
	for line := range strings.Lines(string(status)) {
		name, mask, ok := strings.Cut(line, ":")
		if !ok || (name != "SigPnd" && name != "ShdPnd") {
			continue
		}
		if m, err := strconv.ParseUint(strings.TrimSpace(mask), 16, 64); err == nil && m&(1<<(9-1)) != 0 {
			return true
		}
	}
	return false
}

// processes lists every live process but this one.
func processes() []proc {
	entries, _ := os.ReadDir("/proc")
	self := os.Getpid()
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if p, ok := readProc(pid); ok {
			out = append(out, p)
		}
	}
	return out
}

// marked returns the live processes whose environment holds markEnv=mark.
func marked(mark string) []proc {
	kv := []byte(markEnv + "=" + mark)
	var out []proc
	for _, p := range processes() {
		environ, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.pid), "environ"))
		if err == nil && slices.ContainsFunc(bytes.Split(environ, []byte{0}), func(e []byte) bool { return bytes.Equal(e, kv) }) {
			out = append(out, p)
		}
	}
	return out
}

// children returns the live child processes of this process.
func children() []proc {
	self := os.Getpid()
	return slices.DeleteFunc(processes(), func(p proc) bool { return p.ppid != self })
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

// groups returns the process groups of ps.
func groups(ps []proc) []int {
	var out []int
	for _, p := range ps {
		if !slices.Contains(out, p.pgid) {
			out = append(out, p.pgid)
		}
	}
	return out
}

// openFDs counts this process's open file descriptors.
func openFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries) - 1 // the directory being read is one of them
}
