package maybenot

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/adler32"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// Bounds of parsing long strings and lists of machine strings.
const (
	// anyStringMaxAlloc bounds what ParseMachine allocates for any string
	// at all: "at most about 25 MiB".
	anyStringMaxAlloc = 26 << 20
	// longStringMaxAlloc bounds rejecting a string longer than any
	// machine string, which happens before decoding anything.
	longStringMaxAlloc = 4 << 10
	// hostileCopies copies of the string of the most states a string can
	// carry (1,434 bytes, 22.5 MiB of states) make a hostile list, which
	// ParseMachines must refuse allocating at most hostileListMaxAlloc
	// bytes in all.
	hostileCopies       = 200
	hostileListMaxAlloc = 256_000_000
	// blankListMaxAlloc bounds parsing a list of blankLines blank lines.
	blankLines        = 4 << 20
	blankListMaxAlloc = 64 << 10
	// budgetSlack bounds, as a fraction of the charge, how much more than
	// its budget charge decoding a machine may allocate (allocation
	// rounding, the decoder itself).
	budgetSlack = 0.25
)

// mostStates returns the machine of the most states a machine string can
// carry (see TestParseMachineMostStates).
func mostStates(t *testing.T) *Machine {
	t.Helper()
	_, m := largestFitting(t, func(n int) *Machine {
		m := emptyStates(n)
		m.States[0].Transitions[NormalSent] = []Trans{{State: uint32(n - 1), Probability: 1}}
		m.States[n-1] = newState(padAfter(7), edge{NormalSent, 0})
		return m
	})
	return m
}

