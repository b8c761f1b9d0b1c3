package nodehome

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrInUse is returned by [Acquire] when another process (or another node in
// this one) runs on the same home.
var ErrInUse = errors.New("home in use")

// inUseError names the home and, when it wrote it, the other process.
type inUseError struct {
	home string
	pid  int
}

func (e *inUseError) Error() string {
	msg := fmt.Sprintf("home %s is in use by another sealchain process", e.home)
	if e.pid > 0 {
		msg += fmt.Sprintf(" (pid %d)", e.pid)
	}
	return msg + ": stop it first, or give this node its own --home"
}

func (e *inUseError) Unwrap() error { return ErrInUse }

// Lock is an exclusive advisory lock on <home>/sealchain.lock, held for
// the node's lifetime. The kernel drops it when the process exits, however
// it exits, so a crash never leaves a stale lock behind; the file itself
// stays and only records the last holder's pid.
type Lock struct{ f *os.File }

// Acquire takes the home's lock without waiting; it fails with an error
// wrapping [ErrInUse], naming the holder's pid, when the lock is taken.
func Acquire(h Home) (*Lock, error) {
	if err := os.MkdirAll(string(h), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(h.Lock(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	busy, err := tryLockFile(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", h.Lock(), err)
	}
	if busy {
		b, _ := os.ReadFile(h.Lock())
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		f.Close()
		return nil, &inUseError{home: string(h), pid: pid}
	}
	// The pid is for the message above only; the lock is what counts.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// Release unlocks (by closing the file). Safe on nil.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
