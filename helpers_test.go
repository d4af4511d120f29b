package maybenot

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// base is the creation time of every framework in the unit tests; test
// times are base plus a number of microseconds.
var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// us is one microsecond, the unit machines sample timeouts and durations in.
const us = time.Microsecond

// at returns the time micros microseconds after base.
func at(micros int64) time.Time {
	return base.Add(time.Duration(micros) * us)
}

// fixed is the distribution that always samples v (and draws nothing).
func fixed(v float64) Dist {
	return Dist{Type: Uniform{Low: v, High: v}}
}

// fixedPtr is fixed for the optional distributions (limits, counters).
func fixedPtr(v float64) *Dist {
	d := fixed(v)
	return &d
}

// edge is a certain (probability 1) transition to state to on event on.
type edge struct {
	on Event
	to uint32
}

// newState returns a state with action a (nil for none), no counters and
// the given certain transitions.
func newState(a Action, edges ...edge) State {
	s := State{Action: a}
	for _, e := range edges {
		s.Transitions[e.on] = append(s.Transitions[e.on], Trans{State: e.to, Probability: 1})
	}
	return s
}

// count is a counter update by 1 (or, for CounterSet, to 1).
func count(op Operation) *Counter { return &Counter{Operation: op} }

// countBy is a counter update by (or to) the constant v.
func countBy(op Operation, v float64) *Counter {
	return &Counter{Operation: op, Dist: fixedPtr(v)}
}

// countCopy is a counter update by (or to) the other counter's value.
func countCopy(op Operation) *Counter { return &Counter{Operation: op, Copy: true} }

// padAfter is a SendPadding action with a constant timeout in microseconds.
func padAfter(timeout float64) SendPadding {
	return SendPadding{Timeout: fixed(timeout)}
}

// blockAfter is a BlockOutgoing action with constant timeout and duration
// in microseconds.
func blockAfter(timeout, duration float64) BlockOutgoing {
	return BlockOutgoing{Timeout: fixed(timeout), Duration: fixed(duration)}
}

// newTestMachine builds a machine with NewMachine and fails the test if it
// does not validate.
func newTestMachine(t testing.TB, allowedPadding uint64, maxPaddingFrac float64,
	allowedBlocked uint64, maxBlockingFrac float64, states ...State) Machine {
	t.Helper()
	m, err := NewMachine(allowedPadding, maxPaddingFrac, allowedBlocked, maxBlockingFrac, states)
	if err != nil {
		t.Fatalf("NewMachine: %v", err)
	}
	return *m
}

// newTestFramework runs machines from base with a fixed SplitMix64 seed.
func newTestFramework(t testing.TB, machines []Machine, maxPaddingFrac, maxBlockingFrac float64) *Framework {
	t.Helper()
	f, err := NewFramework(machines, maxPaddingFrac, maxBlockingFrac, base, splitmix.New(1))
	if err != nil {
		t.Fatalf("NewFramework: %v", err)
	}
	return f
}

// Caller events.
var (
	normalRecv  = TriggerEvent{Event: NormalRecv}
	paddingRecv = TriggerEvent{Event: PaddingRecv}
	tunnelRecv  = TriggerEvent{Event: TunnelRecv}
	normalSent  = TriggerEvent{Event: NormalSent}
	tunnelSent  = TriggerEvent{Event: TunnelSent}
	blockingEnd = TriggerEvent{Event: BlockingEnd}
)

func paddingSent(m MachineID) TriggerEvent   { return TriggerEvent{Event: PaddingSent, Machine: m} }
func blockingBegin(m MachineID) TriggerEvent { return TriggerEvent{Event: BlockingBegin, Machine: m} }
func timerBegin(m MachineID) TriggerEvent    { return TriggerEvent{Event: TimerBegin, Machine: m} }
func timerEnd(m MachineID) TriggerEvent      { return TriggerEvent{Event: TimerEnd, Machine: m} }

// countingSource counts the numbers drawn from src.
type countingSource struct {
	src   rand.Source
	draws int
}

func (c *countingSource) Uint64() uint64 {
	c.draws++
	return c.src.Uint64()
}

// evs lists events for one TriggerEvents call.
func evs(es ...TriggerEvent) []TriggerEvent { return es }

// padding is the SendPadding action of machine m without flags.
func padding(m MachineID, timeout time.Duration) TriggerAction {
	return TriggerAction{Kind: ActionSendPadding, Machine: m, Timeout: timeout}
}

// blocking is the BlockOutgoing action of machine m without flags.
func blocking(m MachineID, timeout, duration time.Duration) TriggerAction {
	return TriggerAction{Kind: ActionBlockOutgoing, Machine: m, Timeout: timeout, Duration: duration}
}

// timer is the UpdateTimer action of machine m without flags.
func timer(m MachineID, duration time.Duration) TriggerAction {
	return TriggerAction{Kind: ActionUpdateTimer, Machine: m, Duration: duration}
}

// step calls f.TriggerEvents(events, now) and requires exactly the actions
// want, in that order (none if want is empty). It returns what the call
// returned.
func step(t testing.TB, f *Framework, now time.Time, events []TriggerEvent, want ...TriggerAction) []TriggerAction {
	t.Helper()
	got := f.TriggerEvents(events, now)
	if !slices.Equal(got, want) {
		t.Fatalf("TriggerEvents(%v, +%v):\ngot  %v\nwant %v", events, now.Sub(base), got, want)
	}
	return got
}

// tstep is one TriggerEvents call of a table-driven test and the actions
// it must return.
type tstep struct {
	now    time.Time
	events []TriggerEvent
	want   []TriggerAction
}

// runSteps runs steps in order on f, failing at the first mismatch.
func runSteps(t testing.TB, f *Framework, steps []tstep) {
	t.Helper()
	for i, s := range steps {
		got := f.TriggerEvents(s.events, s.now)
		if !slices.Equal(got, s.want) {
			t.Fatalf("step %d: TriggerEvents(%v, +%v):\ngot  %v\nwant %v", i, s.events, s.now.Sub(base), got, s.want)
		}
	}
}

// acts lists the actions a step expects.
func acts(as ...TriggerAction) []TriggerAction { return as }

// wantCounters requires machine i's counters to be a and b.
func wantCounters(t testing.TB, f *Framework, i int, a, b uint64) {
	t.Helper()
	rt := &f.runtime[i]
	if rt.counterA != a || rt.counterB != b {
		t.Fatalf("machine %d counters (A, B) = (%d, %d), want (%d, %d)", i, rt.counterA, rt.counterB, a, b)
	}
}

// wantState requires machine i to be in state s.
func wantState(t testing.TB, f *Framework, i int, s uint32) {
	t.Helper()
	if got := f.runtime[i].state; got != s {
		t.Fatalf("machine %d in state %d, want %d", i, got, s)
	}
}
