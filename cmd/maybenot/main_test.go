package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/maybenot-go/maybenot"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// The no-op machine, as the reference serializes it.
const noop = "02eNpjYEAHjOgCAAA0AAI="

// invalidRule is the machine string of a machine breaking one validation
// rule: its only state has a transition to state 1.
const invalidRule = "02eNpiwACMjAxMDAwMDAyMjIwMDA32DDAAGAAIqwDH"

// runCLI runs the command in-process with args and stdin, and returns its
// exit status and output.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// checkGolden compares got with the golden file testdata/golden/name, or
// rewrites the file with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test -update to accept it):\n--- got ---\n%s--- want ---\n%s", path, got, want)
	}
}

// cliCase is one run of the command, checked against a golden file that
// holds the command line, the exit status, stdout and stderr. An argument
// "$OUT" stands for a file in a temporary directory; what the command
// writes there is checked against the golden file name.trace.
type cliCase struct {
	name  string // of the golden file, without .golden
	args  []string
	stdin string // a file under testdata to feed to stdin, or ""
	code  int
}

func (c cliCase) run(t *testing.T) {
	t.Helper()
	var stdin string
	if c.stdin != "" {
		b, err := os.ReadFile(filepath.Join("testdata", c.stdin))
		if err != nil {
			t.Fatal(err)
		}
		stdin = string(b)
	}
	out := filepath.Join(t.TempDir(), "out")
	args := slices.Clone(c.args)
	usesOut := false
	for i, a := range args {
		if a == "$OUT" {
			args[i], usesOut = out, true
		}
	}
	code, stdout, stderr := runCLI(t, stdin, args...)
	if usesOut && code == exitOK {
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		checkGolden(t, c.name+".trace", string(b))
	}
	if code != c.code {
		t.Errorf("exit status %d, want %d; stderr:\n%s", code, c.code, stderr)
	}
	if code != exitOK && stdout != "" {
		t.Errorf("exit status %d with output on stdout:\n%s", code, stdout)
	}
	if code == exitOK && stderr != "" {
		t.Errorf("exit status 0 with output on stderr:\n%s", stderr)
	}
	if code == exitError && strings.Count(stderr, "\n") != 1 {
		t.Errorf("error message is not one line:\n%s", stderr)
	}
	var b strings.Builder
	b.WriteString("$ maybenot")
	for _, a := range c.args {
		if strings.ContainsAny(a, " \n") {
			a = strconv.Quote(a)
		}
		b.WriteString(" " + a)
	}
	if c.stdin != "" {
		b.WriteString(" < testdata/" + c.stdin)
	}
	b.WriteString("\nexit status " + strconv.Itoa(code) + "\n")
	b.WriteString("-- stdout --\n" + stdout)
	b.WriteString("-- stderr --\n" + stderr)
	checkGolden(t, c.name+".golden", b.String())
}

func runCases(t *testing.T, cases []cliCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, c.run)
	}
}

func TestUsage(t *testing.T) {
	runCases(t, []cliCase{
		{name: "usage_none", args: nil, code: exitUsage},
		{name: "usage_help", args: []string{"-h"}, code: exitOK},
		{name: "usage_help_command", args: []string{"help", "inspect"}, code: exitOK},
		{name: "usage_help_unknown", args: []string{"help", "frobnicate"}, code: exitUsage},
		{name: "usage_unknown_command", args: []string{"frobnicate"}, code: exitUsage},
		{name: "usage_flag_before_command", args: []string{"-v", "inspect"}, code: exitUsage},
		{name: "usage_unknown_flag", args: []string{"inspect", "-x", noop}, code: exitUsage},
		{name: "usage_too_many_args", args: []string{"json", noop, noop}, code: exitUsage},
	})
}

