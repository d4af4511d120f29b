package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot/sim"
)

func TestSimulate(t *testing.T) {
	runCases(t, []cliCase{
		{name: "simulate_default", args: []string{"simulate"}, code: exitOK},
		{name: "simulate_seed_quiet", args: []string{"simulate", "-seed", "7", "-quiet"}, code: exitOK},
		{name: "simulate_fracs", args: []string{"simulate", "--max-padding-frac-client", "0.1", "--max-blocking-frac-client", "0.02", "-quiet"}, code: exitOK},
		{name: "simulate_files", args: []string{"simulate", "-client", "testdata/sim_machines.txt", "-trace", "testdata/trace.log", "-out", "$OUT"}, code: exitOK},
		{name: "simulate_server", args: []string{"simulate", "-server", "testdata/sim_machines.txt", "-trace", "testdata/trace.log", "-quiet"}, code: exitOK},
		{name: "simulate_all_events", args: []string{"simulate", "-client", "testdata/sim_machines.txt", "-server", "testdata/sim_machines.txt", "-trace", "testdata/trace.log", "-only-network-activity=false"}, code: exitOK},
		{name: "simulate_integration", args: []string{"simulate", "-client-integration", `{"action_delay": 0.5, "reporting_delay": {"(0.1, 0.3)": 1}}`, "-server-integration", `{"trigger_delay": 0.05}`, "-quiet"}, code: exitOK},
		{name: "simulate_network", args: []string{"simulate", "-delay", "25ms", "-pps", "200", "-quiet"}, code: exitOK},
		{name: "simulate_out_stdout", args: []string{"simulate", "-trace", "testdata/trace.log", "-out", "-"}, code: exitOK},
		{name: "simulate_trace_stdin", args: []string{"simulate", "-trace", "-", "-quiet"}, stdin: "trace.log", code: exitOK},
		{name: "simulate_machines_stdin", args: []string{"simulate", "-client", "-", "-trace", "testdata/trace.log", "-quiet"}, stdin: "machines.txt", code: exitOK},
		{name: "simulate_stall", args: []string{"simulate", "-client", "testdata/stall.txt", "-max-iterations", "2000", "-quiet"}, code: exitOK},

		{name: "simulate_specs", args: []string{"simulate", "-client-spec", "front 1700 1 14 100", "-client-spec", "break_pad_client", "-server-spec", `{"BreakPadServer":null}`, "-quiet"}, code: exitOK},
		{name: "simulate_specs_and_file", args: []string{"simulate", "-client", "testdata/sim_machines.txt", "-client-spec", "interspace_client", "-seed", "4", "-trace", "testdata/trace.log", "-quiet"}, code: exitOK},

		{name: "simulate_bad_trace", args: []string{"simulate", "-trace", "testdata/bad_trace.log"}, code: exitError},
		{name: "simulate_bad_machines", args: []string{"simulate", "-client", "testdata/invalid_line2.txt"}, code: exitError},
		{name: "simulate_missing_trace", args: []string{"simulate", "-trace", "testdata/no-such-trace.log"}, code: exitError},
		{name: "simulate_out_unwritable", args: []string{"simulate", "-out", "testdata/no-such-dir/out.log"}, code: exitError},
		{name: "simulate_missing_dataset", args: []string{"simulate", "-dataset", "testdata/no-such-dir", "-out", "$OUT"}, code: exitError},
		{name: "simulate_bad_frac", args: []string{"simulate", "-max-padding-frac-server", "1.5"}, code: exitUsage},
		{name: "simulate_bad_seed", args: []string{"simulate", "-seed", "-1"}, code: exitUsage},
		{name: "simulate_bad_delay", args: []string{"simulate", "-delay", "-1ms"}, code: exitUsage},
		{name: "simulate_bad_integration", args: []string{"simulate", "-client-integration", `{"action_delay": {"(2, 1)": 1}}`}, code: exitUsage},
		{name: "simulate_unknown_integration", args: []string{"simulate", "-server-integration", `{"delay": 1}`}, code: exitUsage},
		{name: "simulate_both_stdin", args: []string{"simulate", "-client", "-", "-trace", "-"}, code: exitUsage},
		{name: "simulate_dataset_no_out", args: []string{"simulate", "-dataset", "testdata"}, code: exitUsage},
		{name: "simulate_dataset_and_trace", args: []string{"simulate", "-dataset", "testdata", "-trace", "testdata/trace.log", "-out", "x"}, code: exitUsage},
		{name: "simulate_bad_spec", args: []string{"simulate", "-client-spec", "front 1 1 14 100"}, code: exitError},
		{name: "simulate_unknown_spec", args: []string{"simulate", "-server-spec", "nosuch"}, code: exitUsage},
		{name: "simulate_plot_dataset", args: []string{"simulate", "-dataset", "testdata", "-out", "x", "-plot", "x.png"}, code: exitUsage},
		{name: "simulate_plot_format", args: []string{"simulate", "-plot", "x.jpg"}, code: exitUsage},
		{name: "simulate_argument", args: []string{"simulate", "trace.log"}, code: exitUsage},
		{name: "simulate_help", args: []string{"simulate", "-h"}, code: exitOK},
	})
}

