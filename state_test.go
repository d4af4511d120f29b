package maybenot

import (
	"reflect"
	"strings"
	"testing"

	"github.com/maybenot-go/maybenot/internal/bincode"
	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// checkState validates s as a state of a machine with n states.
func checkState(s *State, n int) error { return s.check(n, make(map[uint32]struct{})) }

// uniformConst is a distribution that always gives v.
func uniformConst(v float64) Dist { return Dist{Type: Uniform{Low: v, High: v}} }

// lowAboveHigh is an invalid distribution: Uniform with low > high.
var lowAboveHigh = Dist{Type: Uniform{Low: 2, High: 1}}

func TestStateSerialization(t *testing.T) {
	// A state survives its wire encoding, and samples after it.
	s := stateWith(PaddingSent, Trans{6, 1})
	var e bincode.Encoder
	encodeState(&e, &s)
	d := bincode.NewDecoder(e.Bytes())
	var back State
	decodeState(d, &back)
	if err := d.Finish(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Fatalf("decoded %v, want %v", back, s)
	}
	if next, ok := back.sampleTransition(PaddingSent, splitmix.New(1)); !ok || next != 6 {
		t.Errorf("sampleTransition = %d, %v; want 6, true", next, ok)
	}
}

func TestValidateStateTransitions(t *testing.T) {
	// As if in a machine with two states.
	const numStates = 2
	for _, tc := range []struct {
		name string
		ts   []Trans
		want string // in the error; "" for a valid state
	}{
		{"out of bounds", []Trans{{numStates, 1}}, "transition to state 2, but the last state is 1"},
		{"probability too high", []Trans{{0, 1.1}}, "probability 1.1, not in (0, 1]"},
		{"probability negative", []Trans{{0, -0.5}}, "probability -0.5, not in (0, 1]"},
		{"sum too high", []Trans{{0, 0.5}, {1, 0.6}}, "sum to 1.1, not in (0, 1]"},
		{"duplicate", []Trans{{0, 0.4}, {0, 0.6}}, "more than one transition to state 0"},
		{"duplicate pseudo-state", []Trans{{StateSignal, 0.4}, {StateSignal, 0.6}}, "more than one transition to state 4294967294"},
		{"empty", []Trans{}, "empty transition list"},
		{"valid", []Trans{{0, 0.4}, {StateEnd, 0.3}}, ""},
		{"valid signal", []Trans{{StateSignal, 1}}, ""},
		{"valid sum 1", []Trans{{0, 0.25}, {1, 0.75}}, ""},
	} {
		s := stateWith(PaddingSent, tc.ts...)
		checkValidation(t, tc.name, checkState(&s, numStates), tc.want)
	}
}

func TestValidateStateAction(t *testing.T) {
	for _, tc := range []struct {
		name   string
		action Action
		want   string
	}{
		{"valid", SendPadding{Timeout: uniformConst(10)}, ""},
		{"low above high", SendPadding{Timeout: lowAboveHigh}, "action: SendPadding timeout: Uniform distribution: low 2 > high 1"},
	} {
		s := stateWith(PaddingSent, Trans{0, 1})
		s.Action = tc.action
		checkValidation(t, tc.name, checkState(&s, 1), tc.want)
	}
}

func TestValidateStateCounter(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b *Counter
		want string
	}{
		{"valid", &Counter{Operation: CounterIncrement}, nil, ""},
		{"invalid B", nil, &Counter{Operation: CounterIncrement, Dist: &lowAboveHigh}, "counter B: dist: Uniform distribution: low 2 > high 1"},
		{"invalid A", &Counter{Operation: CounterSet, Dist: &lowAboveHigh}, nil, "counter A: dist"},
		{"unknown operation", &Counter{Operation: 3}, nil, "counter A: unknown operation 3"},
	} {
		s := stateWith(PaddingSent, Trans{0, 1})
		s.CounterA, s.CounterB = tc.a, tc.b
		checkValidation(t, tc.name, checkState(&s, 1), tc.want)
	}
}

// checkValidation checks the outcome of a validation: no error if want is
// empty, else an error containing want.
func checkValidation(t *testing.T, name string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: want valid, got %v", name, err)
	case want != "" && err == nil:
		t.Errorf("%s: want an error containing %q, got valid", name, want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("%s: error %q does not contain %q", name, err, want)
	}
}

func TestSampleTransition(t *testing.T) {
	// The draw is a float32 made from the high 32 bits of one Uint64:
	// 0x80000000<<32 gives 0.5, 0x40000000<<32 gives 0.25, 0xC0000000<<32
	// gives 0.75. A transition is taken when the draw is below the running
	// sum of probabilities, here 0.5 and then 0.75.
	s := stateWith(NormalSent, Trans{1, 0.5}, Trans{StateEnd, 0.25})
	for _, tc := range []struct {
		draw uint64
		next uint32
		ok   bool
	}{
		{0, 1, true},
		{0x40000000 << 32, 1, true},
		{0x7FFFFFFF << 32, 1, true},
		{0x80000000 << 32, StateEnd, true},
		{0xBFFFFFFF << 32, StateEnd, true},
		{0xC0000000 << 32, 0, false},
		{1<<64 - 1, 0, false},
	} {
		rng := &scriptedSource{vals: []uint64{tc.draw}}
		next, ok := s.sampleTransition(NormalSent, rng)
		if next != tc.next || ok != tc.ok || rng.draws != 1 {
			t.Errorf("draw %#x: got %d, %v after %d draws; want %d, %v after 1", tc.draw, next, ok, rng.draws, tc.next, tc.ok)
		}
	}
	// An event without transitions draws nothing.
	rng := &scriptedSource{vals: []uint64{0}}
	if next, ok := s.sampleTransition(PaddingSent, rng); ok || next != 0 || rng.draws != 0 {
		t.Errorf("no transitions: got %d, %v after %d draws; want 0, false after 0", next, ok, rng.draws)
	}
}

func TestTransString(t *testing.T) {
	for _, tc := range []struct {
		t    Trans
		want string
	}{
		{Trans{3, 1}, "→ 3"},
		{Trans{3, 0.25}, "→ 3 (25%)"},
		{Trans{1, 0.167}, "→ 1 (16.7%)"},
		{Trans{StateEnd, 1}, "→ End"},
		{Trans{StateSignal, 0.1}, "→ Signal (10%)"},
	} {
		if got := tc.t.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.t, got, tc.want)
		}
	}
}
