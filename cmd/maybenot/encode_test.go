package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/maybenot-go/maybenot"
)

// oversizeStates is how many states make the largest test machine: valid
// (at most StateMax), but with an encoding over the 1 MiB a machine string
// may inflate to.
const oversizeStates = 50_000

// TestEncodeRefusesOversize checks that encode refuses a valid machine
// whose string no parser would read back, alone and among others, naming
// it; Serialize would have printed that string.
func TestEncodeRefusesOversize(t *testing.T) {
	big := maybenot.Machine{States: make([]maybenot.State, oversizeStates)}
	for i := range big.States {
		big.States[i].Transitions[maybenot.NormalSent] = []maybenot.Trans{{State: uint32(i+1) % oversizeStates, Probability: 1}}
	}
	if err := big.Validate(); err != nil {
		t.Fatal(err)
	}
	doc, err := json.Marshal(big)
	if err != nil {
		t.Fatal(err)
	}
	const why = "invalid machine: the machine's encoding takes 1199519 bytes, more than the 1048576 a machine string may inflate to\n"
	for _, tc := range []struct {
		name, input, want string
	}{
		{"alone", string(doc), why},
		{"second of three", "[" + noopJSON + "," + string(doc) + "," + noopJSON + "]", "machine 2 of the input: " + why},
	} {
		code, stdout, stderr := runCLI(t, tc.input, "encode")
		if code != exitError || stdout != "" || stderr != "maybenot: "+tc.want {
			t.Errorf("%s: exit status %d, stdout %q, stderr %q; want %d, nothing and %q", tc.name, code, stdout, stderr, exitError, "maybenot: "+tc.want)
		}
	}
	if s := big.Serialize(); !strings.HasPrefix(s, "02") {
		t.Errorf("Serialize gives %.20q", s)
	}
}

// noopJSON is the JSON form of the no-op machine.
const noopJSON = `{"allowed_padding_packets":0,"max_padding_frac":0.0,"allowed_blocked_microsec":0,"max_blocking_frac":0.0,` +
	`"states":[{"action":null,"counter":[null,null],"transitions":[null,null,null,null,null,null,null,null,null,null,null,null,null]}]}`