// paddedString returns a machine string of raw, compressed fast and padded
// with empty stored blocks to be as long as a machine string may be.
func paddedString(t *testing.T, raw []byte) string {
	t.Helper()
	var deflated bytes.Buffer
	fw, err := flate.NewWriter(&deflated, flate.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	const header, trailer, emptyBlock = 2, 4, 5
	blocks := (maxCompressed - header - trailer - deflated.Len()) / emptyBlock
	stream := []byte{0x78, 0x01}
	for range blocks {
		stream = append(stream, 0x00, 0x00, 0x00, 0xff, 0xff) // not final, stored, 0 bytes
	}
	stream = append(stream, deflated.Bytes()...)
	stream = binary.BigEndian.AppendUint32(stream, adler32.Checksum(raw))
	return wireVersion + base64.StdEncoding.EncodeToString(stream)
}

// TestParseMachineLongStrings rejects strings longer than any machine
// string before decoding them, and parses the longest string it takes, the
// most states padded to the limit, within anyStringMaxAlloc.
func TestParseMachineLongStrings(t *testing.T) {
	for _, n := range []int{maxString + 1, 16 << 20, 64 << 20} {
		s := wireVersion + strings.Repeat("A", n-len(wireVersion))
		checkParseError(t, fmt.Sprintf("%d bytes", n), s, fmt.Sprintf("machine string of %d bytes is longer than the %d", n, maxString))
		_, alloc := measure(measureRuns, func() { _, _ = ParseMachine(s) })
		t.Logf("%d-byte string: rejected, %d bytes allocated", n, alloc)
		if alloc >= longStringMaxAlloc {
			t.Errorf("rejecting a %d-byte string allocates %d bytes, want < %d", n, alloc, longStringMaxAlloc)
		}
	}

	want := mostStates(t)
	s := paddedString(t, encodeMachine(want))
	if len(s) > maxString || len(s) < maxString-8 {
		t.Fatalf("the padded string takes %d bytes, want just under %d", len(s), maxString)
	}
	var m *Machine
	_, alloc := measure(measureRuns, func() {
		var err error
		if m, err = ParseMachine(s); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%d states from a padded %d-byte string: %d bytes allocated", len(m.States), len(s), alloc)
	if alloc >= anyStringMaxAlloc {
		t.Errorf("parsing the longest string allocates %d bytes, want < %d", alloc, anyStringMaxAlloc)
	}
	if !bytes.Equal(encodeMachine(m), encodeMachine(want)) {
		t.Error("the padded string parses to another machine")
	}
}

// TestParseMachinesHostileList refuses a list of hostileCopies strings of
// the most states at the line where the default budget runs out, before
// allocating that line's states.
func TestParseMachinesHostileList(t *testing.T) {
	m := mostStates(t)
	line := m.Serialize()
	list := strings.Repeat(line+"\n", hostileCopies)
	left := math.MaxInt
	if _, err := parseMachineLine(line, &left); err != nil {
		t.Fatal(err)
	}
	cost := math.MaxInt - left // what one line takes
	fits := DefaultMachinesBudget / cost
	var err error
	_, alloc := measure(1, func() { _, err = ParseMachines(list) })
	t.Logf("%d lines of %d bytes (%d states each): %v; %d bytes allocated", hostileCopies, len(line), len(m.States), err, alloc)
	if want := fmt.Sprintf("line %d: ", fits+1); !errors.Is(err, ErrMachinesBudget) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("ParseMachines gives %v, want an error wrapping ErrMachinesBudget starting %q", err, want)
	}
	if alloc >= hostileListMaxAlloc {
		t.Errorf("refusing the list allocates %d bytes, want < %d", alloc, hostileListMaxAlloc)
	}

	// A budget a byte short of the machines refuses the last one.
	three := strings.Repeat(line+"\n", 3)
	if ms, err := ParseMachinesBudget(three, 3*cost); err != nil || len(ms) != 3 {
		t.Errorf("ParseMachinesBudget(3 lines, %d) = %d machines, %v; want 3", 3*cost, len(ms), err)
	}
	if _, err := ParseMachinesBudget(three, 3*cost-1); !errors.Is(err, ErrMachinesBudget) || !strings.HasPrefix(err.Error(), "line 3: ") {
		t.Errorf("ParseMachinesBudget(3 lines, %d) = %v, want an error at line 3 wrapping ErrMachinesBudget", 3*cost-1, err)
	}
}

// TestParseMachinesBlankLines parses a list of blank lines without an
// allocation per line.
func TestParseMachinesBlankLines(t *testing.T) {
	list := strings.Repeat(" \n", blankLines)
	var ms []Machine
	var err error
	_, alloc := measure(measureRuns, func() { ms, err = ParseMachines(list) })
	if err != nil || len(ms) != 0 {
		t.Fatalf("ParseMachines of blank lines = %d machines, %v", len(ms), err)
	}
	if alloc >= blankListMaxAlloc {
		t.Errorf("%d blank lines allocate %d bytes, want < %d", blankLines, alloc, blankListMaxAlloc)
	}
}

// TestParseMachinesBudgetSmall checks the budget on lists of the no-op
// machine and on a budget too small for anything.
func TestParseMachinesBudgetSmall(t *testing.T) {
	cost := machineSize + stateSize
	list := strings.Repeat(noopString+"\n", 5)
	if ms, err := ParseMachinesBudget(list, 5*cost); err != nil || len(ms) != 5 {
		t.Errorf("5 no-op machines in a budget of %d bytes: %d machines, %v", 5*cost, len(ms), err)
	}
	for _, budget := range []int{5*cost - 1, 4*cost + machineSize} {
		if _, err := ParseMachinesBudget(list, budget); !errors.Is(err, ErrMachinesBudget) || !strings.HasPrefix(err.Error(), "line 5: ") {
			t.Errorf("5 no-op machines in a budget of %d bytes: %v, want an error at line 5", budget, err)
		}
	}
	for _, budget := range []int{0, -1, math.MinInt} {
		if _, err := ParseMachinesBudget(noopString, budget); !errors.Is(err, ErrMachinesBudget) {
			t.Errorf("a budget of %d: %v, want ErrMachinesBudget", budget, err)
		}
		if ms, err := ParseMachinesBudget("\n \n", budget); err != nil || len(ms) != 0 {
			t.Errorf("blank lines with a budget of %d: %v, %v", budget, ms, err)
		}
	}
	// A broken line is reported as such even with no budget left after it.
	if _, err := ParseMachinesBudget(noopString+"\n02AAAA", cost+machineSize); !errors.Is(err, ErrInvalidMachine) {
		t.Errorf("a broken second line: %v, want ErrInvalidMachine", err)
	}
}

// TestParseMachinesDefaultBudget parses every real and library machine of
// the conformance data in one list, within the default budget.
func TestParseMachinesDefaultBudget(t *testing.T) {
	var lines []string
	for _, line := range conformanceLines(t, "decode.jsonl") {
		var c machineCase
		if err := json.Unmarshal(line, &c); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, c.Input)
	}
	for _, line := range conformanceLines(t, "machines.jsonl") {
		var c struct {
			Expect struct{ Machines []struct{ Serialized string } }
		}
		if err := json.Unmarshal(line, &c); err != nil {
			t.Fatal(err)
		}
		for _, m := range c.Expect.Machines {
			lines = append(lines, m.Serialized)
		}
	}
	for _, line := range conformanceLines(t, "deployed.txt") {
		lines = append(lines, string(line))
	}
	ms, err := ParseMachines(strings.Join(lines, "\n"))
	if err != nil || len(ms) != len(lines) {
		t.Fatalf("ParseMachines of %d real and library machines: %d machines, %v", len(lines), len(ms), err)
	}
	left := DefaultMachinesBudget
	for i := range ms {
		if _, err := parseMachineLine(lines[i], &left); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d machines take %d bytes of the budget of %d", len(ms), DefaultMachinesBudget-left, DefaultMachinesBudget)
}

// TestMachinesBudgetCountsMemory checks that what decoding charges to a
// budget is what it allocates, within budgetSlack, and that a budget of
// exactly the charge suffices.
func TestMachinesBudgetCountsMemory(t *testing.T) {
	rng := rand.New(splitmix.New(21))
	machines := map[string]*Machine{"most states": mostStates(t)}
	for _, states := range []int{1, 20, 2000} {
		m := machineGen{r: rng}.machine(states)
		machines[fmt.Sprintf("random, %d states", states)] = &m
	}
	for name, m := range machines {
		raw := encodeMachine(m)
		left := math.MaxInt
		if _, err := decodeMachineWithin(raw, &left); err != nil {
			t.Fatal(err)
		}
		charged := math.MaxInt - left
		_, alloc := measure(measureRuns, func() { _, _ = decodeMachine(raw) })
		t.Logf("%s: %d bytes charged, %d allocated", name, charged, alloc)
		if float64(alloc) > (1+budgetSlack)*float64(charged) {
			t.Errorf("%s: decoding allocates %d bytes but charges %d", name, alloc, charged)
		}
		exact := charged
		if _, err := decodeMachineWithin(raw, &exact); err != nil || exact != 0 {
			t.Errorf("%s: a budget of %d bytes: %v, %d left", name, charged, err, exact)
		}
		short := charged - 1
		if _, err := decodeMachineWithin(raw, &short); !errors.Is(err, ErrMachinesBudget) {
			t.Errorf("%s: a budget of %d bytes: %v, want ErrMachinesBudget", name, charged-1, err)
		}
	}
}
