package maybenot

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// The tests in this file cover framework behaviour that SPEC.md sections 4
// and 5 describe and the reference has no unit test for.

// newCountingFramework runs machines from base with a SplitMix64 source
// whose draws are counted.
func newCountingFramework(t *testing.T, machines []Machine, maxPaddingFrac, maxBlockingFrac float64) (*Framework, *countingSource) {
	t.Helper()
	src := &countingSource{src: splitmix.New(7)}
	f, err := NewFramework(machines, maxPaddingFrac, maxBlockingFrac, base, src)
	if err != nil {
		t.Fatalf("NewFramework: %v", err)
	}
	return f, src
}

func TestCallerInternalEventsIgnored(t *testing.T) {
	// State 0 has transitions for the framework's own events, which a
	// caller cannot trigger, and for NormalRecv, which it can.
	m := newTestMachine(t, 10, 0, 0, 0,
		newState(nil, edge{LimitReached, 1}, edge{CounterZero, 1}, edge{Signal, 1}, edge{NormalRecv, 2}),
		newState(padAfter(1)),
		newState(padAfter(2)))
	f, src := newCountingFramework(t, []Machine{m}, 0, 0)

	for _, e := range []Event{LimitReached, CounterZero, Signal, NumEvents, 99, math.MaxUint8} {
		for _, id := range []MachineID{0, 1, -1} {
			step(t, f, at(0), evs(TriggerEvent{Event: e, Machine: id}))
			wantState(t, f, 0, 0)
		}
	}
	if src.draws != 0 {
		t.Fatalf("ignored events drew %d random numbers, want none", src.draws)
	}
	step(t, f, at(0), evs(normalRecv), padding(0, 2*us))
}

// badIDs are machine IDs out of range for a framework of one machine.
var badIDs = []MachineID{-1, 1, 2, math.MaxInt32, math.MaxInt, math.MinInt}

func TestEventsForMissingMachinesIgnored(t *testing.T) {
	// Machine 0's state 0 sets a timer with a limit of 1 and leaves on
	// PaddingSent, TimerEnd and LimitReached. If an event for a missing
	// machine reached it, it would leave state 0 or use up the limit.
	m := newTestMachine(t, 10, 0, 0, 0,
		newState(UpdateTimer{Duration: fixed(5), Limit: fixedPtr(1)},
			edge{PaddingSent, 1}, edge{TimerEnd, 1}, edge{LimitReached, 1}),
		newState(padAfter(7)))

	for _, id := range badIDs {
		f, src := newCountingFramework(t, []Machine{m}, 0, 0)
		step(t, f, at(0), evs(paddingSent(id), blockingBegin(id), timerBegin(id), timerEnd(id)))
		wantState(t, f, 0, 0)
		rt := &f.runtime[0]
		if rt.limit != 1 || rt.paddingSent != 0 {
			t.Fatalf("id %d: machine 0 has limit %d and %d padding sent, want 1 and 0", id, rt.limit, rt.paddingSent)
		}
		// PaddingSent still counts for the framework, and BlockingBegin
		// concerns every machine: the blocking is on.
		if f.paddingSent != 1 {
			t.Fatalf("id %d: framework counted %d padding packets, want 1", id, f.paddingSent)
		}
		if !f.blockingActive || !f.blockingStarted.Equal(at(0)) {
			t.Fatalf("id %d: blocking active %v since +%v, want active since +0s", id, f.blockingActive, f.blockingStarted.Sub(base))
		}
		if src.draws != 0 {
			t.Fatalf("id %d: drew %d random numbers, want none", id, src.draws)
		}

		// The same timer event for machine 0 uses up its limit.
		step(t, f, at(0), evs(timerBegin(0)), padding(0, 7*us))
	}
}

