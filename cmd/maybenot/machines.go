package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/maybenot-go/maybenot/internal/splitmix"
	"github.com/maybenot-go/maybenot/machines"
)

var machinesCmd = &command{
	name:    "machines",
	args:    "[-seed N] [-json] SPEC... | -list",
	summary: "build the machines of known defenses (FRONT, RegulaTor, ...)",
	doc: `Machines builds the machines of known defenses and prints their machine
strings, one per line: all the machines of each SPEC, in order. A defense
needs all the machines of its side together.

A SPEC names a defense and its parameters, separated by spaces, in the
reference implementation's form, such as "front 1700 1 14 5" (quote it in
the shell); -list prints every form with what its parameters mean. A SPEC
starting with '{' or '"' is read in the JSON form of the reference's
configuration files, such as '{"Tamaraw":{"p":0.04,"stop_window":3000000.0}}'.

FRONT and Interspace draw their machines at random, a different defense
each time, as real traffic needs. With -seed they draw from SplitMix64
seeded with N, so the same seed gives the same machines: those the
reference implementation's library builds from the same source.

Examples:
  maybenot machines -list
  maybenot machines "tamaraw 0.04 3000000"
  maybenot machines -seed 7 "front 1700 1 14 5" interspace_client
  maybenot machines -json netflow
`,
	setup: setupMachines,
}

// machinesFlags are the flags of machines.
type machinesFlags struct {
	seed       uint64
	seeded     bool
	json, list bool
}

func setupMachines(fs *flag.FlagSet) func(*env, []string) error {
	f := &machinesFlags{}
	fs.Func("seed", "draw the random defenses from SplitMix64 seeded with `N`\n(default: a fresh random source)", func(s string) error {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return fmt.Errorf("want an integer from 0 to 18446744073709551615")
		}
		f.seed, f.seeded = n, true
		return nil
	})
	fs.BoolVar(&f.json, "json", false, "print each machine in its JSON form (as \"maybenot json\") instead")
	fs.BoolVar(&f.list, "list", false, "list the SPEC forms and their parameters")
	return func(e *env, args []string) error { return runMachines(e, f, args) }
}

// runMachines prints the machines of the specs in args, or the list of
// specs.
func runMachines(e *env, f *machinesFlags, args []string) error {
	if f.list {
		if len(args) > 0 || f.json || f.seeded {
			return usageError{"-list takes no other flags or arguments"}
		}
		_, err := fmt.Fprint(e.stdout, specList())
		return err
	}
	if len(args) == 0 {
		return usageError{"want at least one SPEC (-list lists them)"}
	}
	specs := make([]machines.Spec, len(args))
	for i, a := range args {
		s, err := parseSpecArg(a)
		if err != nil {
			return err
		}
		specs[i] = s
	}
	var rng rand.Source // nil: a fresh random source
	if f.seeded {
		rng = splitmix.New(f.seed)
	}
	ms, err := machines.Build(specs, rng)
	if err != nil {
		return err
	}
	var out strings.Builder
	for i := range ms {
		if f.json {
			b, err := marshalMachine(&ms[i])
			if err != nil {
				return err
			}
			out.Write(b)
			continue
		}
		out.WriteString(ms[i].Serialize() + "\n")
	}
	_, err = fmt.Fprint(e.stdout, out.String())
	return err
}

// parseSpecArg parses a SPEC argument, in its string or (starting with '{'
// or '"') its JSON form.
func parseSpecArg(a string) (machines.Spec, error) {
	if t := strings.TrimSpace(a); strings.HasPrefix(t, "{") || strings.HasPrefix(t, `"`) {
		var s machines.Spec
		err := s.UnmarshalJSON([]byte(t))
		return s, err
	}
	return machines.ParseSpec(a)
}

// specHelp says what each defense is and what its parameters mean, by the
// first word of its form.
var specHelp = map[string]string{
	"noop":              "a machine that does nothing",
	"netflow":           "padding after 1.5 to 9.5 s without a packet sent, to keep NetFlow\nrecords coarse (Tor's connection-level padding)",
	"break_pad_client":  "Break-Pad (Huang and Du, 2024), client: padding bursts that break up\nbursts of packets received",
	"break_pad_server":  "Break-Pad, server",
	"interspace_client": "Interspace (Pulls, 2020), client: a randomized padding machine",
	"interspace_server": "Interspace, server: a randomized padding machine",
	"front": "FRONT (Gong and Wang, 2020): padding at Rayleigh-distributed times,\n" +
		"never delaying a packet. The budget is drawn from\n" +
		"[1, padding_budget_max) padding packets (at least 2) and the window\n" +
		"from [window_min, window_max), in microseconds (the padding spreads\n" +
		"over about 4 windows); num_states padding states, 1 to 4231.",
	"tamaraw": "Tamaraw (Cai et al., 2014), both sides: a packet every p seconds while\n" +
		"blocking; stops stop_window microseconds after the last normal packet.",
	"regulator_client": "RegulaTor (Holland and Hopper, 2022), client: a packet for every u\n" +
		"packets received (u >= 0); queued packets wait at most c seconds.\n" +
		"3 machines.",
	"regulator_server": "RegulaTor, server: packets at a rate from r per second, decaying by d\n" +
		"(0 < d < 1) per second, never below 1; a surge back to r when more\n" +
		"than t times the rate are queued; a padding budget of up to n\n" +
		"packets (n >= 1); b bins approximate the decay (0 to 33332). 7\n" +
		"machines.",
	"scrambler_client": "Scrambler (Hasselquist et al., 2024), client: a packet every 4 ms",
	"scrambler_server": "Scrambler, server: a packet every interval microseconds, at least\n" +
		"min_count per segment, then a trail of min_trail to max_trail packets.\n" +
		"2 machines.",
}

// specList lists the spec forms, each with its help indented below it.
func specList() string {
	var b strings.Builder
	for _, form := range machines.SpecForms() {
		b.WriteString(form + "\n")
		word, _, _ := strings.Cut(form, " ")
		for _, line := range strings.Split(specHelp[word], "\n") {
			b.WriteString("    " + line + "\n")
		}
	}
	return b.String()
}