// TestSimulateReproducible checks that runs with the same flags write
// byte-identical output, to stdout and to -out.
func TestSimulateReproducible(t *testing.T) {
	dir := t.TempDir()
	var stdouts, traces [2]string
	for i := range 2 {
		out := filepath.Join(dir, "out"+string(rune('a'+i)))
		code, stdout, stderr := runCLI(t, "", "simulate", "-seed", "3", "-client-integration", `{"action_delay": {"(0, 1)": 1}}`, "-out", out)
		if code != exitOK {
			t.Fatalf("exit status %d: %s", code, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		stdouts[i], traces[i] = stdout, string(b)
	}
	if stdouts[0] != stdouts[1] || traces[0] != traces[1] {
		t.Error("two runs with the same seed wrote different output")
	}
	if traces[0] == "" {
		t.Error("empty defended trace")
	}
}

// TestSimulateQuietLine keeps the line that CI looks for.
func TestSimulateQuietLine(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "simulate", "-quiet")
	if code != exitOK {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	found := false
	for _, line := range strings.Split(stdout, "\n") {
		found = found || strings.HasPrefix(line, "packets out:")
	}
	if !found {
		t.Errorf("no line starting with \"packets out:\" in\n%s", stdout)
	}
}

// TestSimulateDefaultFast checks that the built-in run stays quick.
func TestSimulateDefaultFast(t *testing.T) {
	start := time.Now()
	if code, _, stderr := runCLI(t, "", "simulate"); code != exitOK {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the built-in simulation took %v, want under a second", d)
	}
}

// TestSimulateReadsItsOutput checks that a defended trace reads back: as
// a trace for simulate, and packet for packet (padding lines skipped, as
// the reference does) for sim.ParseTrace.
func TestSimulateReadsItsOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "defended.log")
	if code, _, stderr := runCLI(t, "", "simulate", "-out", out); code != exitOK {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	normal := strings.Count(string(b), ",sn,") + strings.Count(string(b), ",rn,")
	tr, err := sim.ParseTrace(bytes.NewReader(b), sim.Network{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != normal || normal == 0 {
		t.Errorf("the defended trace reads back as %d packets, want %d", tr.Len(), normal)
	}
	if code, stdout, stderr := runCLI(t, "", "simulate", "-trace", out, "-quiet"); code != exitOK || !strings.Contains(stdout, "packets out:") {
		t.Errorf("simulating the defended trace: exit status %d, %s%s", code, stdout, stderr)
	}
}

// writeDataset makes a dataset: three good traces in nested directories,
// one bad one, and a hidden file that is not a trace.
func writeDataset(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	good, err := os.ReadFile("testdata/trace.log")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"a.log":            string(good),
		"sub/b.log":        pageLoad(),
		"sub/deeper/c.log": "0,s\n1000000,r\n2000000,s,1500\n",
		"sub/bad.log":      "0,s\n1000,sideways\n",
		".hidden":          "not a trace",
	}
	for name, text := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestSimulateDataset runs a dataset with a bad file among good ones: the
// bad one is reported by name, the others are written, the exit status
// says something failed, and the summary totals the good ones.
func TestSimulateDataset(t *testing.T) {
	dir := writeDataset(t)
	out := filepath.Join(t.TempDir(), "defended")
	code, stdout, stderr := runCLI(t, "", "simulate", "-dataset", dir, "-out", out, "-j", "2")
	if code != exitError {
		t.Errorf("exit status %d, want %d", code, exitError)
	}
	bad := filepath.FromSlash("sub/bad.log")
	wantErr := "maybenot: " + bad + ": invalid trace: line 2: direction \"sideways\" is none of s, sn, r, rn, sp and rp\nmaybenot: 1 of 4 traces failed\n"
	if stderr != wantErr {
		t.Errorf("stderr:\n%s\nwant\n%s", stderr, wantErr)
	}
	for _, name := range []string{"a.log", "sub/b.log", "sub/deeper/c.log"} {
		b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(name)))
		if err != nil {
			t.Error(err)
			continue
		}
		if _, err := sim.ParseTrace(bytes.NewReader(b), sim.Network{}, nil, nil); err != nil {
			t.Errorf("%s does not read back: %v", name, err)
		}
		if !strings.Contains(stdout, filepath.FromSlash(name)+" ") {
			t.Errorf("no row for %s in the summary:\n%s", name, stdout)
		}
	}
	for _, name := range []string{"sub/bad.log", ".hidden"} {
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(name))); err == nil {
			t.Errorf("%s was written", name)
		}
	}
	failedRow := false
	for _, line := range strings.Split(stdout, "\n") {
		failedRow = failedRow || strings.Join(strings.Fields(line), " ") == bad+" failed"
	}
	if !failedRow || !strings.Contains(stdout, "total (3 traces)") {
		t.Errorf("summary:\n%s", stdout)
	}
}