func TestPaddingSentForMissingMachineCountsTowardsFraction(t *testing.T) {
	// The machine pads whenever it receives a packet, bounded only by the
	// framework's padding fraction of one half.
	m := newTestMachine(t, 0, 0, 0, 0, selfLoop(padAfter(3), NormalRecv))

	// One normal packet: padding is at 0 of 1.
	f := newTestFramework(t, []Machine{m}, 0.5, 0)
	step(t, f, at(0), evs(normalSent))
	step(t, f, at(0), evs(normalRecv), padding(0, 3*us))

	// With a padding packet of a missing machine, padding is at 1 of 2.
	for _, id := range badIDs {
		f := newTestFramework(t, []Machine{m}, 0.5, 0)
		step(t, f, at(0), evs(normalSent))
		step(t, f, at(0), evs(paddingSent(id)))
		step(t, f, at(0), evs(normalRecv))
		if f.paddingSent != 1 || f.normalSent != 1 {
			t.Fatalf("id %d: framework counted %d padding and %d normal packets, want 1 and 1", id, f.paddingSent, f.normalSent)
		}
	}
}

func TestNewFrameworkRejectsFractions(t *testing.T) {
	m := newTestMachine(t, 0, 0, 0, 0, State{})
	bad := []float64{-0.1, -math.SmallestNonzeroFloat64, math.Nextafter(1, 2), 1.5, math.NaN(), math.Inf(1), math.Inf(-1)}
	good := []float64{0, math.Copysign(0, -1), math.SmallestNonzeroFloat64, 0.5, 1}

	for _, frac := range bad {
		f, err := NewFramework([]Machine{m}, frac, 0, base, nil)
		if f != nil || !errors.Is(err, ErrPaddingLimit) || errors.Is(err, ErrBlockingLimit) {
			t.Errorf("max padding fraction %v: got %v, %v; want ErrPaddingLimit", frac, f, err)
		}
		f, err = NewFramework([]Machine{m}, 0, frac, base, nil)
		if f != nil || !errors.Is(err, ErrBlockingLimit) || errors.Is(err, ErrPaddingLimit) {
			t.Errorf("max blocking fraction %v: got %v, %v; want ErrBlockingLimit", frac, f, err)
		}
		// The padding fraction is checked first.
		if _, err := NewFramework([]Machine{m}, frac, frac, base, nil); !errors.Is(err, ErrPaddingLimit) {
			t.Errorf("both fractions %v: got %v, want ErrPaddingLimit", frac, err)
		}
	}
	for _, frac := range good {
		if _, err := NewFramework([]Machine{m}, frac, frac, base, nil); err != nil {
			t.Errorf("fractions %v: %v", frac, err)
		}
	}
}

func TestNewFrameworkRejectsInvalidMachine(t *testing.T) {
	valid := newTestMachine(t, 0, 0, 0, 0, newState(padAfter(1), edge{NormalSent, 0}))
	emptyTransitions := State{}
	emptyTransitions.Transitions[NormalSent] = []Trans{}
	invalid := []Machine{
		{States: []State{emptyTransitions}},
		{States: nil},
		{MaxPaddingFrac: 2, States: []State{{}}},
		{States: []State{newState(nil, edge{NormalSent, 1})}},
	}

	for _, bad := range invalid {
		for i := range 3 {
			ms := []Machine{valid, valid, valid}
			ms[i] = bad
			f, err := NewFramework(ms, 0, 0, base, nil)
			if f != nil || !errors.Is(err, ErrInvalidMachine) {
				t.Fatalf("machine %d invalid (%+v): got %v, %v; want ErrInvalidMachine", i, bad, f, err)
			}
			if want := fmt.Sprintf("machine %d:", i); !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q does not name %q", err, want)
			}
		}
	}
	// Fractions are checked before machines.
	if _, err := NewFramework(invalid[:1], 2, 0, base, nil); !errors.Is(err, ErrPaddingLimit) {
		t.Fatalf("bad fraction and machine: got %v, want ErrPaddingLimit", err)
	}
}

