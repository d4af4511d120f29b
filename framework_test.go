package maybenot

import (
	"bytes"
	"encoding/base64"
	"math"
	"reflect"
	"testing"
	"time"
)

// The tests in this file follow the reference implementation's framework
// unit tests scenario by scenario, with the same expected actions and
// counter values. All their machines are deterministic (constant
// distributions, certain transitions), so any random source gives the same
// results.

func TestNoMachines(t *testing.T) {
	f, err := NewFramework(nil, 0, 0, base, nil)
	if err != nil {
		t.Fatalf("NewFramework without machines: %v", err)
	}
	if n := f.NumMachines(); n != 0 {
		t.Fatalf("NumMachines = %d, want 0", n)
	}
	step(t, f, at(0), evs(normalSent, normalRecv, paddingSent(0), blockingBegin(0), blockingEnd))
}

func TestReuseMachines(t *testing.T) {
	var none []Machine
	for i := range 2 {
		if _, err := NewFramework(none, 0, 0, base, nil); err != nil {
			t.Fatalf("framework %d over the same empty machines: %v", i, err)
		}
	}

	// Frameworks sharing machines keep their own runtime state: moving
	// one does not move the other.
	ms := []Machine{newTestMachine(t, 0, 0, 0, 0,
		newState(nil, edge{NormalSent, 1}),
		newState(padAfter(3)))}
	f1 := newTestFramework(t, ms, 0, 0)
	f2 := newTestFramework(t, ms, 0, 0)
	step(t, f1, at(0), evs(normalSent), padding(0, 3*us))
	wantState(t, f1, 0, 1)
	wantState(t, f2, 0, 0)
	step(t, f2, at(0), evs(normalSent), padding(0, 3*us))
}

