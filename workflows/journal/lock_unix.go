//go:build unix

package journal

import (
	"errors"
	"os"
	"syscall"
)

// lock takes (or, with on false, drops) the run's exclusive lock on f, without waiting.
func lock(f *os.File, on bool) error {
	how := syscall.LOCK_UN
	if on {
		how = syscall.LOCK_EX | syscall.LOCK_NB
	}
	err := syscall.Flock(int(f.Fd()), how)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrRunning
	}
	return err
}

// locked says whether another process holds the lock of the journal at path.
func locked(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		return errors.Is(err, syscall.EWOULDBLOCK)
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}
