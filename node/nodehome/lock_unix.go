//go:build unix

package nodehome

import (
	"errors"
	"os"
	"syscall"
)

// tryLockFile takes an exclusive flock on f; busy reports that another open
// file description (another process, or another Node here) holds it.
func tryLockFile(f *os.File) (busy bool, err error) {
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}

// ProcessAlive reports whether pid is a running process (signal 0 checks
// without signalling; EPERM means it exists under another user).
func ProcessAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
