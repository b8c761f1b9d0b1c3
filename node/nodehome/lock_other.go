//go:build !unix

package nodehome

import "os"

// tryLockFile: without flock the home is not guarded against a second
// process; pebble's own lock still refuses to open the store twice.
func tryLockFile(*os.File) (bool, error) { return false, nil }

// ProcessAlive cannot check here; a marker is taken at its word.
func ProcessAlive(int) bool { return true }