func TestNilRandomSource(t *testing.T) {
	// Each NormalSent pads after a timeout drawn uniformly from [0, 1s).
	m := newTestMachine(t, 1000, 0, 0, 0,
		selfLoop(SendPadding{Timeout: Dist{Type: Uniform{Low: 0, High: 1e6}}}, NormalSent))
	ms := []Machine{m}

	var runs [2][]time.Duration
	for r := range runs {
		f, err := NewFramework(ms, 0, 0, base, nil)
		if err != nil {
			t.Fatalf("NewFramework with nil source: %v", err)
		}
		if _, ok := f.rng.(*rand.ChaCha8); !ok {
			t.Fatalf("default source is %T, want *rand.ChaCha8", f.rng)
		}
		for i := range int64(16) {
			got := f.TriggerEvents(evs(normalSent), at(i))
			if len(got) != 1 || got[0].Kind != ActionSendPadding || got[0].Machine != 0 {
				t.Fatalf("run %d step %d: got %v, want one SendPadding of machine 0", r, i, got)
			}
			d := got[0].Timeout
			if d < 0 || d > time.Second || d%us != 0 {
				t.Fatalf("run %d step %d: timeout %v, want whole microseconds in [0, 1s]", r, i, d)
			}
			runs[r] = append(runs[r], d)
		}
	}
	// Two defaults are seeded independently: 16 equal draws from a
	// million values each would be a broken seed.
	if slices.Equal(runs[0], runs[1]) {
		t.Fatalf("two frameworks with the default source drew the same timeouts %v", runs[0])
	}
}

// signalObserver is a machine that pads after 1µs on its first Signal and
// after 2µs on its second.
func signalObserver(t *testing.T) Machine {
	return newTestMachine(t, 10, 0, 0, 0,
		newState(nil, edge{Signal, 1}),
		newState(padAfter(1), edge{Signal, 2}),
		newState(padAfter(2)))
}

func TestSignalRaisedInLastDeliveryStaysPending(t *testing.T) {
	// Machine 0 signals on NormalSent and on every Signal; machine 1
	// answers every Signal with one; machine 2 observes.
	m0 := newTestMachine(t, 0, 0, 0, 0,
		newState(nil, edge{NormalSent, StateSignal}, edge{Signal, StateSignal}))
	m1 := newTestMachine(t, 0, 0, 0, 0,
		newState(nil, edge{Signal, StateSignal}))
	f := newTestFramework(t, []Machine{m0, m1, signalObserver(t)}, 0, 0)
	wantPending := func(except int) {
		t.Helper()
		if !f.signalPending || f.signalExcept != except {
			t.Fatalf("pending signal %v except %d, want one for all but machine %d", f.signalPending, f.signalExcept, except)
		}
	}

	// Machine 0's signal reaches 1 and 2; machine 1's answer reaches 0,
	// whose answer in turn is left for the next call.
	step(t, f, at(0), evs(normalSent), padding(2, 1*us))
	wantPending(0)

	// The next call, even without events, delivers it.
	step(t, f, at(1), nil, padding(2, 2*us))
	wantPending(0)
}

func TestSignalRaisedDuringBroadcastDropped(t *testing.T) {
	// Machines 0 and 1 both signal on NormalSent, so the signal goes to
	// every machine; their answers are raised during that broadcast and,
	// with no machine left out, dropped.
	m := newTestMachine(t, 0, 0, 0, 0,
		newState(nil, edge{NormalSent, StateSignal}, edge{Signal, StateSignal}))
	f := newTestFramework(t, []Machine{m, m, signalObserver(t)}, 0, 0)

	step(t, f, at(0), evs(normalSent), padding(2, 1*us))
	if f.signalPending {
		t.Fatalf("signal pending (except %d) after a broadcast, want none", f.signalExcept)
	}
	step(t, f, at(1), nil)
}