// TestHelpEveryCommand checks that -h and -help work on every command, print
// an example, and exit 0.
func TestHelpEveryCommand(t *testing.T) {
	for _, c := range commands {
		for _, h := range []string{"-h", "-help", "--help"} {
			code, stdout, stderr := runCLI(t, "", c.name, h)
			if code != exitOK || stderr != "" {
				t.Errorf("%s %s: exit status %d, stderr %q", c.name, h, code, stderr)
			}
			if !strings.HasPrefix(stdout, "Usage: maybenot "+c.name) || !strings.Contains(stdout, "Example") {
				t.Errorf("%s %s: stdout lacks the usage line or an example:\n%s", c.name, h, stdout)
			}
		}
	}
}

func TestInspect(t *testing.T) {
	runCases(t, []cliCase{
		{name: "inspect_noop", args: []string{"inspect", noop}, code: exitOK},
		{name: "inspect_stdin", args: []string{"inspect", "-"}, stdin: "machines.txt", code: exitOK},
		{name: "inspect_stdin_no_arg", args: []string{"inspect"}, stdin: "machines.txt", code: exitOK},
		{name: "inspect_lines_in_arg", args: []string{"inspect", noop + "\n" + invalidRule + "\n"}, code: exitError},
		{name: "inspect_non_ascii", args: []string{"inspect", "02eNpjYEAHjOgCAAA0AAI=é"}, code: exitError},
		{name: "inspect_bad_base64", args: []string{"inspect", "02eNpjYEAH!OgCAAA0AAI="}, code: exitError},
		{name: "inspect_bad_version", args: []string{"inspect", "01eNpjYEAHjOgCAAA0AAI="}, code: exitError},
		{name: "inspect_invalid_rule", args: []string{"inspect", invalidRule}, code: exitError},
		{name: "inspect_invalid_line2", args: []string{"inspect", "-"}, stdin: "invalid_line2.txt", code: exitError},
		{name: "inspect_empty", args: []string{"inspect", "-"}, code: exitError},
	})
}

func TestJSON(t *testing.T) {
	runCases(t, []cliCase{
		{name: "json_noop", args: []string{"json", noop}, code: exitOK},
		{name: "json_stdin", args: []string{"json", "-"}, stdin: "machines.txt", code: exitOK},
		{name: "json_bad_base64", args: []string{"json", "02!"}, code: exitError},
		{name: "json_invalid_rule", args: []string{"json", invalidRule}, code: exitError},
	})
}

func TestEncode(t *testing.T) {
	runCases(t, []cliCase{
		{name: "encode_file", args: []string{"encode", "testdata/machine.json"}, code: exitOK},
		{name: "encode_stream", args: []string{"encode", "-"}, stdin: "stream.json", code: exitOK},
		{name: "encode_syntax", args: []string{"encode", "testdata/bad_syntax.json"}, code: exitError},
		{name: "encode_unknown_field", args: []string{"encode", "testdata/unknown_field.json"}, code: exitError},
		{name: "encode_invalid_rule", args: []string{"encode", "testdata/bad_rule.json"}, code: exitError},
		{name: "encode_truncated", args: []string{"encode"}, stdin: "truncated.json", code: exitError},
		{name: "encode_missing_file", args: []string{"encode", "testdata/no-such-file.json"}, code: exitError},
		{name: "encode_empty", args: []string{"encode", "-"}, code: exitError},
		{name: "encode_machine_strings", args: []string{"encode", "testdata/machines.txt"}, code: exitError},
	})
}

// TestRoundTrip checks that what json prints, encode turns back into
// machine strings of the same machines.
func TestRoundTrip(t *testing.T) {
	input, err := os.ReadFile(filepath.Join("testdata", "machines.txt"))
	if err != nil {
		t.Fatal(err)
	}
	code, js, stderr := runCLI(t, string(input), "json")
	if code != exitOK {
		t.Fatalf("json: exit status %d: %s", code, stderr)
	}
	code, strs, stderr := runCLI(t, js, "encode")
	if code != exitOK {
		t.Fatalf("encode: exit status %d: %s", code, stderr)
	}
	want, err := parseMachines(string(input), defaultBudget)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseMachines(strs, defaultBudget)
	if err != nil {
		t.Fatalf("encode printed %q: %v", strs, err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d machines back, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("machine %d came back as\n%s\nwant\n%s", i, got[i].String(), want[i].String())
		}
	}
}

