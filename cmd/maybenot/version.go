package main

import (
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
)

var versionCmd = &command{
	name:    "version",
	args:    "",
	summary: "print the version of maybenot and of Go it was built with",
	doc: `Version prints the module version of this maybenot command (a release tag,
a pseudo-version, or "(devel)" for a build from a source tree), the commit
it was built from when known, and the Go version and platform it was built
with.

Example:
  maybenot version
`,
	setup: func(*flag.FlagSet) func(*env, []string) error { return runVersion },
}

// runVersion prints the build information.
func runVersion(e *env, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Sprintf("want no arguments, got %d", len(args))}
	}
	fmt.Fprintln(e.stdout, versionLine(debug.ReadBuildInfo()))
	return nil
}

// versionLine describes the build in one line, from what
// debug.ReadBuildInfo returns.
func versionLine(info *debug.BuildInfo, ok bool) string {
	version, commit, modified := "(unknown)", "", false
	if ok {
		version = info.Main.Version
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if version == "" {
		version = "(devel)"
	}
	line := "maybenot " + version
	if commit != "" {
		line += " commit " + commit[:min(12, len(commit))]
		if modified {
			line += " (modified)"
		}
	}
	return fmt.Sprintf("%s, built with %s for %s/%s", line, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
