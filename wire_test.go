package maybenot

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// machineString makes a machine string of raw, which need not be a valid
// bincode machine.
func machineString(t testing.TB, raw []byte) string {
	t.Helper()
	var z bytes.Buffer
	zw, err := zlib.NewWriterLevel(&z, zlib.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return "02" + base64.StdEncoding.EncodeToString(z.Bytes())
}

// checkParseError checks that ParseMachine rejects s with an error that
// wraps ErrInvalidMachine and contains want.
func checkParseError(t *testing.T, name, s, want string) {
	t.Helper()
	m, err := parseNoPanic(s)
	switch {
	case err == nil:
		t.Errorf("%s: ParseMachine gives %v, want an error containing %q", name, m, want)
	case !errors.Is(err, ErrInvalidMachine):
		t.Errorf("%s: error %q does not wrap ErrInvalidMachine", name, err)
	case !strings.Contains(err.Error(), want):
		t.Errorf("%s: error %q does not contain %q", name, err, want)
	}
}

func TestParseMachineStrictText(t *testing.T) {
	for _, tc := range []struct {
		name, s, want string
	}{
		{"empty", "", "too short"},
		{"too short", "02", "too short"},
		{"version 01", "01" + noopString[2:], `version mismatch: want "02", got "01"`},
		{"non-ASCII", noopString + "é", "not ASCII (byte 22)"},
		{"leading space", " " + noopString, "version mismatch"},
		{"trailing newline", noopString + "\n", "base64: illegal line break at byte 22"},
		{"inner CR", noopString[:10] + "\r" + noopString[10:], "base64: illegal line break at byte 10"},
		{"inner space", noopString[:10] + " " + noopString[10:], "base64: illegal base64 data"},
		{"unpadded", strings.TrimRight(noopString, "="), "base64: illegal base64 data"},
		{"not zlib", "02" + base64.StdEncoding.EncodeToString([]byte("not a zlib stream")), "zlib:"},
	} {
		checkParseError(t, tc.name, tc.s, tc.want)
	}
}

func TestSerializeInvalidMachine(t *testing.T) {
	// A machine that does not validate serializes to a string that does not
	// parse: whether it breaks a rule, or has no wire form at all.
	for _, tc := range []struct {
		name string
		m    *Machine
		want string
	}{
		{"no states", &Machine{}, "at least one state"},
		{"nil distribution type", &Machine{States: []State{{Action: SendPadding{}}}}, "variant index 11 out of range"},
		{"foreign action", &Machine{States: []State{{Action: foreignAction{}}}}, "variant index 4 out of range"},
	} {
		checkParseError(t, tc.name, tc.m.Serialize(), tc.want)
	}
}

func TestParseMachines(t *testing.T) {
	m := testMachine()
	s := m.Serialize()
	noop := &Machine{States: make([]State, 1)}

	ms, err := ParseMachines("\n" + s + "\n\n  " + noopString + "  \r\n\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := []Machine{*m, *noop}; !reflect.DeepEqual(ms, want) {
		t.Errorf("ParseMachines gives %v, want %v", ms, want)
	}

	if ms, err := ParseMachines(" \n\n"); err != nil || len(ms) != 0 {
		t.Errorf("ParseMachines of blank lines = %v, %v; want none, nil", ms, err)
	}

	_, err = ParseMachines(s + "\n\n" + noopString + "\n" + "02notamachine\n" + s)
	if !errors.Is(err, ErrInvalidMachine) || !strings.HasPrefix(err.Error(), "line 4: ") {
		t.Errorf("ParseMachines with a bad line 4: %v", err)
	}
}
