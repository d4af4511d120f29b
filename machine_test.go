package maybenot

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// noopString is the reference's serialization of the no-op machine: one
// state without action, counters or transitions, and all limits 0.
const noopString = "02eNpjYEAHjOgCAAA0AAI="

// stateWith returns a state with the given transitions for one event.
func stateWith(e Event, ts ...Trans) State {
	var s State
	s.Transitions[e] = ts
	return s
}

func TestNoopMachineWire(t *testing.T) {
	noop := &Machine{States: make([]State, 1)}
	m, err := ParseMachine(noopString)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, noop) {
		t.Errorf("ParseMachine(%q) = %v, want the no-op machine", noopString, m)
	}
	back, err := ParseMachine(noop.Serialize())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, noop) {
		t.Errorf("Serialize does not round trip: got %v", back)
	}
}

func TestMachineNameDeterministic(t *testing.T) {
	m, err := NewMachine(1000, 1, 0, 0, []State{stateWith(PaddingSent, Trans{0, 1})})
	if err != nil {
		t.Fatal(err)
	}
	name := m.Name()
	if len(name) != 32 || strings.Trim(name, "0123456789abcdef") != "" {
		t.Errorf("Name() = %q, want 32 lowercase hex digits", name)
	}
	if again := m.Name(); again != name {
		t.Errorf("Name() = %s, then %s", name, again)
	}
	m.AllowedPaddingPackets++
	if m.Name() == name {
		t.Errorf("machines differing in allowed padding packets share the name %s", name)
	}
}

func TestValidateMachineLimits(t *testing.T) {
	for _, tc := range []struct {
		padding, blocking float64
		ok                bool
	}{
		{-0.1, 0, false},
		{1.1, 0, false},
		{0.5, 0, true},
		{0.5, -0.1, false},
		{0.5, 1.1, false},
		{0.5, 0.5, true},
		{0, 1, true},
		{math.Inf(1), 0, false},
		// A NaN fraction passes, as in the reference (neither < 0 nor > 1).
		{math.NaN(), math.NaN(), true},
	} {
		m := &Machine{
			AllowedPaddingPackets: 1000,
			MaxPaddingFrac:        tc.padding,
			MaxBlockingFrac:       tc.blocking,
			States:                []State{stateWith(PaddingSent, Trans{0, 1})},
		}
		if err := m.Validate(); (err == nil) != tc.ok {
			t.Errorf("fractions %v, %v: Validate() = %v, want ok %v", tc.padding, tc.blocking, err, tc.ok)
		}
	}
}

func TestValidateMachineErrors(t *testing.T) {
	valid := stateWith(PaddingSent, Trans{0, 0.8})
	for _, tc := range []struct {
		name   string
		states []State
		want   []string // in the error; none for a valid machine
	}{
		{"no states", nil, []string{"at least one state"}},
		{"too many states", make([]State, StateMax+1), []string{"100001 states", "100000"}},
		{"most states", make([]State, StateMax), nil},
		{"valid", []State{valid}, nil},
		{"target out of bounds", []State{stateWith(PaddingSent, Trans{1, 1})},
			[]string{"state 0", "PaddingSent", "transition to state 1", "the last state is 0"}},
		{"second state broken", []State{valid, stateWith(TimerEnd, Trans{0, 0.5}, Trans{0, 0.5})},
			[]string{"state 1", "TimerEnd", "more than one transition to state 0"}},
		{"empty transitions", []State{valid, valid, stateWith(CounterZero, []Trans{}...)},
			[]string{"state 2", "CounterZero", "empty"}},
		{"probability 0", []State{stateWith(Signal, Trans{0, 0})},
			[]string{"state 0", "Signal", "probability 0"}},
		{"sum above 1", []State{valid, stateWith(NormalRecv, Trans{0, 0.5}, Trans{StateEnd, 0.5000001})},
			[]string{"state 1", "NormalRecv", "sum to 1.0000001"}},
		{"bad counter", []State{{CounterB: &Counter{Operation: CounterSet, Dist: &Dist{Type: Beta{Alpha: 0, Beta: 1}}}}},
			[]string{"state 0", "counter B", "Beta", "alpha 0"}},
	} {
		_, err := NewMachine(0, 0, 0, 0, tc.states)
		if tc.want == nil {
			if err != nil {
				t.Errorf("%s: NewMachine: %v", tc.name, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidMachine) {
			t.Errorf("%s: NewMachine error %v does not wrap ErrInvalidMachine", tc.name, err)
			continue
		}
		for _, want := range tc.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not contain %q", tc.name, err, want)
			}
		}
	}
}

