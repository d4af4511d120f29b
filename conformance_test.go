package maybenot

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// conformanceDir holds the golden data produced by running the reference.
// It sits beside the repository; a fresh clone without it skips these tests.
const conformanceDir = "../shared/conformance"

// conformanceLines returns the lines of a conformance file, skipping the
// test with a clear message when the data is not there.
func conformanceLines(t testing.TB, name string) [][]byte {
	t.Helper()
	path := filepath.Join(conformanceDir, name)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skipf("conformance data %s not found (it lives beside the repository, in ../shared/conformance): skipping", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			lines = append(lines, bytes.Clone(line))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) == 0 {
		t.Fatalf("%s holds no cases", path)
	}
	return lines
}
