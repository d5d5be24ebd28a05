package actors

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// awaitExit blocks until process pid has exited, and leaves it unreaped (WNOWAIT): until it
// is reaped, its pid — its process group's id — is not given to another process. It reports
// whether it could wait so (false: the caller reaps at once, and the group is not signalled
// after the exit).
func awaitExit(pid int) bool {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return err == nil
		}
	}
}

// sysProcAttr starts a server in a process group of its own, and has the kernel SIGKILL it
// when SPINE dies without a teardown (SIGKILL, a crash, the OOM killer), so that no direct
// server child outlives SPINE.
//
// Pdeathsig fires when the OS thread that started the child ends, not the process. The Go
// runtime ends a thread only when a goroutine locked to it (runtime.LockOSThread) returns
// without unlocking; SPINE locks none, so the threads that run cmd.Start live as long as
// SPINE. Locking the starting goroutine around cmd.Start would not change that: what could
// end such a thread is a goroutine of an embedding program that later locks it and returns
// locked. The kernel would then kill the server, and its session would be lost and replaced
// like that of any crashed server.
//
// Pdeathsig covers the direct child only. A server started through a launcher (sh -c, npx,
// uvx) is a grandchild: when the launcher is killed, the server sees its stdin close (SPINE
// held the only write end) and exits if it ends at the end of its input, as the demo server
// does; one that ignores a closed stdin keeps running until something else ends it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// groupAlive reports whether a process of group pgid is alive. kill(2) finds zombies too,
// and the zombie of a member whose parent died waits for init to reap it, which some
// container inits never do: a group that kill still finds is looked for in /proc, where
// only live members count.
func groupAlive(pgid int) bool {
	if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return true
	}
	want := []byte(strconv.Itoa(pgid))
	for _, e := range entries {
		if c := e.Name()[0]; c < '0' || c > '9' {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		i := bytes.LastIndexByte(stat, ')') // the command name may hold spaces and parentheses
		if i < 0 {
			continue
		}
		f := bytes.Fields(stat[i+1:]) // state ppid pgrp ...
		if len(f) >= 3 && bytes.Equal(f[2], want) && f[0][0] != 'Z' && f[0][0] != 'X' {
			return true
		}
	}
	return false
}