func TestErrorLine(t *testing.T) {
	for _, tt := range []struct{ err, want string }{
		{"line 2: maybenot: invalid machine: x\ny", "line 2: invalid machine: x y"},
		{"defense: maybenot: max padding fraction must be in [0, 1]: got 2", "max padding fraction must be in [0, 1]: got 2"},
		// Only the library's own texts lose the package name.
		{`json: unknown field "maybenot: x"`, `json: unknown field "maybenot: x"`},
	} {
		if got := errorLine(errors.New(tt.err)); got != tt.want {
			t.Errorf("errorLine(%q) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestPosition(t *testing.T) {
	data := []byte("{\n  \"a\": x\n}")
	for _, tc := range []struct {
		offset    int64
		line, col int
	}{
		{1, 1, 1},
		{10, 2, 8}, // the x, the last byte the decoder read
		{0, 1, 1},
		{100, 3, 2}, // past the end

	} {
		line, col := position(data, tc.offset)
		if line != tc.line || col != tc.col {
			t.Errorf("position(%d) = %d:%d, want %d:%d", tc.offset, line, col, tc.line, tc.col)
		}
	}
}

func TestNoInputOnTerminal(t *testing.T) {
	defer func(f func(io.Reader) bool) { isTerminal = f }(isTerminal)
	isTerminal = func(io.Reader) bool { return true }
	for _, cmd := range []string{"inspect", "json"} {
		code, stdout, stderr := runCLI(t, noop+"\n", cmd)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, "no input") || !strings.Contains(stderr, "Usage: maybenot "+cmd) {
			t.Errorf("%s with no argument on a terminal: exit %d, stdout %q, stderr %q; want the usage", cmd, code, stdout, stderr)
		}
		// "-" asks for standard input, terminal or not.
		if code, _, stderr := runCLI(t, noop+"\n", cmd, "-"); code != exitOK {
			t.Errorf("%s - on a terminal: exit %d, stderr %q", cmd, code, stderr)
		}
	}
}

func TestMachinesBudget(t *testing.T) {
	// A machine of 10,000 states takes more than 1 MiB of memory once
	// parsed (a State alone is over 100 bytes on every GOARCH), so
	// -machines-budget 1 refuses it, and the default takes it.
	states := make([]maybenot.State, 10000)
	m, err := maybenot.NewMachine(0, 0, 0, 0, states)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "big.txt")
	if err := os.WriteFile(file, []byte(m.Serialize()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"inspect", "-machines-budget", "1", "-"},
		{"json", "-machines-budget", "1", "-"},
		{"simulate", "-machines-budget", "1", "-client", file, "-quiet"},
		{"plot", "-machines-budget", "1", "-force", "-client", file, filepath.Join(t.TempDir(), "p.png")},
	} {
		code, _, stderr := runCLI(t, m.Serialize()+"\n", args...)
		if code != exitError || !strings.Contains(stderr, "machines exceed the memory budget") || strings.Count(stderr, "maybenot:") != 1 {
			t.Errorf("%v: exit status %d, stderr %q; want the budget refused, said once", args, code, stderr)
		}
		args = slices.Delete(slices.Clone(args), 1, 3) // without -machines-budget 1
		if code, _, stderr := runCLI(t, m.Serialize()+"\n", args...); code != exitOK {
			t.Errorf("%v: exit status %d, stderr %q", args, code, stderr)
		}
	}
	for _, v := range []string{"0", "1025", "x", "-3"} {
		if code, _, _ := runCLI(t, "", "inspect", "-machines-budget", v, noop); code != exitUsage {
			t.Errorf("-machines-budget %s: exit status %d, want %d", v, code, exitUsage)
		}
	}
}
