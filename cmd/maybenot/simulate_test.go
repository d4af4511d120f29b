package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSimulate(t *testing.T) {
	runCases(t, []cliCase{
		{name: "simulate_default", args: []string{"simulate"}, code: exitOK},
		{name: "simulate_seed_quiet", args: []string{"simulate", "-seed", "7", "-quiet"}, code: exitOK},
		{name: "simulate_fracs", args: []string{"simulate", "--max-padding-frac", "0.1", "--max-blocking-frac", "0.02", "-quiet"}, code: exitOK},
		{name: "simulate_files", args: []string{"simulate", "-machines", "testdata/sim_machines.txt", "-trace", "testdata/trace.log", "-out", "$OUT"}, code: exitOK},
		{name: "simulate_out_stdout", args: []string{"simulate", "-trace", "testdata/trace.log", "-out", "-"}, code: exitOK},
		{name: "simulate_trace_stdin", args: []string{"simulate", "-trace", "-", "-quiet"}, stdin: "trace.log", code: exitOK},
		{name: "simulate_machines_stdin", args: []string{"simulate", "-machines", "-", "-trace", "testdata/trace.log", "-quiet"}, stdin: "machines.txt", code: exitOK},

		{name: "simulate_bad_trace", args: []string{"simulate", "-trace", "testdata/bad_trace.log"}, code: exitError},
		{name: "simulate_bad_machines", args: []string{"simulate", "-machines", "testdata/invalid_line2.txt"}, code: exitError},
		{name: "simulate_missing_trace", args: []string{"simulate", "-trace", "testdata/no-such-trace.log"}, code: exitError},
		{name: "simulate_stall", args: []string{"simulate", "-machines", "testdata/stall.txt"}, code: exitError},
		{name: "simulate_out_unwritable", args: []string{"simulate", "-out", "testdata/no-such-dir/out.log"}, code: exitError},
		{name: "simulate_bad_frac", args: []string{"simulate", "-max-padding-frac", "1.5"}, code: exitUsage},
		{name: "simulate_bad_seed", args: []string{"simulate", "-seed", "-1"}, code: exitUsage},
		{name: "simulate_both_stdin", args: []string{"simulate", "-machines", "-", "-trace", "-"}, code: exitUsage},
		{name: "simulate_argument", args: []string{"simulate", "trace.log"}, code: exitUsage},
		{name: "simulate_tail_too_long", args: []string{"simulate", "-tail", "1000000h"}, code: exitUsage},
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
		code, stdout, stderr := runCLI(t, "", "simulate", "-seed", "3", "-out", out)
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
