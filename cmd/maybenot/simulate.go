package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/maybenot-go/maybenot"
)

var simulateCmd = &command{
	name:    "simulate",
	args:    "[flags]",
	summary: "run machines over a packet trace and show the defended traffic",
	doc: `Simulate runs machines over a packet trace on a virtual clock, playing the
side of the connection that runs them (the client), and prints the defended
trace and a summary: packets in and out, the padding overhead, and the
delay that blocking added. The same flags always give the same output.

The trace has one line per packet: "time_ns,s" for a packet sent and
"time_ns,r" for one received, with times in nanoseconds that never
decrease, optionally followed by ",size" (ignored); blank lines and lines
starting with "#" are skipped. Each sent packet is queued at its time and
written at once, unless the machines block outgoing traffic: then it
waits, and is written when the blocking ends. Padding is sent as the
machines ask, held back by blocking unless it may bypass it, and may be
replaced by a packet held back if the machine allows. After the last
packet the simulation goes on for -tail (or until nothing is left to
happen), and then until no packet is held back.

The defended trace goes to standard output as a table (times in
milliseconds), followed by the summary; -quiet prints the summary alone.
With -out FILE it is also written to FILE in the format of the reference
implementation's tools, one "time_ns,sn|sp|rn|rp,514" line per packet
(sent or received, normal or padding); with -out - it goes to standard
output in that format, alone.

` + defaultsDoc + `
Examples:
  maybenot simulate
  maybenot simulate -seed 7 -quiet
  maybenot simulate -machines machines.txt -trace page.log -out defended.log
`,
	setup: setupSimulate,
}

// simulateFlags are the flags of simulate.
type simulateFlags struct {
	machines, trace, out string
	seed                 uint64
	maxPaddingFrac       float64
	maxBlockingFrac      float64
	tail                 time.Duration
	maxSteps             int
	quiet                bool
}

// setupSimulate defines the flags of simulate on fs.
func setupSimulate(fs *flag.FlagSet) func(*env, []string) error {
	f := &simulateFlags{}
	fs.StringVar(&f.machines, "machines", "", "read machine strings, one per line, from `FILE` (- for standard input)\ninstead of using the built-in machines")
	fs.StringVar(&f.trace, "trace", "", "read the trace from `FILE` (- for standard input)\ninstead of using the built-in page load")
	fs.StringVar(&f.out, "out", "", "write the defended trace to `FILE` (- for standard output alone)")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the machines' random numbers")
	fs.Float64Var(&f.maxPaddingFrac, "max-padding-frac", 0, "cap padding at this `fraction` of the packets sent, for all machines\ntogether (0 to 1; 0: no cap beyond the machines' own)")
	fs.Float64Var(&f.maxBlockingFrac, "max-blocking-frac", 0, "cap blocking at this `fraction` of the time, for all machines\ntogether (0 to 1; 0: no cap beyond the machines' own)")
	fs.DurationVar(&f.tail, "tail", time.Second, "how long to go on after the last packet of the trace")
	fs.IntVar(&f.maxSteps, "max-steps", 1_000_000, "stop with an error after this many timer firings, in case the\nmachines never stop acting")
	fs.BoolVar(&f.quiet, "quiet", false, "print the summary only, not the table of packets")
	return func(e *env, args []string) error { return runSimulate(e, f, args) }
}

// check reports flags that make no sense together or are out of range.
func (f *simulateFlags) check(args []string) error {
	switch {
	case len(args) > 0:
		return usageError{fmt.Sprintf("unexpected argument %q: simulate takes flags only", args[0])}
	case f.machines == "-" && f.trace == "-":
		return usageError{"-machines and -trace cannot both read standard input"}
	case !(f.maxPaddingFrac >= 0 && f.maxPaddingFrac <= 1):
		return usageError{fmt.Sprintf("-max-padding-frac %v is not in [0, 1]", f.maxPaddingFrac)}
	case !(f.maxBlockingFrac >= 0 && f.maxBlockingFrac <= 1):
		return usageError{fmt.Sprintf("-max-blocking-frac %v is not in [0, 1]", f.maxBlockingFrac)}
	case f.tail < 0 || f.tail > maxTail:
		return usageError{fmt.Sprintf("-tail %v is not between 0 and %v", f.tail, maxTail)}
	case f.maxSteps <= 0:
		return usageError{fmt.Sprintf("-max-steps %d is not positive", f.maxSteps)}
	}
	return nil
}

// maxTail bounds -tail, so that the end of a simulation, the last packet's
// time (at most maxTraceTime) plus the tail, fits a time.Duration.
const maxTail = 100 * 365 * 24 * time.Hour

// runSimulate loads the machines and the trace, simulates, and writes the
// results.
func runSimulate(e *env, f *simulateFlags, args []string) error {
	if err := f.check(args); err != nil {
		return err
	}
	machines, err := loadMachines(e, f.machines)
	if err != nil {
		return err
	}
	trace, err := loadTrace(e, f.trace)
	if err != nil {
		return err
	}
	res, err := simulate(simConfig{
		machines:        machines,
		maxPaddingFrac:  f.maxPaddingFrac,
		maxBlockingFrac: f.maxBlockingFrac,
		seed:            f.seed,
		tail:            f.tail,
		maxSteps:        f.maxSteps,
	}, trace)
	if err != nil {
		return err
	}

	if f.out == "-" {
		return writeTrace(e.stdout, res.records)
	}
	if f.out != "" {
		var b bytes.Buffer
		if err := writeTrace(&b, res.records); err != nil {
			return err
		}
		if err := os.WriteFile(f.out, b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	var b bytes.Buffer
	if !f.quiet {
		if err := writeTable(&b, res.records); err != nil {
			return err
		}
		b.WriteString("\n")
	}
	if err := writeSummary(&b, summarize(res), machines, f.seed); err != nil {
		return err
	}
	_, err = e.stdout.Write(b.Bytes())
	return err
}

// loadMachines returns the machines in the file called name ("-" for
// standard input), or the built-in machines if name is empty.
func loadMachines(e *env, name string) ([]maybenot.Machine, error) {
	if name == "" {
		return defaultMachines(), nil
	}
	data, err := readFile(e, name)
	if err != nil {
		return nil, err
	}
	machines, err := parseMachines(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", displayName(name), err)
	}
	return machines, nil
}

// loadTrace returns the trace in the file called name ("-" for standard
// input), or the built-in page load if name is empty.
func loadTrace(e *env, name string) ([]tracePacket, error) {
	if name == "" {
		return pageLoad(), nil
	}
	data, err := readFile(e, name)
	if err != nil {
		return nil, err
	}
	trace, err := parseTrace(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", displayName(name), err)
	}
	return trace, nil
}

// displayName names the file called name in messages.
func displayName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}
