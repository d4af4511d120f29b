package main

import (
	"encoding/json"
	"flag"

	"github.com/maybenot-go/maybenot"
)

var jsonCmd = &command{
	name:    "json",
	args:    "[MACHINE|-]",
	summary: "print machines in their JSON form",
	doc: `Json validates machines and prints each in its JSON form: the form the
reference implementation's serde gives its types, indented. Edit it and
turn it back into a machine string with "maybenot encode".

The argument is a machine string. With "-" or no argument, machine strings
are read from standard input, one per line. Each machine is printed as one
JSON document, in the order of the input: a single machine gives a single
JSON object, several give a stream of objects, one after the other.

Examples:
  maybenot json 02eNpjYEAHjOgCAAA0AAI=
  maybenot json - < machines.txt > machines.json
`,
	setup: func(fs *flag.FlagSet) func(*env, []string) error {
		budget := defineBudget(fs)
		return func(e *env, args []string) error { return runJSON(e, args, *budget) }
	},
}

// runJSON prints every machine in the input as an indented JSON document.
func runJSON(e *env, args []string, budget machinesBudget) error {
	machines, err := machinesFromArg(e, args, budget)
	if err != nil {
		return err
	}
	for i := range machines {
		b, err := marshalMachine(&machines[i])
		if err != nil {
			return err
		}
		if _, err := e.stdout.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// marshalMachine returns the indented JSON form of m, ending in a newline.
func marshalMachine(m *maybenot.Machine) ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
