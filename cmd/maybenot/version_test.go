package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	goPart := ", built with " + runtime.Version() + " for " + runtime.GOOS + "/" + runtime.GOARCH
	for _, tt := range []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{"no build info", nil, false, "maybenot (unknown)"},
		{"release", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, true, "maybenot v1.2.3"},
		{"empty version", &debug.BuildInfo{}, true, "maybenot (devel)"},
		{"source tree", &debug.BuildInfo{
			Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "c9505ad0123456789abcdef"},
				{Key: "vcs.modified", Value: "true"},
			},
		}, true, "maybenot (devel) commit c9505ad01234 (modified)"},
		{"clean tree", &debug.BuildInfo{
			Main:     debug.Module{Version: "v0.0.0-20261201000000-c9505ad01234"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "c9505ad"}, {Key: "vcs.modified", Value: "false"}},
		}, true, "maybenot v0.0.0-20261201000000-c9505ad01234 commit c9505ad"},
	} {
		if got := versionLine(tt.info, tt.ok); got != tt.want+goPart {
			t.Errorf("%s: versionLine = %q, want %q", tt.name, got, tt.want+goPart)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "version")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.HasPrefix(stdout, "maybenot ") || !strings.Contains(stdout, runtime.Version()) || strings.Count(stdout, "\n") != 1 {
		t.Errorf("stdout = %q, want one line naming maybenot's version and %s", stdout, runtime.Version())
	}
	if code, _, _ := runCLI(t, "", "version", "extra"); code != exitUsage {
		t.Errorf("version with an argument: exit %d, want %d", code, exitUsage)
	}
}
