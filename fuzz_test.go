package maybenot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// The fuzz targets of the package. Each has a seed corpus in
// testdata/fuzz/<target>: real machines from the reference, machines with
// every distribution type, and broken variants of them. Run one with, for
// example,
//
//	go test -run '^$' -fuzz '^FuzzParseMachine$' -fuzztime 10m -parallel 1 .

// FuzzParseMachine parses arbitrary strings. A string either fails with an
// error wrapping ErrInvalidMachine or gives a valid machine whose Serialize
// parses back to the same machine and is what MarshalText returns.
func FuzzParseMachine(f *testing.F) {
	f.Add(noopString)
	f.Add(testMachine().Serialize())
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMachine(s)
		if err != nil {
			if m != nil || !errors.Is(err, ErrInvalidMachine) {
				t.Fatalf("ParseMachine = %v, %v; want nil and an error wrapping ErrInvalidMachine", m, err)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("the parsed machine does not validate: %v", err)
		}
		// Compared by encoding: a NaN is not equal to itself.
		str := m.Serialize()
		back, err := ParseMachine(str)
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		if !bytes.Equal(encodeMachine(back), encodeMachine(m)) {
			t.Fatalf("round trip: got %v, want %v", back, m)
		}
		if text, err := m.MarshalText(); err != nil || string(text) != str {
			t.Fatalf("MarshalText = %q, %v; want Serialize's %q", text, err, str)
		}
	})
}

// FuzzDecodeMachine decodes arbitrary bincode, without the zlib and base64
// layers that keep FuzzParseMachine from reaching deep into it. Decoding
// either fails or gives a machine whose encoding is the input itself or,
// when the input has integers in a longer form than needed, shorter; no
// more states than the input could hold; a memory budget of exactly what
// decoding charged suffices, and one byte less does not; and, if the
// machine validates (and fits in a machine string), a machine string that
// parses back to it.
func FuzzDecodeMachine(f *testing.F) {
	f.Add(encodeMachine(&Machine{States: make([]State, 1)}))
	f.Add(encodeMachine(testMachine()))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMachine(b)
		if err != nil {
			if m != nil {
				t.Fatalf("decodeMachine returns a machine with the error %v", err)
			}
			return
		}
		if len(m.States) > len(b)/minStateSize {
			t.Fatalf("%d states from %d bytes", len(m.States), len(b))
		}
		left := math.MaxInt
		if _, err := decodeMachineWithin(b, &left); err != nil {
			t.Fatalf("decoding with a budget: %v", err)
		}
		charged := math.MaxInt - left
		if exact := charged; charged > 0 {
			if _, err := decodeMachineWithin(b, &exact); err != nil || exact != 0 {
				t.Fatalf("a budget of the %d bytes charged: %v, %d left", charged, err, exact)
			}
			short := charged - 1
			if _, err := decodeMachineWithin(b, &short); !errors.Is(err, ErrMachinesBudget) {
				t.Fatalf("a budget of %d bytes, one short: %v", charged-1, err)
			}
		}
		enc := encodeMachine(m)
		if len(enc) > len(b) || (len(enc) == len(b) && !bytes.Equal(enc, b)) {
			t.Fatalf("decoded %x\nencodes to %x", b, enc)
		}
		again, err := decodeMachine(enc)
		if err != nil {
			t.Fatalf("the re-encoding does not decode: %v", err)
		}
		if !bytes.Equal(encodeMachine(again), enc) {
			t.Fatal("the re-encoding decodes to a different machine")
		}
		if m.Validate() != nil || len(enc) > maxDecompressed {
			return
		}
		parsed, err := ParseMachine(m.Serialize())
		if err != nil {
			t.Fatalf("a valid machine's string does not parse: %v", err)
		}
		if !bytes.Equal(encodeMachine(parsed), enc) {
			t.Fatal("a valid machine's string parses to a different machine")
		}
	})
}

