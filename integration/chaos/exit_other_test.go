//go:build !linux

package chaos

// awaitExit returns at once where a process cannot be awaited without reaping it: the
// caller's wait reaps it.
func awaitExit(int) {}