func TestNoopMachine(t *testing.T) {
	// The reference serializes the no-op machine (one empty state, no
	// limits) to noop. The deflate stream inside is the compressor's
	// choice, so the check is on what it carries: the bincode encoding,
	// byte for byte, and the machine itself.
	const noop = "02eNpjYEAHjOgCAAA0AAI="
	m := newTestMachine(t, 0, 0, 0, 0, State{})

	compressed, err := base64.StdEncoding.DecodeString(noop[len(wireVersion):])
	if err != nil {
		t.Fatal(err)
	}
	raw, err := inflate(compressed, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := encodeMachine(&m); !bytes.Equal(got, raw) {
		t.Fatalf("bincode encoding\ngot  %x\nwant %x", got, raw)
	}

	ref, err := ParseMachine(noop)
	if err != nil {
		t.Fatalf("ParseMachine(%q): %v", noop, err)
	}
	if !reflect.DeepEqual(*ref, m) {
		t.Fatalf("ParseMachine(%q) = %+v, want %+v", noop, *ref, m)
	}
	s := m.Serialize()
	back, err := ParseMachine(s)
	if err != nil {
		t.Fatalf("ParseMachine(Serialize() = %q): %v", s, err)
	}
	if !reflect.DeepEqual(*back, m) {
		t.Fatalf("Serialize() = %q parses to %+v, want %+v", s, *back, m)
	}
}

// TestConstants pins the format version and the pseudo-state values the
// wire format depends on.
func TestConstants(t *testing.T) {
	if wireVersion != "02" {
		t.Errorf("wireVersion = %q, want \"02\"", wireVersion)
	}
	if StateEnd != math.MaxUint32 || StateSignal != math.MaxUint32-1 {
		t.Errorf("StateEnd, StateSignal = %d, %d, want %d, %d", StateEnd, StateSignal, uint32(math.MaxUint32), uint32(math.MaxUint32-1))
	}
	if StateMax != 100_000 || NumEvents != 13 {
		t.Errorf("StateMax, NumEvents = %d, %d, want 100000, 13", StateMax, NumEvents)
	}
}

func TestTriggerEventsActions(t *testing.T) {
	// Two states swapping on PaddingSent (0 -> 1) and PaddingRecv
	// (1 -> 0); state 0 pads after 10µs, state 1 after 1µs.
	m := newTestMachine(t, 1000, 1, 0, 0,
		newState(padAfter(10), edge{PaddingSent, 1}),
		newState(padAfter(1), edge{PaddingRecv, 0}))
	f := newTestFramework(t, []Machine{m}, 0, 0)
	if len(f.slots) != 1 {
		t.Fatalf("%d action slots, want 1", len(f.slots))
	}

	steps := []tstep{
		// No transition on BlockingBegin: nothing scheduled, now or
		// later.
		{at(0), evs(blockingBegin(0)), nil},
		{at(20), evs(blockingBegin(0)), nil},
		{at(20), evs(paddingSent(0)), acts(padding(0, 1*us))},
		// State 1 ignores PaddingSent.
		{at(40), evs(paddingSent(0)), nil},
		{at(40), evs(paddingRecv), acts(padding(0, 10*us))},
	}
	// Within one call, the last transition's action wins.
	for range 10 {
		steps = append(steps, tstep{at(40), evs(paddingSent(0), paddingRecv), acts(padding(0, 10*us))})
	}
	for i := range 10 {
		if i%2 == 0 {
			steps = append(steps, tstep{at(40), evs(paddingRecv, paddingSent(0), paddingRecv), acts(padding(0, 10*us))})
		} else {
			steps = append(steps, tstep{at(40), evs(paddingSent(0), paddingRecv, paddingSent(0)), acts(padding(0, 1*us))})
		}
	}
	runSteps(t, f, steps)
}

func TestBlockingMachine(t *testing.T) {
	// Block for 10µs, 1µs after each NormalSent.
	m := newTestMachine(t, 1000, 1, 0, 0,
		newState(blockAfter(1, 10), edge{NormalSent, 0}))
	f := newTestFramework(t, []Machine{m}, 0, 0)

	steps := []tstep{
		{at(0), evs(normalSent), acts(blocking(0, 1*us, 10*us))},
		{at(20), evs(blockingBegin(0)), nil},
	}
	for i := range int64(10) {
		steps = append(steps, tstep{at(21 + i), evs(normalSent), acts(blocking(0, 1*us, 10*us))})
	}
	runSteps(t, f, steps)
}

func TestTimerMachine(t *testing.T) {
	// After PaddingSent set the timer to 1ms; when it ends, pad again.
	m := newTestMachine(t, 1000, 1, 0, 0,
		newState(padAfter(1), edge{PaddingSent, 1}),
		newState(UpdateTimer{Duration: fixed(1000)}, edge{TimerEnd, 0}))
	f := newTestFramework(t, []Machine{m}, 0, 0)

	runSteps(t, f, []tstep{
		{at(0), evs(paddingSent(0)), acts(timer(0, 1000*us))},
		{at(20), evs(timerEnd(0)), acts(padding(0, 1*us))},
	})
}

// counterStep is a step of a counter test: the actions it must return and
// machine 0's counters after it.
type counterStep struct {
	now    time.Time
	events []TriggerEvent
	want   []TriggerAction
	a, b   uint64
}

func runCounterSteps(t *testing.T, f *Framework, steps []counterStep) {
	t.Helper()
	for _, s := range steps {
		step(t, f, s.now, s.events, s.want...)
		wantCounters(t, f, 0, s.a, s.b)
	}
}

func TestCounterMachine(t *testing.T) {
	// Counter A counts PaddingSent minus NormalSent; when it returns to
	// zero, pad and add 4 to counter B.
	s0 := newState(nil, edge{PaddingSent, 1}, edge{CounterZero, 2})
	s0.CounterA = count(CounterDecrement)
	s1 := newState(nil, edge{NormalSent, 0})
	s1.CounterA = count(CounterIncrement)
	s2 := newState(padAfter(2), edge{NormalSent, 0}, edge{PaddingSent, 1})
	s2.CounterB = countBy(CounterIncrement, 4)
	f := newTestFramework(t, []Machine{newTestMachine(t, 1000, 1, 0, 0, s0, s1, s2)}, 0, 0)

	runCounterSteps(t, f, []counterStep{
		{at(0), evs(paddingSent(0)), nil, 1, 0},
		{at(20), evs(normalSent), acts(padding(0, 2*us)), 0, 4},
	})
	wantState(t, f, 0, 2)
}

func TestCounterUnderflowMachine(t *testing.T) {
	// Decrementing or setting a counter that is already 0 leaves it at 0
	// and raises no CounterZero (which would lead to the padding state).
	s0 := newState(nil, edge{NormalSent, 0}, edge{NormalRecv, 1}, edge{CounterZero, 2})
	s0.CounterB = countBy(CounterDecrement, 10)
	s1 := newState(nil, edge{NormalSent, 0}, edge{NormalRecv, 1}, edge{CounterZero, 2})
	s1.CounterB = countBy(CounterSet, 0)
	s2 := newState(padAfter(2), edge{NormalSent, 0}, edge{NormalRecv, 1})
	f := newTestFramework(t, []Machine{newTestMachine(t, 1000, 1, 0, 0, s0, s1, s2)}, 0, 0)

	runCounterSteps(t, f, []counterStep{
		{at(0), evs(normalSent), nil, 0, 0},
		{at(0), evs(normalRecv), nil, 0, 0},
	})
	wantState(t, f, 0, 1)
}

func TestCounterOverflowMachine(t *testing.T) {
	// A counter set to 2^64-1 stays there when incremented.
	s0 := newState(nil, edge{NormalSent, 0}, edge{NormalRecv, 1})
	s0.CounterA = countBy(CounterIncrement, 1000)
	s1 := newState(nil, edge{NormalSent, 0}, edge{NormalRecv, 1})
	s1.CounterA = countBy(CounterSet, math.MaxUint64) // 2^64 as a float64
	f := newTestFramework(t, []Machine{newTestMachine(t, 1000, 1, 0, 0, s0, s1)}, 0, 0)

	runCounterSteps(t, f, []counterStep{
		{at(0), evs(normalRecv), nil, math.MaxUint64, 0},
		{at(0), evs(normalSent), nil, math.MaxUint64, 0},
	})
}

func TestCounterConvergenceMachine(t *testing.T) {
	// Both counters reach zero in the same update: only one CounterZero
	// transition follows (state 2 would go on to state 0 on a second).
	s0 := newState(nil, edge{NormalSent, 0}, edge{PaddingSent, 1})
	s0.CounterA = countBy(CounterSet, 44)
	s0.CounterB = countBy(CounterSet, 28)
	s1 := newState(nil, edge{NormalSent, 1}, edge{CounterZero, 2})
	s1.CounterA = countBy(CounterDecrement, 32)
	s1.CounterB = countBy(CounterDecrement, 15)
	s2 := newState(nil, edge{CounterZero, 0})
	f := newTestFramework(t, []Machine{newTestMachine(t, 1000, 1, 0, 0, s0, s1, s2)}, 0, 0)

	runCounterSteps(t, f, []counterStep{
		{at(0), evs(normalSent), nil, 44, 28},
		{at(20), evs(paddingSent(0)), nil, 12, 13},
		{at(40), evs(normalSent), nil, 0, 0},
	})
	wantState(t, f, 0, 2)
}

func TestCounterDivergenceMachine(t *testing.T) {
	// Only counter B reaches zero; that alone raises CounterZero.
	s0 := newState(nil, edge{NormalSent, 0}, edge{PaddingSent, 1})
	s0.CounterA = countBy(CounterSet, 50)
	s0.CounterB = countBy(CounterSet, 50)
	s1 := newState(nil, edge{CounterZero, 2})
	s1.CounterB = countBy(CounterDecrement, 50)
	s2 := newState(nil)
	s2.CounterA = countBy(CounterIncrement, 25)
	f := newTestFramework(t, []Machine{newTestMachine(t, 1000, 1, 0, 0, s0, s1, s2)}, 0, 0)

	runCounterSteps(t, f, []counterStep{
		{at(0), evs(normalSent), nil, 50, 50},
		{at(20), evs(paddingSent(0)), nil, 75, 0},
	})
	wantState(t, f, 0, 2)
}

func TestCounterChainMachine(t *testing.T) {
	// Entering state 1 zeroes A, which moves to state 2, which zeroes B,
	// which moves to state 3. The counters are updated in that order, and
	// the action kept is the latest one scheduled (state 2's), not the
	// one of the state first entered.
	s0 := newState(nil, edge{NormalSent, 0}, edge{PaddingSent, 1})
	s0.CounterA = count(CounterSet)
	s0.CounterB = count(CounterSet)
	s1 := newState(padAfter(2), edge{CounterZero, 2})
	s1.CounterA = count(CounterDecrement)
	s2 := newState(SendPadding{Bypass: true, Timeout: fixed(67)}, edge{CounterZero, 3})
	s2.CounterB = count(CounterDecrement)
	s3 := newState(nil)
	s3.CounterA = countBy(CounterSet, 13)
	f := newTestFramework(t, []Machine{newTestMachine(t, 0, 0, 0, 0, s0, s1, s2, s3)}, 0, 0)

	runCounterSteps(t, f, []counterStep{
		{at(0), evs(normalSent), nil, 1, 1},
		{at(20), evs(paddingSent(0)), acts(TriggerAction{
			Kind: ActionSendPadding, Machine: 0, Timeout: 67 * us, Bypass: true,
		}), 13, 0},
	})
	wantState(t, f, 0, 3)
}

func TestCounterCopyMachine(t *testing.T) {
	// Copy takes the other counter's value from before the state was
	// entered.
	s0 := newState(nil, edge{NormalSent, 0}, edge{PaddingSent, 1})
	s0.CounterA = countBy(CounterSet, 4)
	s0.CounterB = countBy(CounterSet, 13)
	s1 := newState(nil, edge{PaddingSent, 2})
	s1.CounterA = countCopy(CounterSet)       // 13
	s1.CounterB = countCopy(CounterDecrement) // 13 - 4
	s2 := newState(nil)
	s2.CounterA = countCopy(CounterIncrement) // 13 + 9
	f := newTestFramework(t, []Machine{newTestMachine(t, 1000, 1, 0, 0, s0, s1, s2)}, 0, 0)

	runCounterSteps(t, f, []counterStep{
		{at(0), evs(normalSent), nil, 4, 13},
		{at(20), evs(paddingSent(0)), nil, 13, 9},
		{at(40), evs(paddingSent(0)), nil, 22, 9},
	})
}

func TestCounterTriggeredNoEarlyLimitDecrement(t *testing.T) {
	// In state 1, a PaddingSent zeroes A (to state 2), whose entry zeroes
	// B (back to state 1). Leaving and re-entering state 1 within the
	// event counts as a state change: the limit is sampled afresh and not
	// decremented.
	s0 := newState(nil, edge{NormalSent, 0}, edge{PaddingSent, 1})
	s0.CounterA = countBy(CounterSet, 2)
	s0.CounterB = count(CounterSet)
	s1 := newState(SendPadding{Timeout: fixed(1), Limit: fixedPtr(2)},
		edge{CounterZero, 2}, edge{PaddingSent, 1})
	s1.CounterA = count(CounterDecrement)
	s2 := newState(nil, edge{CounterZero, 1})
	s2.CounterB = count(CounterDecrement)
	f := newTestFramework(t, []Machine{newTestMachine(t, 1000, 1, 0, 0, s0, s1, s2)}, 0, 0)

	wantLimit := func(want uint64) {
		t.Helper()
		if got := f.runtime[0].limit; got != want {
			t.Fatalf("state limit = %d, want %d", got, want)
		}
	}
	step(t, f, at(0), evs(normalSent))
	wantCounters(t, f, 0, 2, 1)

	step(t, f, at(0), evs(paddingSent(0)), padding(0, 1*us))
	wantCounters(t, f, 0, 1, 1)
	wantLimit(2)

	step(t, f, at(0), evs(paddingSent(0)), padding(0, 1*us))
	wantCounters(t, f, 0, 0, 0)
	wantLimit(2)
	wantState(t, f, 0, 1)
}

func TestInfiniteLoopCounter(t *testing.T) {
	// States A and B zero each other's counter on entry and move to each
	// other on CounterZero. Each counter may zero once per call, so the
	// loop stops (in state A) and the NormalRecv that follows reaches the
	// padding state.
	const (
		sInit = 1
		sA    = 2
		sB    = 3
		sPad  = 4
	)
	start := newState(nil, edge{NormalSent, sInit})
	initial := newState(nil, edge{NormalSent, sA})
	initial.CounterA = count(CounterSet)
	stateA := newState(nil, edge{CounterZero, sB}, edge{NormalRecv, sPad})
	stateA.CounterA = count(CounterDecrement)
	stateA.CounterB = count(CounterSet)
	stateB := newState(nil, edge{CounterZero, sA})
	stateB.CounterA = count(CounterSet)
	stateB.CounterB = count(CounterDecrement)
	pad := newState(padAfter(1))
	f := newTestFramework(t, []Machine{newTestMachine(t, 1000, 1, 0, 0, start, initial, stateA, stateB, pad)}, 0, 0)

	step(t, f, at(0), evs(normalSent))
	step(t, f, at(0), evs(normalSent, normalRecv), padding(0, 1*us))
	wantState(t, f, 0, sPad)
}

func TestSignalOneMachine(t *testing.T) {
	// Machine 0 signals on NormalSent. Machine 1 gets the signal and
	// pads; machine 0, which would pad on a Signal too, does not get its
	// own.
	s1 := newState(padAfter(2))
	m0 := newTestMachine(t, 1000, 1, 0, 0,
		newState(nil, edge{NormalSent, StateSignal}, edge{Signal, 1}), s1)
	m1 := newTestMachine(t, 1000, 1, 0, 0,
		newState(nil, edge{Signal, 1}), s1)
	f := newTestFramework(t, []Machine{m0, m1}, 0, 0)

	step(t, f, at(0), evs(normalSent), padding(1, 2*us))
	wantState(t, f, 0, 0)
}

func TestSignalTwoMachines(t *testing.T) {
	// Both machines signal on the same event: both get a Signal.
	m := newTestMachine(t, 1000, 1, 0, 0,
		newState(nil, edge{NormalSent, StateSignal}, edge{Signal, 1}),
		newState(padAfter(2)))
	f := newTestFramework(t, []Machine{m, m}, 0, 0)

	step(t, f, at(0), evs(normalSent), padding(0, 2*us), padding(1, 2*us))
}

func TestSignalResponse(t *testing.T) {
	// Machine 1 answers machine 0's signal with one of its own, which
	// reaches machine 0 in the same call.
	s1 := newState(padAfter(2))
	m0 := newTestMachine(t, 1000, 1, 0, 0,
		newState(nil, edge{NormalSent, StateSignal}, edge{Signal, 1}), s1)
	m1 := newTestMachine(t, 1000, 1, 0, 0,
		newState(nil, edge{Signal, StateSignal}), s1)
	f := newTestFramework(t, []Machine{m0, m1}, 0, 0)

	step(t, f, at(0), evs(normalSent), padding(0, 2*us))
	wantState(t, f, 1, 0)
}

// selfLoop is a one-state machine state with action a that transitions to
// itself on each of the events.
func selfLoop(a Action, on ...Event) State {
	s := newState(a)
	for _, e := range on {
		s.Transitions[e] = []Trans{{State: 0, Probability: 1}}
	}
	return s
}

func TestMachineMaxPaddingFrac(t *testing.T) {
	// 100 padding packets are allowed outright; after that, padding must
	// stay below half of the machine's sent packets. NormalRecv re-enters
	// the state without counting a packet.
	m := newTestMachine(t, 100, 0.5, 0, 0,
		selfLoop(padAfter(2), PaddingSent, NormalSent, NormalRecv))
	f := newTestFramework(t, []Machine{m}, 0, 0)
	pad := padding(0, 2*us)

	step(t, f, at(0), evs(normalRecv), pad)
	for i := 1; i <= 100; i++ {
		if i < 100 {
			step(t, f, at(0), evs(paddingSent(0)), pad)
		} else {
			// The 100th used up the allowance: 100 of 100 is over half.
			step(t, f, at(0), evs(paddingSent(0)))
		}
	}
	step(t, f, at(0), evs(normalRecv))
	// 100 normal packets bring the fraction down to exactly one half,
	// which is still too much.
	for range 100 {
		step(t, f, at(0), evs(normalSent))
	}
	step(t, f, at(0), evs(normalSent), pad)
}

func TestFrameworkMaxPaddingFrac(t *testing.T) {
	// Two machines with 100 allowed padding packets each and no fraction
	// of their own; the framework allows half of all sent packets.
	m := newTestMachine(t, 100, 0, 0, 0,
		selfLoop(padAfter(2), PaddingSent, NormalSent, NormalRecv))
	f := newTestFramework(t, []Machine{m, m}, 0.5, 0)
	both := acts(padding(0, 2*us), padding(1, 2*us))

	step(t, f, at(0), evs(normalRecv), both...)
	for i := 1; i <= 100; i++ {
		want := both
		if i == 100 {
			want = nil
		}
		step(t, f, at(0), evs(paddingSent(0), paddingSent(1), tunnelSent, tunnelSent), want...)
	}
	step(t, f, at(0), evs(normalRecv, normalRecv))
	for i := range 2 {
		if got := f.runtime[i].paddingSent; got != 100 {
			t.Fatalf("machine %d sent %d padding packets, want 100", i, got)
		}
	}
	// 200 padding packets need more than 200 normal ones.
	for range 200 {
		step(t, f, at(0), evs(normalSent))
	}
	step(t, f, at(0), evs(normalSent), both...)
}

// testMaxBlockingFrac runs the blocking fraction scenario of the machine
// and framework variants: 10µs of blocking are allowed outright, then the
// fraction (0.5, of the machine or the framework) applies.
func testMaxBlockingFrac(t *testing.T, machineFrac, frameworkFrac float64) {
	t.Helper()
	m := newTestMachine(t, 0, 0, 10, machineFrac,
		selfLoop(blockAfter(2, 2), BlockingBegin, BlockingEnd, NormalRecv))
	f := newTestFramework(t, []Machine{m}, 0, frameworkFrac)
	block := blocking(0, 2*us, 2*us)
	wantBlocked := func(want time.Duration) {
		t.Helper()
		if got := f.runtime[0].blocked; got != want {
			t.Fatalf("machine blocked %v, want %v", got, want)
		}
	}

	now := int64(0)
	step(t, f, at(now), evs(normalRecv), block)
	// Five 2µs blockings use up the 10µs allowance.
	for i := 1; i <= 5; i++ {
		step(t, f, at(now), evs(blockingBegin(0)), block)
		now += 2
		if i < 5 {
			step(t, f, at(now), evs(blockingEnd), block)
		} else {
			step(t, f, at(now), evs(blockingEnd))
		}
	}
	wantBlocked(10 * us)

	// Blocked 10µs of the elapsed 12, 14, ... 20µs: at least half.
	for range 5 {
		now += 2
		step(t, f, at(now), evs(normalRecv))
	}
	wantBlocked(10 * us)
	if got := at(now).Sub(f.start); got != 20*us {
		t.Fatalf("elapsed %v, want 20µs", got)
	}
	// 10 of 22µs is below half.
	now += 2
	step(t, f, at(now), evs(normalRecv), block)
}

func TestMachineMaxBlockingFrac(t *testing.T) {
	testMaxBlockingFrac(t, 0.5, 0)
}

func TestFrameworkMaxBlockingFrac(t *testing.T) {
	testMaxBlockingFrac(t, 0, 0.5)
}

func TestFrameworkReplaceBlocking(t *testing.T) {
	// Machine 0 uses up its blocking budget, yet may still replace
	// blocking that machine 1 started, since its action has replace set.
	m0 := newTestMachine(t, 0, 0, 2, 0.5,
		newState(BlockOutgoing{Replace: true, Timeout: fixed(2), Duration: fixed(2)}, edge{NormalRecv, 0}))
	m1 := newTestMachine(t, 0, 0, 0, 0,
		newState(blockAfter(0, 1000), edge{NormalSent, 0}))
	f := newTestFramework(t, []Machine{m0, m1}, 0, 0)
	replace := TriggerAction{Kind: ActionBlockOutgoing, Machine: 0, Timeout: 2 * us, Duration: 2 * us, Replace: true}

	step(t, f, at(0), evs(normalRecv), replace)
	step(t, f, at(0), evs(blockingBegin(0)))
	step(t, f, at(2), evs(blockingEnd))

	// 2µs of 2µs blocked: machine 0 may not block any more.
	step(t, f, at(2), evs(normalRecv))
	if got := f.runtime[0].blocked; got != 2*us {
		t.Fatalf("machine 0 blocked %v, want 2µs", got)
	}

	step(t, f, at(2), evs(normalSent), blocking(1, 0, 1000*us))
	step(t, f, at(2), evs(blockingBegin(1)))
	step(t, f, at(2), evs(normalRecv), replace)
}

func TestFrameworkMachineSampledLimit(t *testing.T) {
	// State 1 pads with a limit of 4: after four PaddingSent (each a
	// self-transition) the limit is used up and no action remains.
	m := newTestMachine(t, 100_000, 0, 0, 0,
		newState(nil, edge{NormalSent, 1}),
		newState(SendPadding{Timeout: fixed(1), Limit: fixedPtr(4)}, edge{PaddingSent, 1}))
	f := newTestFramework(t, []Machine{m}, 0, 0)

	step(t, f, at(0), evs(normalSent), padding(0, 1*us))
	if got := f.runtime[0].limit; got != 4 {
		t.Fatalf("state limit = %d, want 4", got)
	}
	for i := int64(1); i <= 4; i++ {
		if i < 4 {
			step(t, f, at(i), evs(paddingSent(0)), padding(0, 1*us))
		} else {
			step(t, f, at(i), evs(paddingSent(0)))
		}
	}
	rt := &f.runtime[0]
	if rt.paddingSent != 4 || f.normalSent != 1 {
		t.Fatalf("machine sent %d padding and %d normal packets, want 4 and 1", rt.paddingSent, f.normalSent)
	}
	if rt.limit != 0 {
		t.Fatalf("state limit = %d, want 0", rt.limit)
	}
}
