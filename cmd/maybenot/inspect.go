package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
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
	setup: func(fs *flag.FlagSet) func(*env, []string) error {
		budget := defineBudget(fs)
		return func(e *env, args []string) error { return runInspect(e, args, *budget) }
	},
}

// runInspect prints the description of every machine in the input.
func runInspect(e *env, args []string, budget machinesBudget) error {
	machines, err := machinesFromArg(e, args, budget)
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

// machinesBudget is the value of the -machines-budget flag: the memory, in
// MiB, that the machines read from one input may take.
type machinesBudget int

// defaultBudget is the default of -machines-budget: the library's.
// maxMachinesBudget bounds the flag.
const (
	defaultBudget     = machinesBudget(maybenot.DefaultMachinesBudget >> 20)
	maxMachinesBudget = 1 << 10
)

// defineBudget defines the -machines-budget flag on fs.
func defineBudget(fs *flag.FlagSet) *machinesBudget {
	b := defaultBudget
	fs.Var(&b, "machines-budget", fmt.Sprintf("let the machines of one input take up to `MiB` of memory (1 to %d)", maxMachinesBudget))
	return &b
}

func (b *machinesBudget) String() string { return strconv.Itoa(int(*b)) }

func (b *machinesBudget) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 || v > maxMachinesBudget {
		return fmt.Errorf("want a whole number of MiB from 1 to %d", maxMachinesBudget)
	}
	*b = machinesBudget(v)
	return nil
}

// bytes returns the budget in bytes.
func (b machinesBudget) bytes() int { return int(b) << 20 }

// machinesFromArg parses the machine strings that the argument of inspect
// and json stands for (see argOrStdin): at least one machine.
func machinesFromArg(e *env, args []string, budget machinesBudget) ([]maybenot.Machine, error) {
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
	return parseMachines(text, budget)
}

// parseMachines parses machine strings, one per line, within the memory
// budget, and fails if there is none.
func parseMachines(text string, budget machinesBudget) ([]maybenot.Machine, error) {
	machines, err := maybenot.ParseMachinesBudget(text, budget.bytes())
	if err != nil {
		return nil, err
	}
	if len(machines) == 0 {
		return nil, errors.New("no machine in the input")
	}
	return machines, nil
}
