//go:build js

// This file is not part of sealchain-wasm: build.sh adds it to
// github.com/cockroachdb/pebble/vfs because pebble
// v1.1.2 has no js/wasm port. The browser verifier never opens a database;
// these stubs only let the package compile.

package vfs

import (
	"errors"
	"os"
	"syscall"
)

// defFS is the name pebble's file_lock_generic.go (mis)spells defaultFS with.
type defFS = defaultFS

var errNotEmpty = syscall.ENOTEMPTY

var errNoDisk = errors.New("pebble: no file system in the browser")

func wrapOSFileImpl(f *os.File) File { return &jsFile{File: f} }

func (defaultFS) OpenDir(string) (File, error) { return nil, errNoDisk }

func (defaultFS) GetDiskUsage(string) (DiskUsage, error) { return DiskUsage{}, errNoDisk }

type jsFile struct{ *os.File }

func (*jsFile) Prefetch(int64, int64) error    { return nil }
func (*jsFile) Preallocate(int64, int64) error { return nil }
func (f *jsFile) SyncData() error              { return f.Sync() }
func (f *jsFile) SyncTo(int64) (bool, error)   { return true, f.Sync() }