// FuzzMachineUnmarshalJSON unmarshals arbitrary bytes into a Machine, with
// UnmarshalJSON directly and through encoding/json. Both agree; direct
// success needs valid JSON; an error wraps ErrInvalidMachine, is at most
// jsonMaxError bytes long and leaves the machine unchanged; what
// unmarshals marshals to a document that
// unmarshals to the same machine, and, if it validates, serializes to a
// string that parses to it.
func FuzzMachineUnmarshalJSON(f *testing.F) {
	f.Add([]byte(testMachineJSON))
	f.Add([]byte(`{"allowed_padding_packets":0,"max_padding_frac":0,"allowed_blocked_microsec":0,"max_blocking_frac":0,"states":[]}`))
	f.Add([]byte(`[[[{"a":null}]]]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := *testMachine()
		err := m.UnmarshalJSON(data)
		viaJSON := *testMachine()
		errViaJSON := json.Unmarshal(data, &viaJSON)
		if err != nil {
			if !errors.Is(err, ErrInvalidMachine) {
				t.Fatalf("error %q does not wrap ErrInvalidMachine", err)
			}
			if n := len(err.Error()); n > jsonMaxError {
				t.Fatalf("the error takes %d bytes, more than %d: %.200q", n, jsonMaxError, err)
			}
			if !reflect.DeepEqual(m, *testMachine()) {
				t.Fatalf("a failed UnmarshalJSON changed the machine to %v", &m)
			}
			if errViaJSON == nil {
				t.Fatalf("json.Unmarshal accepts what UnmarshalJSON rejects (%v)", err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatal("UnmarshalJSON accepts invalid JSON")
		}
		if errViaJSON != nil || !reflect.DeepEqual(viaJSON, m) {
			t.Fatalf("json.Unmarshal gives %v, %v; UnmarshalJSON gives %v", &viaJSON, errViaJSON, &m)
		}

		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		var back Machine
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if !reflect.DeepEqual(back, m) {
			t.Fatalf("round trip: got %v, want %v", &back, &m)
		}
		if m.Validate() != nil || len(encodeMachine(&m)) > maxDecompressed {
			return
		}
		parsed, err := ParseMachine(m.Serialize())
		if err != nil {
			t.Fatalf("a valid machine's string does not parse: %v", err)
		}
		if !bytes.Equal(encodeMachine(parsed), encodeMachine(&m)) {
			t.Fatal("a valid machine's string parses to a different machine")
		}
	})
}

// fuzzDistType makes a distribution type from fuzzed parameters: kind picks
// the type (numDistKinds gives none), a, b and c are its float parameters
// in order, and trials is Binomial's number of trials.
func fuzzDistType(kind uint8, a, b, c float64, trials uint64) DistType {
	switch distKind(kind % (uint8(numDistKinds) + 1)) {
	case kindUniform:
		return Uniform{Low: a, High: b}
	case kindNormal:
		return Normal{Mean: a, Stdev: b}
	case kindSkewNormal:
		return SkewNormal{Location: a, Scale: b, Shape: c}
	case kindLogNormal:
		return LogNormal{Mu: a, Sigma: b}
	case kindBinomial:
		return Binomial{Trials: trials, Probability: a}
	case kindGeometric:
		return Geometric{Probability: a}
	case kindPareto:
		return Pareto{Scale: a, Shape: b}
	case kindPoisson:
		return Poisson{Lambda: a}
	case kindWeibull:
		return Weibull{Scale: a, Shape: b}
	case kindGamma:
		return Gamma{Scale: a, Shape: b}
	case kindBeta:
		return Beta{Alpha: a, Beta: b}
	}
	return nil
}

// Sampling bounds for FuzzDistSample: the fastest of sampleBatches batches
// of sampleBatch samples must average under maxSampleTime a sample.
const (
	maxSampleTime = time.Millisecond
	sampleBatch   = 4
	sampleBatches = 3
)

// FuzzDistSample samples distributions with arbitrary parameters, start and
// max. Whether or not they validate, every sample is finite, >= 0 (not -0)
// and, when max > 0, at most max, and takes well under a millisecond.
func FuzzDistSample(f *testing.F) {
	f.Add(uint8(kindUniform), 1.0, 2.0, 0.0, uint64(0), 0.0, 0.0, uint64(1))
	f.Add(uint8(kindPoisson), 1e18, 0.0, 0.0, uint64(0), -5.0, 1e6, uint64(2))
	f.Fuzz(func(t *testing.T, kind uint8, a, b, c float64, trials uint64, start, maxValue float64, seed uint64) {
		d := Dist{Type: fuzzDistType(kind, a, b, c, trials), Start: start, Max: maxValue}
		valid := d.Validate() == nil
		rng := splitmix.New(seed)
		best := time.Duration(math.MaxInt64)
		for range sampleBatches {
			begin := time.Now()
			for range sampleBatch {
				x := d.Sample(rng)
				if !finite(x) || x < 0 || math.Signbit(x) || (maxValue > 0 && x > maxValue) {
					t.Fatalf("%v (valid %v): sample %v", d, valid, x)
				}
			}
			best = min(best, time.Since(begin))
		}
		if best >= sampleBatch*maxSampleTime {
			t.Fatalf("%v (valid %v): %d samples take %v, want < %v each", d, valid, sampleBatch, best, maxSampleTime)
		}
	})
}

// fuzzStep turns one byte into the time between two TriggerEvents calls:
// 0 to 63 microseconds, milliseconds, seconds or four-year periods (so that
// blocking can add up past what a time.Duration holds), or, for 0xFF, one
// second back.
func fuzzStep(b byte) time.Duration {
	if b == 0xFF {
		return -time.Second
	}
	units := [4]time.Duration{time.Microsecond, time.Millisecond, time.Second, 4 * 365 * 24 * time.Hour}
	return time.Duration(b&0x3F) * units[b>>6]
}

// FuzzFramework runs one to three machines decoded from fuzzed bincode on
// a fuzzed program of events and times, and checks every call with a
// runChecker. It checks first that the machines' compiled transition
// tables pick what walks down their lists pick (see checkProgram).
//
// m1 must decode to a valid machine; m2 is used if it does too (else m1
// again). The program's first byte picks the machines (bits 0-1: m1; m1,
// m2; m1, m1; or m1, m2, m1), whether a RateLimitedFramework wraps the
// framework (bit 2) and its maximum actions per second (bits 3-7); its
// second byte the framework's padding and blocking fractions (tenths, low
// and high nibble). Then every three bytes are one event: the event (low
// four bits, so unknown events too), whether a call with no events comes
// first (bit 5) and whether the events so far are sent after it (bit 4);
// the machine, as an int8; and the time step before the call (see
// fuzzStep).
func FuzzFramework(f *testing.F) {
	noop := encodeMachine(&Machine{States: make([]State, 1)})
	f.Add(encodeMachine(testMachine()), noop, []byte{1, 0x55, 3, 0, 0x10, 4, 0, 0x15, 11, 1, 0x82}, uint64(1))
	f.Fuzz(func(t *testing.T, m1, m2, program []byte, seed uint64) {
		first, err := decodeMachine(m1)
		if err != nil || first.Validate() != nil {
			return
		}
		second := first
		if m, err := decodeMachine(m2); err == nil && m.Validate() == nil {
			second = m
		}
		var config, fracs byte
		if len(program) >= 2 {
			config, fracs, program = program[0], program[1], program[2:]
		}
		machines := []Machine{*first}
		switch config & 3 {
		case 1:
			machines = append(machines, *second)
		case 2:
			machines = append(machines, *first)
		case 3:
			machines = append(machines, *second, *first)
		}
		tenths := func(n byte) float64 { return float64(min(n, 10)) / 10 }
		c, err := newRunChecker(machines, tenths(fracs&15), tenths(fracs>>4), seed)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkProgram(machines, c.f.prog); err != nil {
			t.Fatal(err)
		}
		if config&4 != 0 {
			c.rateLimit(float64(config >> 3))
		}
		now := base
		var events []TriggerEvent
		for ; len(program) >= 3; program = program[3:] {
			op, id, step := program[0], program[1], program[2]
			if op&0x20 != 0 {
				now = now.Add(fuzzStep(step))
				if err := c.call(nil, now); err != nil {
					t.Fatal(err)
				}
			}
			events = append(events, TriggerEvent{Event: Event(op & 15), Machine: MachineID(int8(id))})
			if op&0x10 != 0 {
				now = now.Add(fuzzStep(step))
				if err := c.call(events, now); err != nil {
					t.Fatal(err)
				}
				events = events[:0]
			}
		}
		if err := c.call(events, now); err != nil {
			t.Fatal(err)
		}
	})
}

// actionShape is what a state's action fixes about the actions a
// framework returns for it: all but the sampled timeout and duration.
type actionShape struct {
	kind            ActionKind
	timer           Timer
	bypass, replace bool
}

// shapeOf returns the shape of the actions that a schedules.
func shapeOf(a Action) actionShape {
	switch a := a.(type) {
	case Cancel:
		return actionShape{kind: ActionCancel, timer: a.Timer}
	case SendPadding:
		return actionShape{kind: ActionSendPadding, bypass: a.Bypass, replace: a.Replace}
	case BlockOutgoing:
		return actionShape{kind: ActionBlockOutgoing, bypass: a.Bypass, replace: a.Replace}
	case UpdateTimer:
		return actionShape{kind: ActionUpdateTimer, replace: a.Replace}
	}
	return actionShape{}
}

// maxActionTime is the longest timeout or duration an action may carry:
// samples are capped at one day of microseconds.
const maxActionTime = time.Duration(maxSampledMicros) * time.Microsecond

// runChecker runs valid machines in a Framework, optionally wrapped in a
// RateLimitedFramework, and after every call checks what must hold for
// any machines and any events:
//
//   - at most one action per machine, in increasing machine order, each
//     for a machine that had not ended before the call, shaped like the
//     action of one of its states, with its timeout and duration whole
//     microseconds in [0, 24 h] and set only where its kind uses them;
//   - every action pending in the framework is returned, unless the rate
//     limiter drops them all;
//   - each machine is in one of its states or has ended, and stays ended;
//     AllMachinesEnded says whether all have;
//   - the framework's and each machine's packet counts equal the
//     NormalSent and PaddingSent events given (never wrapping);
//   - the blocking time of every machine equals the framework's, never
//     decreases and, while the clock has not gone back, is at most the
//     time elapsed;
//   - counters only ever incremented never decrease, and counters only
//     ever decremented never increase.
type runChecker struct {
	f        *Framework
	limited  *RateLimitedFramework // nil: f is called directly
	maxRate  float64
	machines []Machine
	shapes   []map[actionShape]bool
	// Whether all of a machine's counter updates are increments, or all
	// decrements.
	incOnly, decOnly []bool

	normalSent, paddingSent uint64
	machinePadding          []uint64
	prev                    []machineRuntime
	prevBlocked             time.Duration
	start, latest           time.Time
	wentBack                bool
	calls, actions          int
}

// newRunChecker makes a framework of machines, which must be valid, with
// the given fractions and a SplitMix64 source seeded with seed.
func newRunChecker(machines []Machine, maxPaddingFrac, maxBlockingFrac float64, seed uint64) (*runChecker, error) {
	f, err := NewFramework(machines, maxPaddingFrac, maxBlockingFrac, base, splitmix.New(seed))
	if err != nil {
		return nil, err
	}
	c := &runChecker{
		f:              f,
		machines:       machines,
		shapes:         make([]map[actionShape]bool, len(machines)),
		incOnly:        make([]bool, len(machines)),
		decOnly:        make([]bool, len(machines)),
		machinePadding: make([]uint64, len(machines)),
		prev:           make([]machineRuntime, len(machines)),
		start:          base,
		latest:         base,
	}
	for i := range machines {
		c.shapes[i] = make(map[actionShape]bool)
		c.incOnly[i], c.decOnly[i] = true, true
		for _, s := range machines[i].States {
			if s.Action != nil {
				c.shapes[i][shapeOf(s.Action)] = true
			}
			for _, cnt := range []*Counter{s.CounterA, s.CounterB} {
				if cnt != nil {
					c.incOnly[i] = c.incOnly[i] && cnt.Operation == CounterIncrement
					c.decOnly[i] = c.decOnly[i] && cnt.Operation == CounterDecrement
				}
			}
		}
	}
	copy(c.prev, f.runtime)
	return c, nil
}

// rateLimit makes the checker call the framework through a
// RateLimitedFramework allowing maxRate actions per second.
func (c *runChecker) rateLimit(maxRate float64) {
	c.limited = NewRateLimitedFramework(c.f)
	c.maxRate = maxRate
}

// call triggers events at now and checks the outcome.
func (c *runChecker) call(events []TriggerEvent, now time.Time) error {
	f := c.f
	for _, e := range events {
		switch e.Event {
		case NormalSent:
			c.normalSent++
		case PaddingSent:
			c.paddingSent++
			if e.Machine >= 0 && int(e.Machine) < len(c.machines) {
				c.machinePadding[e.Machine]++
			}
		}
	}
	if now.Before(c.latest) {
		c.wentBack = true
	}
	c.latest = now
	c.calls++

	var actions []TriggerAction
	if c.limited != nil {
		actions = c.limited.TriggerEvents(events, c.maxRate, now)
	} else {
		actions = f.TriggerEvents(events, now)
	}
	c.actions += len(actions)
	fail := func(format string, args ...any) error {
		return fmt.Errorf("call %d (%v at +%v): %s\nactions %v", c.calls, events, now.Sub(c.start), fmt.Sprintf(format, args...), actions)
	}

	if len(actions) != f.pending && (c.limited == nil || len(actions) != 0) {
		return fail("%d actions returned, %d pending", len(actions), f.pending)
	}
	last := MachineID(-1)
	for _, a := range actions {
		if a.Machine <= last || int(a.Machine) >= len(c.machines) {
			return fail("action for machine %d after one for machine %d", a.Machine, last)
		}
		last = a.Machine
		if c.prev[a.Machine].state == StateEnd {
			return fail("action for machine %d, which had ended", a.Machine)
		}
		if !c.shapes[a.Machine][actionShape{a.Kind, a.Timer, a.Bypass, a.Replace}] {
			return fail("%v is not the action of any state of machine %d", a, a.Machine)
		}
		for _, d := range []time.Duration{a.Timeout, a.Duration} {
			if d < 0 || d > maxActionTime || d%time.Microsecond != 0 {
				return fail("%v: time %v not whole microseconds in [0, %v]", a, d, maxActionTime)
			}
		}
		usesTimeout := a.Kind == ActionSendPadding || a.Kind == ActionBlockOutgoing
		usesDuration := a.Kind == ActionBlockOutgoing || a.Kind == ActionUpdateTimer
		if (!usesTimeout && a.Timeout != 0) || (!usesDuration && a.Duration != 0) {
			return fail("%v sets a field its kind does not use", a)
		}
	}

	allEnded := true
	for i := range f.runtime {
		rt, prev := &f.runtime[i], &c.prev[i]
		switch {
		case rt.state == StateEnd:
			if rt.mask != 0 {
				return fail("machine %d ended with event mask %b", i, rt.mask)
			}
		case prev.state == StateEnd:
			return fail("machine %d ended, then went to state %d", i, rt.state)
		case int(rt.state) >= len(c.machines[i].States):
			return fail("machine %d in state %d of %d", i, rt.state, len(c.machines[i].States))
		case rt.mask != f.prog.machines[i].states[rt.state].mask:
			return fail("machine %d in state %d with event mask %b, want %b", i, rt.state, rt.mask, f.prog.machines[i].states[rt.state].mask)
		}
		allEnded = allEnded && rt.state == StateEnd
		if rt.paddingSent != c.machinePadding[i] {
			return fail("machine %d counts %d padding packets sent, want %d", i, rt.paddingSent, c.machinePadding[i])
		}
		if rt.blocked != f.blocked {
			return fail("machine %d blocked for %v, the framework for %v", i, rt.blocked, f.blocked)
		}
		if c.incOnly[i] && (rt.counterA < prev.counterA || rt.counterB < prev.counterB) {
			return fail("machine %d's counters went from (%d, %d) to (%d, %d) by increments",
				i, prev.counterA, prev.counterB, rt.counterA, rt.counterB)
		}
		if c.decOnly[i] && (rt.counterA > prev.counterA || rt.counterB > prev.counterB) {
			return fail("machine %d's counters went from (%d, %d) to (%d, %d) by decrements",
				i, prev.counterA, prev.counterB, rt.counterA, rt.counterB)
		}
	}
	if got := f.AllMachinesEnded(); got != allEnded {
		return fail("AllMachinesEnded() = %v, want %v", got, allEnded)
	}
	if f.normalSent != c.normalSent || f.paddingSent != c.paddingSent {
		return fail("the framework counts %d normal and %d padding packets sent, want %d and %d",
			f.normalSent, f.paddingSent, c.normalSent, c.paddingSent)
	}
	if f.blocked < c.prevBlocked {
		return fail("blocked time went down from %v to %v", c.prevBlocked, f.blocked)
	}
	if !c.wentBack && f.blocked > since(now, c.start) {
		return fail("blocked for %v of the %v elapsed", f.blocked, since(now, c.start))
	}
	c.prevBlocked = f.blocked
	copy(c.prev, f.runtime)
	return nil
}
