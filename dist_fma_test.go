package maybenot

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestNoFusedMultiplyAdd cross-compiles the packages whose arithmetic must
// match the reference's (the package, internal/libm, internal/ratewindow,
// internal/rules, machines, sim and defense) for every GOARCH on which the
// Go compiler fuses a multiplication and an addition into one instruction,
// and fails if any of them contains such an instruction: it rounds once
// where the reference rounds twice, so a sample, a rate, a machine's
// parameters or a simulated delay would no longer be the reference's bit
// for bit. The one exception is a line that asks for a fused multiply-add
// by calling math.FMA (the exact product of machines' double-double
// arithmetic). It needs the go command and compiles the standard library
// for those targets once (tens of seconds), so it runs only when
// MAYBENOT_FMA_CHECK is set.
func TestNoFusedMultiplyAdd(t *testing.T) {
	if os.Getenv("MAYBENOT_FMA_CHECK") == "" {
		t.Skip("set MAYBENOT_FMA_CHECK=1 to look for fused multiply-adds on every GOARCH")
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
	dirs := []string{".", "./internal/libm", "./internal/ratewindow", "./machines", "./sim", "./defense", "./internal/rules"}
	// rel returns the path within the module of a file of the listing,
	// named by its directory or, with -trimpath, by the import path, and
	// whether it is in one of dirs.
	rel := func(file string) (string, bool) {
		file = filepath.ToSlash(file)
		for _, root := range []string{filepath.ToSlash(wd), "github.com/maybenot-go/maybenot"} {
			r, ok := strings.CutPrefix(file, root+"/")
			if !ok {
				continue
			}
			for _, d := range dirs {
				if path.Dir(r) == path.Clean(d) {
					return r, true
				}
			}
		}
		return "", false
	}
	// explicit holds "file.go:line" for the lines of dirs that call
	// math.FMA.
	explicit := map[string]bool{}
	for _, d := range dirs {
		files, err := filepath.Glob(filepath.Join(d, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for i, l := range strings.Split(string(src), "\n") {
				if strings.Contains(l, "math.FMA(") {
					explicit[path.Join(d, filepath.Base(f))+":"+strconv.Itoa(i+1)] = true
				}
			}
		}
	}
	targets := []struct{ goarch, goamd64 string }{
		{"arm64", ""}, {"ppc64le", ""}, {"s390x", ""}, {"riscv64", ""}, {"loong64", ""}, {"amd64", "v3"},
	}
	for _, tt := range targets {
		args := append([]string{"build", "-o", os.DevNull, "-gcflags=github.com/maybenot-go/maybenot/...=-S"}, dirs...)
		cmd := exec.Command(goTool, args...)
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
			file, ok := rel(m[1])
			if !ok {
				continue
			}
			instructions++
			if path.Base(file) == "ratewindow.go" {
				window++
			}
			if fused.MatchString(m[3]) && !explicit[file+":"+m[2]] {
				t.Errorf("GOARCH=%s GOAMD64=%s: %s at %s:%s", tt.goarch, tt.goamd64, m[3], m[1], m[2])
			}
		}
		if instructions == 0 || window == 0 {
			t.Errorf("GOARCH=%s: %d instructions of the package in the listing, %d of ratewindow.go", tt.goarch, instructions, window)
		}
	}
}
