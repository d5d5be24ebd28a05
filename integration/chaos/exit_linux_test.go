package chaos

import "golang.org/x/sys/unix"

// awaitExit waits until process pid has exited, without reaping it: its pid stays its own.
func awaitExit(pid int) {
	var info unix.Siginfo
	for unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil) == unix.EINTR {
	}
}
