package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// buildCommit is the commit `make build` passes with -ldflags -X (git
// describe), for builds the toolchain did not stamp (a git worktree, or
// GOFLAGS=-buildvcs=false). It is only ever set by the linker.
var buildCommit string

// buildVersion describes the binary for --version from what the Go
// toolchain stamped into it: the main module's version, the VCS commit
// (`make build` stamps it; a build with -buildvcs=false has none) and the Go
// version.
func buildVersion(info *debug.BuildInfo, ok bool) string {
	version, commit, goVersion := "devel", "unknown (built without VCS information)", runtime.Version()
	if buildCommit != "" {
		commit = buildCommit
	}
	if ok && info != nil {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			version = v
		}
		if info.GoVersion != "" {
			goVersion = info.GoVersion
		}
		var rev, at string
		var modified bool
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if rev != "" {
			var notes []string
			if at != "" {
				notes = append(notes, at)
			}
			if modified {
				notes = append(notes, "with uncommitted changes")
			}
			commit = rev
			if len(notes) > 0 {
				commit += " (" + strings.Join(notes, ", ") + ")"
			}
		}
	}
	return fmt.Sprintf("sealchain %s\ncommit     %s\ngo         %s %s/%s", version, commit, goVersion, runtime.GOOS, runtime.GOARCH)
}