// TestSimulateDatasetJobs checks that the number of jobs changes nothing,
// and that each trace is simulated as simulate would simulate it alone
// with the trace's own seed.
func TestSimulateDatasetJobs(t *testing.T) {
	dir := writeDataset(t)
	os.Remove(filepath.Join(dir, "sub", "bad.log"))
	var outs [2]string
	var stdouts [2]string
	for i, jobs := range []string{"1", "4"} {
		outs[i] = filepath.Join(t.TempDir(), "out")
		code, stdout, stderr := runCLI(t, "", "simulate", "-dataset", dir, "-out", outs[i], "-j", jobs, "-quiet", "-seed", "9")
		if code != exitOK {
			t.Fatalf("-j %s: exit status %d: %s", jobs, code, stderr)
		}
		stdouts[i] = stdout
	}
	if stdouts[0] != stdouts[1] {
		t.Errorf("summaries differ:\n%s\n%s", stdouts[0], stdouts[1])
	}
	for _, name := range []string{"a.log", "sub/b.log", "sub/deeper/c.log"} {
		rel := filepath.FromSlash(name)
		a, err := os.ReadFile(filepath.Join(outs[0], rel))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(outs[1], rel))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between -j 1 and -j 4", name)
		}
		alone := filepath.Join(t.TempDir(), "alone.log")
		seed := strconv.FormatUint(traceSeed(9, rel), 10)
		if code, _, stderr := runCLI(t, "", "simulate", "-trace", filepath.Join(dir, rel), "-seed", seed, "-out", alone); code != exitOK {
			t.Fatalf("alone: %s", stderr)
		}
		c, err := os.ReadFile(alone)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, c) {
			t.Errorf("%s differs from simulate -trace with its seed", name)
		}
	}
}

// TestSimulateDatasetOutInside checks that an -out directory inside the
// dataset is not taken for traces, and that -out cannot be the dataset.
func TestSimulateDatasetOutInside(t *testing.T) {
	dir := writeDataset(t)
	os.Remove(filepath.Join(dir, "sub", "bad.log"))
	out := filepath.Join(dir, "defended")
	for _, force := range []string{"-force=false", "-force"} {
		code, stdout, stderr := runCLI(t, "", "simulate", "-dataset", dir, "-out", out, force, "-quiet")
		if code != exitOK || !strings.Contains(stdout, "total (3 traces)") {
			t.Fatalf("exit status %d:\n%s%s", code, stdout, stderr)
		}
	}
	// Without -force, the defended traces of the runs before stay.
	code, _, stderr := runCLI(t, "", "simulate", "-dataset", dir, "-out", out, "-quiet")
	if code != exitError || strings.Count(stderr, "exists: use -force to overwrite it") != 3 {
		t.Errorf("again without -force: exit status %d, stderr:\n%s", code, stderr)
	}
	if code, _, _ := runCLI(t, "", "simulate", "-dataset", dir, "-out", dir); code != exitUsage {
		t.Errorf("-out the dataset: exit status %d, want %d", code, exitUsage)
	}
}

// simulateBytesPerPacket bounds what simulate allocates in all, per packet
// of the trace, with the built-in machines (a 64 MiB trace of 3.3 million
// real packets takes 640 bytes per packet, and peaks at 0.9 GB resident).
const simulateBytesPerPacket = 1024

// TestSimulateMemory checks that simulate streams the trace and keeps to
// simulateBytesPerPacket.
func TestSimulateMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 100,000 packets")
	}
	var b strings.Builder
	page := strings.Split(strings.TrimSpace(pageLoad()), "\n")
	packets := 0
	for i := range 200 {
		for _, line := range page {
			ts, rest, _ := strings.Cut(line, ",")
			n, _ := strconv.ParseInt(ts, 10, 64)
			b.WriteString(strconv.FormatInt(n+int64(i)*int64(time.Second), 10) + "," + rest + "\n")
			packets++
		}
	}
	path := filepath.Join(t.TempDir(), "long.log")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	code, _, stderr := runCLI(t, "", "simulate", "-trace", path, "-quiet")
	runtime.ReadMemStats(&after)
	if code != exitOK {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	per := float64(after.TotalAlloc-before.TotalAlloc) / float64(packets)
	t.Logf("%.0f bytes allocated per packet", per)
	if per > simulateBytesPerPacket {
		t.Errorf("%.0f bytes allocated per packet, want at most %d", per, simulateBytesPerPacket)
	}
}
