package node

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrHomeInUse is returned by Start when another process (or another Node in
// this one) runs on the same home.
var ErrHomeInUse = errors.New("home in use")

// homeInUseError names the home and, when it wrote it, the other process.
type homeInUseError struct {
	home string
	pid  int
}

func (e *homeInUseError) Error() string {
	msg := fmt.Sprintf("home %s is in use by another sealchain process", e.home)
	if e.pid > 0 {
		msg += fmt.Sprintf(" (pid %d)", e.pid)
	}
	return msg + ": stop it first, or give this node its own --home"
}

func (e *homeInUseError) Unwrap() error { return ErrHomeInUse }

// homeLock is an exclusive advisory lock on <home>/sealchain.lock, held for
// the node's lifetime. The kernel drops it when the process exits, however
// it exits, so a crash never leaves a stale lock behind; the file itself
// stays and only records the last holder's pid.
type homeLock struct{ f *os.File }

// lockHome takes the home's lock without waiting.
func lockHome(h Home) (*homeLock, error) {
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
		return nil, &homeInUseError{home: string(h), pid: pid}
	}
	// The pid is for the message above only; the lock is what counts.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &homeLock{f: f}, nil
}

// release unlocks (by closing the file). Safe on nil.
func (l *homeLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
