package maybenot

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNoFusedMultiplyAdd cross-compiles the sampling code for every GOARCH
// on which the Go compiler fuses a multiplication and an addition into one
// instruction, and fails if dist.go or internal/libm contains such an
// instruction: it rounds once where the reference rounds twice, so sampling
// there would no longer match the reference bit for bit. It needs the go
// command and compiles the standard library for those targets once (tens
// of seconds), so it runs only when MAYBENOT_FMA_CHECK is set.
func TestNoFusedMultiplyAdd(t *testing.T) {
	if os.Getenv("MAYBENOT_FMA_CHECK") == "" {
		t.Skip("set MAYBENOT_FMA_CHECK=1 to look for fused multiply-adds in the sampling code of every GOARCH")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	// An instruction line of the compiler's -S listing:
	// "	0x04c0 01216 (/path/dist.go:705)	FMSUBD	F4, F1, F3, F5".
	line := regexp.MustCompile(`\((.+?\.go):(\d+)\)\s+(\S+)`)
	fused := regexp.MustCompile(`^[VW]?FN?M(ADD|SUB)`)
	targets := []struct{ goarch, goamd64 string }{
		{"arm64", ""}, {"ppc64le", ""}, {"s390x", ""}, {"riscv64", ""}, {"loong64", ""}, {"amd64", "v3"},
	}
	for _, tt := range targets {
		cmd := exec.Command(goTool, "build", "-o", os.DevNull,
			"-gcflags=github.com/maybenot-go/maybenot/...=-S", ".", "./internal/libm")
		cmd.Env = append(os.Environ(), "GOARCH="+tt.goarch, "GOAMD64="+tt.goamd64, "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("GOARCH=%s: %v\n%s", tt.goarch, err, out)
		}
		instructions := 0
		for _, l := range strings.Split(string(out), "\n") {
			m := line.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			if file := filepath.ToSlash(m[1]); !strings.HasSuffix(file, "/dist.go") && !strings.Contains(file, "/internal/libm/") {
				continue
			}
			instructions++
			if fused.MatchString(m[3]) {
				t.Errorf("GOARCH=%s GOAMD64=%s: %s at %s:%s", tt.goarch, tt.goamd64, m[3], m[1], m[2])
			}
		}
		if instructions == 0 {
			t.Errorf("GOARCH=%s: no instructions of the sampling code in the listing", tt.goarch)
		}
	}
}
