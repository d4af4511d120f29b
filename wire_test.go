package maybenot

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/maybenot-go/maybenot/internal/bincode"
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

func TestParseMachineZlibBomb(t *testing.T) {
	// 2 MiB of zeros compress to about 2 KB.
	bomb := machineString(t, make([]byte, 2<<20))
	if len(bomb) > 8<<10 {
		t.Fatalf("the bomb is %d bytes long", len(bomb))
	}
	checkParseError(t, "bomb", bomb, "decompressed machine larger than 1048576 bytes")

	// Inflating stops one byte past 1 MiB, whatever the stream holds: a
	// 16 MiB bomb costs a few MiB of allocation (more under the race
	// detector), not 16.
	bomb = machineString(t, make([]byte, 16<<20))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	checkParseError(t, "big bomb", bomb, "decompressed machine larger than 1048576 bytes")
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("parsing a 16 MiB bomb allocated %d bytes", alloc)
	}
}

func TestParseMachineHugeLengths(t *testing.T) {
	header := func(e *bincode.Encoder) {
		e.Uint64(0)
		e.F64(0)
		e.Uint64(0)
		e.F64(0)
	}
	// A machine claiming 2^60 states, followed by a few bytes.
	var e bincode.Encoder
	header(&e)
	e.Uint64(1 << 60)
	e.F64(0)
	checkParseError(t, "2^60 states", machineString(t, e.Bytes()), "sequence of 1152921504606846976 elements cannot fit")

	// One state whose first event claims 2^60 transitions.
	e = bincode.Encoder{}
	header(&e)
	e.Len(1)
	e.Option(false) // action
	e.Option(false) // counter A
	e.Option(false) // counter B
	e.Option(true)  // transitions for NormalRecv
	e.Uint64(1 << 60)
	e.F64(0)
	checkParseError(t, "2^60 transitions", machineString(t, e.Bytes()), "sequence of 1152921504606846976 elements cannot fit")
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

func FuzzParseMachine(f *testing.F) {
	f.Add(noopString)
	f.Add(testMachine().Serialize())
	f.Add("02eNpjYEAHjOgCAAA0AAI")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMachine(s)
		if err != nil {
			return
		}
		// What parses serializes to a string that parses to the same
		// machine (compared by encoding: a NaN is not equal to itself).
		back, err := ParseMachine(m.Serialize())
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		if !bytes.Equal(encodeMachine(back), encodeMachine(m)) {
			t.Fatalf("round trip: got %v, want %v", back, m)
		}
	})
}
