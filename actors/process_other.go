//go:build !linux

package actors

import (
	"errors"
	"syscall"
)

// sysProcAttr starts a server in a process group of its own. There is no parent-death
// signal outside Linux: a server outlives a SPINE that dies without a teardown unless it
// exits when its stdin closes.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// awaitExit cannot wait without reaping here: the process is reaped as it exits, and its
// group is not signalled after that (see process.reap).
func awaitExit(int) bool { return false }

// groupAlive reports whether kill(2) still finds a process of group pgid. Zombies count:
// a group whose orphans are never reaped is waited for until the bound.
func groupAlive(pgid int) bool {
	return !errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH)
}
