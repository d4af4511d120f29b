package maybenot

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot/internal/bincode"
	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// Machine strings arrive from servers and configuration files, so parsing
// one must cost little whatever it holds. These are the bounds the tests
// below hold ParseMachine to. Times and allocations are the best of
// measureRuns runs, so that a loaded machine does not make them flaky.
const (
	// bombMaxAlloc and bombMaxTime bound rejecting a zlib bomb: a string
	// of a few KB that inflates far past maxDecompressed.
	bombMaxAlloc = 4 << 20
	bombMaxTime  = 50 * time.Millisecond
	// hugeLengthMaxAlloc bounds rejecting a string whose bincode claims an
	// enormous number of states or transitions.
	hugeLengthMaxAlloc = 64 << 10
	// parseMaxInput is the longest string the worst cases below use, and
	// parseMaxTime and parseMaxAlloc bound ParseMachine on each of them.
	// The decoded machine dominates the allocation: an empty state takes
	// minStateSize bytes on the wire but over 300 bytes as a State, so the
	// 65,534 empty states a string can carry take about 22.5 MiB.
	parseMaxInput = 1 << 20
	parseMaxTime  = time.Second
	parseMaxAlloc = 32 << 20
	// measureRuns is how many times each measured call runs.
	measureRuns = 3
)

// maxWireStates is the most states the bincode of a machine string could
// hold if nothing but states took space. The real maximum is a little
// lower (see TestParseMachineMostStates), and far below StateMax.
const maxWireStates = maxDecompressed / minStateSize

// measure runs f runs times and returns its least time and its least
// allocation (in bytes) over the runs.
func measure(runs int, f func()) (time.Duration, uint64) {
	best, least := time.Duration(math.MaxInt64), uint64(math.MaxUint64)
	var before, after runtime.MemStats
	for range runs {
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		f()
		elapsed := time.Since(start)
		runtime.ReadMemStats(&after)
		best = min(best, elapsed)
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	return best, least
}

// TestParseMachineReferenceFuzzFindings feeds ParseMachine the inputs that
// crashed the reference's parser under its fuzzer (fuzz/artifacts/
// machine-str,* in its repository). They are not text: the reference's
// fuzz target replaced every byte that is not valid UTF-8 with U+FFFD, and
// the parser, taking the first two bytes as the version, sliced a U+FFFD in
// two (the reference now rejects non-ASCII strings first, as ParseMachine
// does). The raw bytes, the replaced string and the ASCII bytes alone must
// each be rejected with an error, without a panic.
func TestParseMachineReferenceFuzzFindings(t *testing.T) {
	findings := []struct {
		name string
		raw  string
		// wantASCII is the error for the ASCII bytes alone.
		wantASCII string
	}{
		{"machine-str id-000000", "\xd0\xd0\xd0\xd0\xd0\xd0\xd0\xd0\xd0\xc0\xd0\xd0\xd0\xd0\xd0\xd0" +
			"\x10\xd0\xd0\xd0\xd0\xd7\xd0\xd0", "too short"},
		{"machine-str id-000001", "\xff\x80\x00\x01\x3a\x3a\x40\x3f\x00\x00\x05\x80\x00\x00\x00\x00" +
			"\x3b\x3f\x00\x3a\x3f\x40\x3d\x3e", "version mismatch"},
	}
	for _, f := range findings {
		replaced := string([]rune(f.raw)) // each invalid byte becomes U+FFFD
		if !strings.ContainsRune(replaced, '\uFFFD') {
			t.Fatalf("%s: no byte was replaced", f.name)
		}
		ascii := strings.Map(func(r rune) rune {
			if r >= 0x80 {
				return -1
			}
			return r
		}, replaced)
		for _, tc := range []struct{ form, s, want string }{
			{"raw", f.raw, "not ASCII"},
			{"replaced", replaced, "not ASCII"},
			{"ASCII only", ascii, f.wantASCII},
		} {
			checkParseError(t, f.name+" "+tc.form, tc.s, tc.want)
		}
	}
}

// TestInflateLimit checks inflate at the edges of its buffer growth and of
// maxDecompressed: output of any size up to the limit comes back whole,
// one byte more is an error.
func TestInflateLimit(t *testing.T) {
	rng := rand.New(splitmix.New(11))
	sizes := []int{0, 1, inflateStartSize - 1, inflateStartSize, inflateStartSize + 1,
		2*inflateStartSize + 1, 100_000, maxDecompressed - 1, maxDecompressed}
	for _, size := range sizes {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.IntN(4)) // compressible, but not trivially
		}
		compressed := zlibOf(t, data)
		raw, err := inflate(compressed, nil)
		if err != nil || !bytes.Equal(raw, data) {
			t.Errorf("%d bytes: inflate gives %d bytes, %v; want them back", size, len(raw), err)
		}
	}
	for _, size := range []int{maxDecompressed + 1, maxDecompressed + inflateStartSize, 3 * maxDecompressed} {
		if raw, err := inflate(zlibOf(t, make([]byte, size)), nil); err == nil || !strings.Contains(err.Error(), "larger than 1048576 bytes") {
			t.Errorf("%d bytes: inflate gives %d bytes, %v; want an error", size, len(raw), err)
		}
	}
	// A stream cut short, or with a wrong checksum, is an error even at
	// the limit, where inflate reads one byte further.
	full := zlibOf(t, make([]byte, maxDecompressed))
	if _, err := inflate(full[:len(full)-5], nil); err == nil {
		t.Error("inflate accepts a stream without its checksum")
	}
	bad := bytes.Clone(full)
	bad[len(bad)-1] ^= 1
	if _, err := inflate(bad, nil); err == nil {
		t.Error("inflate accepts a stream with a wrong checksum")
	}
}