func TestMachineString(t *testing.T) {
	limit := Dist{Type: Uniform{Low: 1, High: 3}}
	m := &Machine{
		AllowedPaddingPackets:  5,
		MaxPaddingFrac:         0.07,
		AllowedBlockedMicrosec: 2000,
		States: []State{
			{
				Action:   SendPadding{Replace: true, Timeout: Dist{Type: Uniform{Low: 1, High: 2}, Start: 3}},
				CounterA: &Counter{Operation: CounterDecrement},
				Transitions: [NumEvents][]Trans{
					PaddingSent: {{0, 0.5}, {StateEnd, 0.25}},
					Signal:      {{StateSignal, 1}},
				},
			},
			{
				Action:   BlockOutgoing{Bypass: true, Timeout: uniformConst(0), Duration: Dist{Type: Normal{Mean: 5, Stdev: 1}, Max: 9}, Limit: &limit},
				CounterB: &Counter{Operation: CounterSet, Copy: true},
				Transitions: [NumEvents][]Trans{
					BlockingBegin: {{0, 0.1}, {1, 0.2}, {StateEnd, 0.699}},
				},
			},
			{},
		},
	}
	want := "Machine " + m.Name() + `, 3 states
  allowed padding packets: 5
  max padding fraction:    7% of packets sent
  allowed blocked time:    2000 µs
  max blocking fraction:   none
  state 0:
    action:           SendPadding (replace)
      timeout:        Uniform(low 1, high 2) + 3 µs
    counter A:        Decrement by 1
    on PaddingSent:   → 0 (50%), → End (25%), no transition (25%)
    on Signal:        → Signal
  state 1:
    action:           BlockOutgoing (bypass)
      timeout:        Uniform(low 0, high 0) µs
      duration:       Normal(mean 5, stdev 1), max 9 µs
      limit:          Uniform(low 1, high 3), then LimitReached
    counter B:        Set to the other counter
    on BlockingBegin: → 0 (10%), → 1 (20%), → End (69.9%), no transition (0.1%)
  state 2:
    action:           none
    transitions:      none (the machine stays in this state)
`
	if got := m.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
}

func TestMachineStringLimits(t *testing.T) {
	m := &Machine{MaxPaddingFrac: math.NaN(), MaxBlockingFrac: 1, States: []State{{}}}
	got := m.String()
	for _, want := range []string{
		"Machine " + m.Name() + ", 1 state\n",
		"  max padding fraction:    none (NaN)\n",
		"  max blocking fraction:   100% of the time\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("String() =\n%s\nwant a line %q", got, want)
		}
	}
}

func TestDescribeAction(t *testing.T) {
	d := uniformConst(7)
	for _, tc := range []struct {
		a       Action
		head    string
		details []actionDetail
	}{
		{nil, "none", nil},
		{Cancel{Timer: TimerAction}, "Cancel the action timer", nil},
		{Cancel{Timer: TimerInternal}, "Cancel the internal timer", nil},
		{Cancel{Timer: TimerAll}, "Cancel both timers", nil},
		{Cancel{Timer: 3}, "Cancel Timer(3)", nil},
		{SendPadding{Bypass: true, Timeout: d}, "SendPadding (bypass)",
			[]actionDetail{{"timeout", "Uniform(low 7, high 7) µs"}}},
		{UpdateTimer{Replace: true, Duration: d, Limit: &d}, "UpdateTimer (replace)",
			[]actionDetail{{"duration", "Uniform(low 7, high 7) µs"}, {"limit", "Uniform(low 7, high 7), then LimitReached"}}},
		{BlockOutgoing{Bypass: true, Replace: true, Timeout: d, Duration: d}, "BlockOutgoing (bypass, replace)",
			[]actionDetail{{"timeout", "Uniform(low 7, high 7) µs"}, {"duration", "Uniform(low 7, high 7) µs"}}},
	} {
		head, details := describeAction(tc.a)
		if head != tc.head || !slices.Equal(details, tc.details) {
			t.Errorf("describeAction(%#v) = %q, %q; want %q, %q", tc.a, head, details, tc.head, tc.details)
		}
	}
}

func TestRestPercent(t *testing.T) {
	for _, tc := range []struct {
		sum  float32
		want string
	}{
		{1, ""},
		{0.75, "25%"},
		{0.999, "0.1%"},
		{0.99999994, ""}, // float32 noise, not a chance
		{0.1 + 0.2 + 0.699, "0.1%"},
	} {
		if got := restPercent(tc.sum); got != tc.want {
			t.Errorf("restPercent(%v) = %q, want %q", tc.sum, got, tc.want)
		}
	}
}
