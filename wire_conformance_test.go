package maybenot

import (
	"encoding/json"
	"fmt"
	"testing"
)

// The reference's machine strings and names, reproduced byte for byte:
// every string the conformance data records for a machine is what
// Serialize gives that machine, and its Name is the reference's.

// checkSerialized checks that m serializes to the reference's string s and
// name, through Serialize, Name and MarshalText.
func checkSerialized(m *Machine, s, name string) error {
	if got := m.Serialize(); got != s {
		return fmt.Errorf("Serialize() = %s, want %s", got, s)
	}
	if got := m.Name(); got != name {
		return fmt.Errorf("Name() = %s, want %s", got, name)
	}
	text, err := m.MarshalText()
	if err != nil || string(text) != s {
		return fmt.Errorf("MarshalText() = %s, %v; want %s", text, err, s)
	}
	return nil
}

// runSerialized runs check on each case of a conformance file that
// records a string and logs how many there were.
func runSerialized(t *testing.T, file string, check func(machineCase) (checked bool, err error)) {
	t.Helper()
	n := 0
	for i, line := range conformanceLines(t, file) {
		var c machineCase
		if err := json.Unmarshal(line, &c); err != nil {
			t.Fatalf("%s: bad line %d: %v", file, i+1, err)
		}
		checked, err := check(c)
		if err != nil {
			t.Errorf("%s line %d %s: %v", file, i+1, c.Label, err)
		}
		if checked {
			n++
		}
	}
	t.Logf("%s: %d reference strings checked", file, n)
}

func TestSerializeConformanceDecode(t *testing.T) {
	runSerialized(t, "decode.jsonl", func(c machineCase) (bool, error) {
		m, err := ParseMachine(c.Input)
		if err != nil {
			return true, err
		}
		if c.Reserialized != c.Input {
			return true, fmt.Errorf("the reference reserializes its own string %s to %s", c.Input, c.Reserialized)
		}
		return true, checkSerialized(m, c.Reserialized, c.Name)
	})
}

func TestSerializeConformanceEncode(t *testing.T) {
	runSerialized(t, "encode.jsonl", func(c machineCase) (bool, error) {
		var m Machine
		if err := json.Unmarshal(c.Machine, &m); err != nil {
			return true, err
		}
		return true, checkSerialized(&m, c.Serialized, c.Name)
	})
}

func TestSerializeConformanceInvalid(t *testing.T) {
	runSerialized(t, "invalid.jsonl", func(c machineCase) (bool, error) {
		if !c.OK {
			return false, nil
		}
		var m Machine
		if err := json.Unmarshal(c.Machine, &m); err != nil {
			return true, err
		}
		if got := m.Serialize(); got != c.Serialized {
			return true, fmt.Errorf("Serialize() = %s, want %s", got, c.Serialized)
		}
		return true, nil
	})
}

func TestSerializeConformanceWire(t *testing.T) {
	runSerialized(t, "wire.jsonl", func(c machineCase) (bool, error) {
		if !c.OK {
			return false, nil
		}
		m, err := ParseMachine(c.Input)
		if err != nil {
			return true, err
		}
		return true, checkSerialized(m, c.Reserialized, c.Name)
	})
}

// TestSerializeConformanceMachines checks the machines the reference's
// machine library builds: each recorded machine, unmarshaled from its JSON
// form, serializes to the recorded string and name.
func TestSerializeConformanceMachines(t *testing.T) {
	n := 0
	for i, line := range conformanceLines(t, "machines.jsonl") {
		var c struct {
			Expect struct {
				Machines []struct {
					Serialized, Name string
					Machine          json.RawMessage
				}
			}
		}
		if err := json.Unmarshal(line, &c); err != nil {
			t.Fatalf("machines.jsonl: bad line %d: %v", i+1, err)
		}
		for j, want := range c.Expect.Machines {
			var m Machine
			err := json.Unmarshal(want.Machine, &m)
			if err == nil {
				err = checkSerialized(&m, want.Serialized, want.Name)
			}
			if err != nil {
				t.Errorf("machines.jsonl line %d, machine %d: %v", i+1, j+1, err)
			}
			n++
		}
	}
	t.Logf("machines.jsonl: %d reference strings checked", n)
}