// wireOf returns a machine string of raw, compressed fast: ParseMachine
// takes any zlib stream, and the best compression (as Serialize uses) is
// slow for megabytes.
func wireOf(t *testing.T, raw []byte) string {
	t.Helper()
	return wireVersion + base64.StdEncoding.EncodeToString(zlibOf(t, raw))
}

// zlibOf returns a zlib stream of data, compressed fast.
func zlibOf(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, err := zlib.NewWriterLevel(&b, zlib.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestParseMachineZlibBomb rejects strings of a few KB that inflate to 2 and
// 16 MiB: inflating stops one byte past maxDecompressed, so the size the
// stream claims makes no difference to the cost.
func TestParseMachineZlibBomb(t *testing.T) {
	for _, size := range []int{maxDecompressed + 1, 2 << 20, 16 << 20} {
		bomb := machineString(t, make([]byte, size))
		if len(bomb) > 32<<10 {
			t.Fatalf("a bomb of %d bytes takes %d bytes", size, len(bomb))
		}
		checkParseError(t, "bomb", bomb, "decompressed machine larger than 1048576 bytes")
		elapsed, alloc := measure(measureRuns, func() { _, _ = ParseMachine(bomb) })
		t.Logf("%d-byte string inflating to %d bytes: rejected in %v, %d bytes allocated", len(bomb), size, elapsed, alloc)
		if alloc >= bombMaxAlloc {
			t.Errorf("rejecting a bomb of %d bytes allocates %d bytes, want < %d", size, alloc, bombMaxAlloc)
		}
		if elapsed >= bombMaxTime {
			t.Errorf("rejecting a bomb of %d bytes takes %v, want < %v", size, elapsed, bombMaxTime)
		}
	}
}

// TestParseMachineHugeLengths rejects bincode whose length prefixes claim
// far more states or transitions than the bytes left could hold, before
// allocating for them.
func TestParseMachineHugeLengths(t *testing.T) {
	header := func() *bincode.Encoder {
		var e bincode.Encoder
		e.Uint64(0)
		e.F64(0)
		e.Uint64(0)
		e.F64(0)
		return &e
	}
	states := func(n uint64) []byte {
		e := header()
		e.Uint64(n)
		e.F64(0)
		return e.Bytes()
	}
	transitions := func(n uint64) []byte {
		e := header()
		e.Len(1)
		e.Option(false) // action
		e.Option(false) // counter A
		e.Option(false) // counter B
		e.Option(true)  // transitions on NormalRecv
		e.Uint64(n)
		e.F64(0)
		return e.Bytes()
	}
	for _, tc := range []struct {
		name string
		raw  []byte
	}{
		{"2^60 states", states(1 << 60)},
		{"2^64-1 states", states(math.MaxUint64)},
		{"2^31 states", states(1 << 31)},
		{"2^60 transitions", transitions(1 << 60)},
		{"2^64-1 transitions", transitions(math.MaxUint64)},
	} {
		s := machineString(t, tc.raw)
		checkParseError(t, tc.name, s, "cannot fit")
		_, alloc := measure(measureRuns, func() { _, _ = ParseMachine(s) })
		t.Logf("%s: rejected with %d bytes allocated", tc.name, alloc)
		if alloc >= hugeLengthMaxAlloc {
			t.Errorf("%s: rejecting allocates %d bytes, want < %d", tc.name, alloc, hugeLengthMaxAlloc)
		}
	}
}

// largestFitting returns the largest n up to maxWireStates for which the
// bincode of shape(n), which must grow with n, fits in maxDecompressed
// bytes, and that machine. It doubles n until the bincode no longer fits,
// then bisects, so it never encodes a machine much over twice the limit.
func largestFitting(t *testing.T, shape func(n int) *Machine) (int, *Machine) {
	t.Helper()
	fits := func(n int) bool { return len(encodeMachine(shape(n))) <= maxDecompressed }
	if !fits(1) {
		t.Fatal("no machine of this shape fits")
	}
	lo, hi := 1, 2 // fits(lo); hi is out of range or does not fit, once found
	for hi <= maxWireStates && fits(hi) {
		lo, hi = hi, 2*hi
	}
	hi = min(hi, maxWireStates+1)
	for hi-lo > 1 {
		if mid := lo + (hi-lo)/2; fits(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, shape(lo)
}

// emptyStates is the machine of n empty states: the most states per byte.
func emptyStates(n int) *Machine { return &Machine{States: make([]State, n)} }

// TestParseMachineMostStates parses and runs the machine with the most
// states a machine string can carry, each as small as a state can be but
// the first and last, which take the machine from one end to the other.
// One state more does not fit in maxDecompressed bytes.
func TestParseMachineMostStates(t *testing.T) {
	shape := func(n int) *Machine {
		m := emptyStates(n)
		m.States[0].Transitions[NormalSent] = []Trans{{State: uint32(n - 1), Probability: 1}}
		m.States[n-1] = newState(padAfter(7), edge{NormalSent, 0})
		return m
	}
	n, want := largestFitting(t, shape)
	t.Logf("a machine string carries at most %d states (maxWireStates %d, StateMax %d)", n, maxWireStates, StateMax)
	if n < maxWireStates-8 || n > maxWireStates {
		t.Fatalf("%d states fit, want just under %d", n, maxWireStates)
	}
	s := want.Serialize()
	var m *Machine
	elapsed, alloc := measure(measureRuns, func() {
		var err error
		if m, err = ParseMachine(s); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%d states from a %d-byte string: parsed in %v, %d bytes allocated", n, len(s), elapsed, alloc)
	if elapsed >= parseMaxTime || alloc >= parseMaxAlloc {
		t.Errorf("parsing %d states takes %v and %d bytes, want < %v and < %d", n, elapsed, alloc, parseMaxTime, parseMaxAlloc)
	}
	if !bytes.Equal(encodeMachine(m), encodeMachine(want)) {
		t.Fatal("the parsed machine differs from the serialized one")
	}

	f := newTestFramework(t, []Machine{*m}, 0, 0)
	step(t, f, at(1), evs(normalSent), padding(0, 7*us))
	wantState(t, f, 0, uint32(n-1))
	step(t, f, at(2), evs(normalSent))
	wantState(t, f, 0, 0)
	step(t, f, at(3), evs(normalSent, normalRecv, paddingSent(0)), padding(0, 7*us))

	// One state more and the string inflates past the limit.
	checkParseError(t, "one state more", shape(n+1).Serialize(), "decompressed machine larger than")
}

// TestParseMachineWorstCases times ParseMachine on the costliest inputs of
// at most parseMaxInput bytes we could build: the most states, the most
// transitions, every optional field present, validation's duplicate check
// at its most expensive, and random data at each layer.
func TestParseMachineWorstCases(t *testing.T) {
	rng := rand.New(splitmix.New(12))
	randomBytes := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint64())
		}
		return b
	}
	// The longest random payload whose base64 fits in parseMaxInput.
	maxPayload := (parseMaxInput - len(wireVersion)) / 4 * 3

	// Every transition list of state 0 names every state.
	mostTransitions := func(n int) *Machine {
		m := emptyStates(n)
		all := make([]Trans, n)
		for i := range all {
			all[i] = Trans{State: uint32(i), Probability: 1 / float32(2*n)}
		}
		for e := range m.States[0].Transitions {
			m.States[0].Transitions[e] = all
		}
		return m
	}
	// Every state has an action with a limit, both counters with
	// distributions and transitions on every event.
	everyOption := func(n int) *Machine {
		m := emptyStates(n)
		d := Dist{Type: Uniform{Low: 1, High: 2}, Start: 1, Max: 3}
		for i := range m.States {
			s := &m.States[i]
			s.Action = BlockOutgoing{Bypass: true, Replace: true, Timeout: d, Duration: d, Limit: &d}
			s.CounterA = &Counter{Operation: CounterSet, Dist: &d, Copy: true}
			s.CounterB = &Counter{Operation: CounterDecrement, Dist: &d}
			for e := range s.Transitions {
				s.Transitions[e] = []Trans{{State: uint32((i + e) % n), Probability: 1}}
			}
		}
		return m
	}
	// Validation checks each transition list for repeated targets with a
	// map that one long list makes large; clearing that map for each of
	// many short lists after it took 2 s with Go 1.24 (see
	// TestStateCheckLeavesSeenEmpty).
	bigThenShortLists := func() *Machine {
		const k = 33_000
		m := mostTransitions(k)
		m.States[0].Transitions = [NumEvents][]Trans{NormalRecv: m.States[0].Transitions[NormalRecv]}
		one := []Trans{{State: 0, Probability: 1}}
		lists := (maxDecompressed - len(encodeMachine(m))) / 6 // a one-entry list adds 6 bytes
		for i := 1; lists > 0; i++ {
			for e := range NumEvents {
				if lists > 0 {
					m.States[i].Transitions[e] = one
					lists--
				}
			}
		}
		return m
	}
	_, manyStates := largestFitting(t, emptyStates)
	_, manyTrans := largestFitting(t, mostTransitions)
	_, allOptions := largestFitting(t, everyOption)
	trailing := append(encodeMachine(manyStates), 0)
	if len(trailing) > maxDecompressed {
		t.Fatalf("no room for a stray byte after %d bytes", len(trailing)-1)
	}

	randomPayload := randomBytes(maxPayload)
	var randomZlib string
	for n := maxPayload; ; n -= 1024 {
		randomZlib = wireOf(t, randomPayload[:n])
		if len(randomZlib) <= parseMaxInput {
			break
		}
	}
	// As many random bytes as fit in the string, after a machine header
	// claiming as many states as they could hold.
	const randomTail = 760 << 10
	var randomStates bincode.Encoder
	randomStates.Uint64(0)
	randomStates.F64(0)
	randomStates.Uint64(0)
	randomStates.F64(0)
	randomStates.Len(randomTail / minStateSize)
	randomBincode := append(randomStates.Bytes(), randomBytes(randomTail)...)

	cases := []struct {
		name string
		s    string
		ok   bool
	}{
		{"most states", wireOf(t, encodeMachine(manyStates)), true},
		{"most states, then a stray byte", wireOf(t, trailing), false},
		{"most transitions", wireOf(t, encodeMachine(manyTrans)), true},
		{"every option present", wireOf(t, encodeMachine(allOptions)), true},
		{"long list, then many short ones", wireOf(t, encodeMachine(bigThenShortLists())), true},
		{"random base64", wireVersion + base64.StdEncoding.EncodeToString(randomPayload), false},
		{"base64 of zeros", wireVersion + strings.Repeat("AAAA", (parseMaxInput-len(wireVersion))/4), false},
		{"zlib of random bytes", randomZlib, false},
		{"random bincode after a state count", wireOf(t, randomBincode), false},
	}
	for _, tc := range cases {
		if len(tc.s) > parseMaxInput {
			t.Fatalf("%s: %d bytes, more than %d", tc.name, len(tc.s), parseMaxInput)
		}
		_, err := parseNoPanic(tc.s)
		if tc.ok && err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !tc.ok && !errors.Is(err, ErrInvalidMachine) {
			t.Fatalf("%s: ParseMachine error %v, want one wrapping ErrInvalidMachine", tc.name, err)
		}
		elapsed, alloc := measure(measureRuns, func() { _, _ = ParseMachine(tc.s) })
		t.Logf("%-36s %8d bytes: %12v, %9d bytes allocated", tc.name, len(tc.s), elapsed, alloc)
		if elapsed >= parseMaxTime {
			t.Errorf("%s: ParseMachine takes %v, want < %v", tc.name, elapsed, parseMaxTime)
		}
		if alloc >= parseMaxAlloc {
			t.Errorf("%s: ParseMachine allocates %d bytes, want < %d", tc.name, alloc, parseMaxAlloc)
		}
	}
}

// TestStateCheckLeavesSeenEmpty checks that State.check empties its map of
// targets seen key by key, after each transition list. Clearing the map
// before each list instead costs its capacity every time, and one long
// list makes that large: a 73 KB string holding one list of 33,000
// targets and 48,000 one-target lists took 2 s to validate with Go 1.24.
func TestStateCheckLeavesSeenEmpty(t *testing.T) {
	var s State
	s.Transitions[NormalRecv] = []Trans{{0, 0.5}, {1, 0.5}}
	s.Transitions[TunnelSent] = []Trans{{StateEnd, 0.25}, {StateSignal, 0.25}, {1, 0.5}}
	seen := make(map[uint32]struct{})
	if err := s.check(2, seen); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 0 {
		t.Fatalf("State.check leaves %d targets in its scratch map", len(seen))
	}
}

// TestMachineOfStateMaxStates builds a machine of StateMax states, more
// than a machine string can carry, in code and from its JSON form: it
// validates, and a framework runs it through every state. One state more is
// invalid.
func TestMachineOfStateMaxStates(t *testing.T) {
	const padEvery = 1000 // states with a SendPadding action
	states := make([]State, StateMax)
	for i := range states {
		states[i].Transitions[NormalSent] = []Trans{{State: uint32(i+1) % StateMax, Probability: 1}}
		if i%padEvery == padEvery-1 {
			states[i].Action = padAfter(float64(i))
		}
	}
	m := newTestMachine(t, 0, 0, 0, 0, states...)

	f := newTestFramework(t, []Machine{m}, 0, 0)
	for i := 1; i <= StateMax; i++ {
		s := i % StateMax
		got := f.TriggerEvents(evs(normalSent), at(int64(i)))
		var want []TriggerAction
		if s%padEvery == padEvery-1 {
			want = acts(padding(0, time.Duration(s)*us))
		}
		if len(got) != len(want) || (len(want) > 0 && got[0] != want[0]) {
			t.Fatalf("event %d: got %v, want %v", i, got, want)
		}
		if f.runtime[0].state != uint32(s) {
			t.Fatalf("event %d: machine in state %d, want %d", i, f.runtime[0].state, s)
		}
	}

	if testing.Short() {
		t.Log("skipping the JSON form in short mode")
	} else {
		b, err := m.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Machine
		start := time.Now()
		if err := back.UnmarshalJSON(b); err != nil {
			t.Fatal(err)
		}
		t.Logf("the JSON form takes %d bytes and unmarshals in %v", len(b), time.Since(start))
		if err := back.Validate(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(encodeMachine(&back), encodeMachine(&m)) {
			t.Fatal("the machine unmarshaled from JSON differs")
		}
		if _, err := NewFramework([]Machine{back}, 0, 0, base, nil); err != nil {
			t.Fatal(err)
		}
	}

	m.States = append(m.States, State{})
	if err := m.Validate(); !errors.Is(err, ErrInvalidMachine) {
		t.Fatalf("a machine of %d states validates: %v", len(m.States), err)
	}
}

// JSON machines may come from anywhere too. Machine.UnmarshalJSON builds
// only the values it returns, so its memory follows what it decodes, not
// what the document claims or how many tokens it holds. These bound it.
const (
	// jsonNumbersInput is the size of {"states":[0,0,...]}, whose zeros
	// would each take a State (over 300 bytes) were states allocated
	// before being decoded, and jsonNumbersMaxAlloc bounds rejecting it.
	jsonNumbersInput    = 400 << 10
	jsonNumbersMaxAlloc = 2 << 20
	// jsonPairs is how many [0,1] pairs one transition list holds, and
	// jsonPairsMaxRatio bounds the allocation for decoding it as a
	// multiple of the input.
	jsonPairs         = 200_000
	jsonPairsMaxRatio = 16
	// jsonStatesMaxRatio bounds the allocation for decoding a machine of
	// StateMax states, as a multiple of the memory the machine takes.
	jsonStatesMaxRatio = 3
)

// TestUnmarshalJSONHostile holds UnmarshalJSON to the bounds above on a
// document full of values of the wrong type and on a long transition list.
func TestUnmarshalJSONHostile(t *testing.T) {
	numbers := []byte(`{"states":[0` + strings.Repeat(",0", (jsonNumbersInput-len(`{"states":[0]}`))/2) + `]}`)
	var m Machine
	_, alloc := measure(measureRuns, func() {
		if err := m.UnmarshalJSON(numbers); !errors.Is(err, ErrInvalidMachine) {
			t.Fatalf("{\"states\":[0,0,...]} unmarshals: %v", err)
		}
	})
	t.Logf("%d bytes of {\"states\":[0,0,...]} allocate %d bytes", len(numbers), alloc)
	if alloc > jsonNumbersMaxAlloc {
		t.Errorf("{\"states\":[0,0,...]} allocates %d bytes, more than %d", alloc, jsonNumbersMaxAlloc)
	}

	pairs := []byte(`{"allowed_padding_packets":0,"max_padding_frac":0.0,"allowed_blocked_microsec":0,` +
		`"max_blocking_frac":0.0,"states":[{"action":null,"counter":[null,null],"transitions":` +
		transitionsJSON(map[Event]string{NormalSent: "[[0,1]" + strings.Repeat(",[0,1]", jsonPairs-1) + "]"}) + `}]}`)
	_, alloc = measure(measureRuns, func() {
		m = Machine{}
		if err := m.UnmarshalJSON(pairs); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%d bytes holding %d transition pairs allocate %d bytes", len(pairs), jsonPairs, alloc)
	if got := m.States[0].Transitions[NormalSent]; len(got) != jsonPairs || got[jsonPairs-1] != (Trans{0, 1}) {
		t.Errorf("got %d pairs, want %d", len(got), jsonPairs)
	}
	if alloc > jsonPairsMaxRatio*uint64(len(pairs)) {
		t.Errorf("%d transition pairs allocate %d bytes, more than %d times the input", jsonPairs, alloc, jsonPairsMaxRatio)
	}
}

// TestUnmarshalJSONStateMax decodes a valid machine of StateMax states,
// with actions, counters and transitions, and holds the allocation to
// jsonStatesMaxRatio times the memory the machine then takes. A machine of
// one state more is rejected at that state.
func TestUnmarshalJSONStateMax(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping a machine of StateMax states in short mode")
	}
	want := &Machine{AllowedPaddingPackets: 1, MaxPaddingFrac: 0.5, States: make([]State, StateMax)}
	for i := range want.States {
		s := &want.States[i]
		s.Transitions[NormalSent] = []Trans{{State: uint32(i+1) % StateMax, Probability: 0.5}, {State: StateEnd, Probability: 0.25}}
		switch i % 4 {
		case 1:
			s.Action = padAfter(float64(i))
			s.Transitions[PaddingSent] = []Trans{{State: 0, Probability: 1}}
		case 2:
			s.CounterA = countBy(CounterIncrement, 2)
		}
	}
	if err := want.Validate(); err != nil {
		t.Fatal(err)
	}
	b, err := want.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}

	var m Machine
	elapsed, alloc := measure(1, func() { // one run is long enough to time
		if err := m.UnmarshalJSON(b); err != nil {
			t.Fatal(err)
		}
	})
	if !reflect.DeepEqual(&m, want) {
		t.Fatal("the unmarshaled machine differs")
	}
	// The memory the machine takes is what the heap shrinks by when the
	// machine is dropped.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m = Machine{}
	runtime.GC()
	runtime.ReadMemStats(&after)
	size := before.HeapAlloc - after.HeapAlloc
	t.Logf("%d bytes of JSON unmarshal in %v, allocating %d bytes for a machine of %d bytes",
		len(b), elapsed, alloc, size)
	if alloc > jsonStatesMaxRatio*size {
		t.Errorf("unmarshaling allocates %d bytes, more than %d times the %d bytes of the machine", alloc, jsonStatesMaxRatio, size)
	}

	more := append(b[:len(b)-2:len(b)-2], `,{"counter":[null,null],"transitions":`+transitionsJSON(nil)+`}]}`...)
	m = *testMachine()
	err = m.UnmarshalJSON(more)
	if want := fmt.Sprintf("json: states[%d]: more than the maximum %d states", StateMax, StateMax); err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("a machine of %d states: got %v, want an error ending %q", StateMax+1, err, want)
	}
	if !reflect.DeepEqual(&m, testMachine()) {
		t.Error("a failed UnmarshalJSON changed the machine")
	}
}