func TestBlockingDurationsSaturate(t *testing.T) {
	// The machine may block for 2^64-1µs (about 585,000 years, beyond a
	// time.Duration) and blocks again on every blocking event.
	m := newTestMachine(t, 0, 0, math.MaxUint64, 0,
		selfLoop(blockAfter(0, 1e6), BlockingBegin, BlockingEnd, NormalRecv))
	f := newTestFramework(t, []Machine{m}, 0, 0)
	if got := f.runtime[0].allowedBlocked; got != math.MaxInt64 {
		t.Fatalf("allowed blocking %v, want the largest Duration", got)
	}
	block := blocking(0, 0, time.Second)
	far := base.Add(math.MaxInt64)
	farther := far.Add(math.MaxInt64)
	wantBlocked := func(want time.Duration) {
		t.Helper()
		if f.runtime[0].blocked != want || f.blocked != want {
			t.Fatalf("blocked: machine %v, framework %v; want %v", f.runtime[0].blocked, f.blocked, want)
		}
	}

	// About 292 years of blocking: the largest Duration.
	step(t, f, base, evs(blockingBegin(0)), block)
	step(t, f, far, evs(blockingEnd), block)
	wantBlocked(math.MaxInt64)

	// As long again: ongoing blocking is added while judging the
	// limits, then ended; every sum stays at the largest Duration.
	step(t, f, far, evs(blockingBegin(0)), block)
	step(t, f, farther, evs(normalRecv), block)
	step(t, f, farther, evs(blockingEnd), block)
	wantBlocked(math.MaxInt64)
}

func TestReturnedSliceReused(t *testing.T) {
	m := newTestMachine(t, 1_000_000, 0, 0, 0, selfLoop(padAfter(1), NormalSent))
	f := newTestFramework(t, []Machine{m, m}, 0, 0)

	first := step(t, f, at(0), evs(normalSent), padding(0, 1*us), padding(1, 1*us))
	second := step(t, f, at(1), evs(normalSent), padding(0, 1*us), padding(1, 1*us))
	if &first[0] != &second[0] {
		t.Fatal("consecutive calls returned different backing arrays")
	}
	empty := step(t, f, at(2), evs(normalRecv))
	if cap(empty) < 1 || &empty[:1][0] != &first[0] {
		t.Fatal("an empty result does not reuse the backing array")
	}

	events := evs(normalRecv, normalSent, tunnelSent, paddingSent(0), tunnelRecv)
	if n := testing.AllocsPerRun(100, func() { f.TriggerEvents(events, at(3)) }); n != 0 {
		t.Fatalf("TriggerEvents allocates %v times per call, want 0", n)
	}
}

func TestAllMachinesEnded(t *testing.T) {
	f := newTestFramework(t, nil, 0, 0)
	if !f.AllMachinesEnded() {
		t.Fatal("AllMachinesEnded() = false without machines, want true")
	}

	// Machine 0 ends on NormalSent; machine 1 pads on NormalSent and ends
	// on NormalRecv.
	m0 := newTestMachine(t, 0, 0, 0, 0, newState(nil, edge{NormalSent, StateEnd}))
	m1 := newTestMachine(t, 10, 0, 0, 0,
		newState(nil, edge{NormalSent, 1}),
		newState(padAfter(4), edge{NormalRecv, StateEnd}, edge{NormalSent, 1}))
	f, src := newCountingFramework(t, []Machine{m0, m1}, 0, 0)
	if f.AllMachinesEnded() {
		t.Fatal("AllMachinesEnded() = true at the start")
	}
	step(t, f, at(0), evs(normalSent), padding(1, 4*us))
	if f.AllMachinesEnded() {
		t.Fatal("AllMachinesEnded() = true with machine 1 running")
	}
	step(t, f, at(1), evs(normalRecv))
	if !f.AllMachinesEnded() {
		t.Fatal("AllMachinesEnded() = false after both machines ended")
	}

	// Ended machines take no part: no actions, no random draws.
	draws := src.draws
	step(t, f, at(2), evs(normalSent, normalRecv, paddingSent(1), blockingBegin(1), blockingEnd, timerBegin(0), timerEnd(1)))
	if src.draws != draws {
		t.Fatalf("ended machines drew %d random numbers", src.draws-draws)
	}
	if !f.AllMachinesEnded() {
		t.Fatal("AllMachinesEnded() = false after more events")
	}
}
