package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/maybenot-go/maybenot"
)

var inspectCmd = &command{
	name:    "inspect",
	args:    "[MACHINE|-]",
	summary: "validate machines and describe what they do",
	doc: `Inspect validates machines and describes each: its name, its padding and
blocking limits, and every state's action (with its distributions),
counters and transitions (with event names and probabilities).

The argument is a machine string. With "-" or no argument, machine strings
are read from standard input, one per line; blank lines are skipped and
each machine is described in turn, separated by a blank line. An invalid
machine is an error naming what is wrong (and the line, for several).

Examples:
  maybenot inspect 02eNpjYEAHjOgCAAA0AAI=
  maybenot inspect - < machines.txt
`,
	setup: func(*flag.FlagSet) func(*env, []string) error { return runInspect },
}

// runInspect prints the description of every machine in the input.
func runInspect(e *env, args []string) error {
	machines, err := machinesFromArg(e, args)
	if err != nil {
		return err
	}
	for i := range machines {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprint(e.stdout, machines[i].String())
	}
	return nil
}

// machinesFromArg parses the machine strings that the argument of inspect
// and json stands for (see argOrStdin): at least one machine.
func machinesFromArg(e *env, args []string) ([]maybenot.Machine, error) {
	text, fromArg, err := argOrStdin(e, args)
	if err != nil {
		return nil, err
	}
	if text = strings.TrimSpace(text); fromArg && !strings.Contains(text, "\n") {
		// One string: its errors need no line number.
		m, err := maybenot.ParseMachine(text)
		if err != nil {
			return nil, err
		}
		return []maybenot.Machine{*m}, nil
	}
	return parseMachines(text)
}

// parseMachines parses machine strings, one per line, and fails if there
// is none.
func parseMachines(text string) ([]maybenot.Machine, error) {
	machines, err := maybenot.ParseMachines(text)
	if err != nil {
		return nil, err
	}
	if len(machines) == 0 {
		return nil, errors.New("no machine in the input")
	}
	return machines, nil
}
