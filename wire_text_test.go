package maybenot

import (
	"errors"
	"flag"
	"reflect"
	"strings"
	"testing"
)

// tooManyStates is a valid machine (StateMax states) whose encoding takes
// more than the 1 MiB a machine string may inflate to.
func tooManyStates() *Machine {
	m := emptyStates(StateMax)
	for i := range m.States {
		m.States[i].Transitions[NormalSent] = []Trans{{State: uint32(i+1) % StateMax, Probability: 1}}
	}
	return m
}

func TestMarshalText(t *testing.T) {
	m := testMachine()
	text, err := m.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	if string(text) != m.Serialize() {
		t.Errorf("MarshalText = %s, want Serialize's %s", text, m.Serialize())
	}
	var back Machine
	if err := back.UnmarshalText(text); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, m) {
		t.Errorf("UnmarshalText gives %v, want %v", &back, m)
	}

	noop := &Machine{States: make([]State, 1)}
	if text, err := noop.MarshalText(); err != nil || string(text) != noopString {
		t.Errorf("the no-op machine marshals to %s, %v; want %s", text, err, noopString)
	}
}

// TestMarshalTextRefuses checks that MarshalText refuses exactly the
// machines whose string would not parse, while Serialize still returns
// that string, as the reference does.
func TestMarshalTextRefuses(t *testing.T) {
	big := tooManyStates()
	if err := big.Validate(); err != nil {
		t.Fatalf("the machine should validate: %v", err)
	}
	for _, tc := range []struct {
		name      string
		m         *Machine
		want      string // in MarshalText's error
		wantParse string // in ParseMachine's error on Serialize's string
	}{
		{"encoding over 1 MiB", big, "more than the 1048576 a machine string may inflate to", "decompressed machine larger than 1048576 bytes"},
		{"invalid", &Machine{States: []State{{Transitions: [NumEvents][]Trans{NormalSent: {{State: 3, Probability: 1}}}}}}, "transition to state 3", "transition to state 3"},
		{"no states", &Machine{}, "at least one state", "at least one state"},
	} {
		text, err := tc.m.MarshalText()
		if !errors.Is(err, ErrInvalidMachine) || !strings.Contains(err.Error(), tc.want) || text != nil {
			t.Errorf("%s: MarshalText = %d bytes, %v; want an error wrapping ErrInvalidMachine containing %q", tc.name, len(text), err, tc.want)
		}
		s := tc.m.Serialize()
		if !strings.HasPrefix(s, wireVersion) {
			t.Errorf("%s: Serialize gives %.20q", tc.name, s)
		}
		checkParseError(t, tc.name, s, tc.wantParse)
	}
}

func TestUnmarshalTextKeepsMachineOnError(t *testing.T) {
	m := *testMachine()
	tooLong := machineString(t, make([]byte, maxDecompressed+1))
	for _, text := range []string{"", "02", noopString + "x", "02eNpjYEAHjOgCAAA0AAI", tooLong} {
		err := m.UnmarshalText([]byte(text))
		if !errors.Is(err, ErrInvalidMachine) {
			t.Errorf("UnmarshalText(%.30q) = %v, want an error wrapping ErrInvalidMachine", text, err)
		}
		if !reflect.DeepEqual(&m, testMachine()) {
			t.Fatalf("a failed UnmarshalText changed the machine to %v", &m)
		}
	}
}

// TestMachineFlag reads a machine from a command-line flag through its
// text form.
func TestMachineFlag(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	var m Machine
	fs.TextVar(&m, "machine", &Machine{States: make([]State, 1)}, "a machine string")
	want := testMachine()
	if err := fs.Parse([]string{"-machine", want.Serialize()}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&m, want) {
		t.Errorf("the flag holds %v, want %v", &m, want)
	}
	fs.SetOutput(new(strings.Builder))
	if err := fs.Parse([]string{"-machine", "02AAAA"}); err == nil {
		t.Error("the flag accepts a broken machine string")
	}
}
