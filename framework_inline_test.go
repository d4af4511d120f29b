package maybenot

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestTriggerEventsInlines checks, with the compiler's own report, that
// TriggerEvents and its shortcut for a lone event that changes nothing
// are inlined into their callers: the shortcut saves a call only if they
// are. It builds the package once, so it does not run with -short.
func TestTriggerEventsInlines(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the package: skipped in short mode")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	cmd := exec.Command(goTool, "build", "-o", os.DevNull, "-gcflags=-m", ".")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	inlinable := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if _, fn, ok := strings.Cut(line, ": can inline "); ok {
			inlinable[strings.Fields(fn)[0]] = true
		}
	}
	for _, fn := range []string{"(*Framework).TriggerEvents", "(*Framework).shortcut"} {
		if !inlinable[fn] {
			t.Errorf("the compiler does not inline %s", fn)
		}
	}
	if !strings.Contains(string(out), ": inlining call to (*Framework).TriggerEvents") {
		t.Error("no call to TriggerEvents in the package is inlined")
	}
}
