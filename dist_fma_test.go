package maybenot

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNoFusedMultiplyAdd cross-compiles the package, internal/libm and
// internal/ratewindow for every GOARCH on which the Go compiler fuses a
// multiplication and an addition into one instruction, and fails if any of
// them contains such an instruction: it rounds once where the reference
// rounds twice, so sampling (dist.go, internal/libm), the rate limiter's
// estimate (internal/ratewindow) or any other arithmetic there would no
// longer match the reference bit for bit. It needs the go
// command and compiles the standard library for those targets once (tens
// of seconds), so it runs only when MAYBENOT_FMA_CHECK is set.
func TestNoFusedMultiplyAdd(t *testing.T) {
	if os.Getenv("MAYBENOT_FMA_CHECK") == "" {
		t.Skip("set MAYBENOT_FMA_CHECK=1 to look for fused multiply-adds in the package, internal/libm and internal/ratewindow on every GOARCH")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	// An instruction line of the compiler's -S listing:
	// "	0x04c0 01216 (/path/dist.go:705)	FMSUBD	F4, F1, F3, F5".
	line := regexp.MustCompile(`\((.+?\.go):(\d+)\)\s+(\S+)`)
	fused := regexp.MustCompile(`^[VW]?FN?M(ADD|SUB)`)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	// own reports whether a file of the listing is the package's,
	// internal/libm's or internal/ratewindow's, named by its directory or,
	// with -trimpath, by the import path.
	own := func(file string) bool {
		dir := path.Dir(filepath.ToSlash(file))
		for _, root := range []string{filepath.ToSlash(wd), "github.com/maybenot-go/maybenot"} {
			if dir == root || dir == root+"/internal/libm" || dir == root+"/internal/ratewindow" {
				return true
			}
		}
		return false
	}
	targets := []struct{ goarch, goamd64 string }{
		{"arm64", ""}, {"ppc64le", ""}, {"s390x", ""}, {"riscv64", ""}, {"loong64", ""}, {"amd64", "v3"},
	}
	for _, tt := range targets {
		cmd := exec.Command(goTool, "build", "-o", os.DevNull,
			"-gcflags=github.com/maybenot-go/maybenot/...=-S", ".", "./internal/libm", "./internal/ratewindow")
		cmd.Env = append(os.Environ(), "GOARCH="+tt.goarch, "GOAMD64="+tt.goamd64, "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("GOARCH=%s: %v\n%s", tt.goarch, err, out)
		}
		instructions, window := 0, 0
		for _, l := range strings.Split(string(out), "\n") {
			m := line.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			if !own(m[1]) {
				continue
			}
			instructions++
			if path.Base(filepath.ToSlash(m[1])) == "ratewindow.go" {
				window++
			}
			if fused.MatchString(m[3]) {
				t.Errorf("GOARCH=%s GOAMD64=%s: %s at %s:%s", tt.goarch, tt.goamd64, m[3], m[1], m[2])
			}
		}
		if instructions == 0 || window == 0 {
			t.Errorf("GOARCH=%s: %d instructions of the package in the listing, %d of ratewindow.go", tt.goarch, instructions, window)
		}
	}
}
