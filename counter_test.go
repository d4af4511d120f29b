package maybenot

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// drawCounter is a random source that counts its draws.
type drawCounter struct {
	rand.Source
	draws int
}

func (c *drawCounter) Uint64() uint64 {
	c.draws++
	return c.Source.Uint64()
}

func TestValidateCounter(t *testing.T) {
	valid := uniformConst(10)
	for _, tc := range []struct {
		name    string
		counter Counter
		want    string // in the error; "" for a valid counter
	}{
		{"dist", Counter{Operation: CounterIncrement, Dist: &valid}, ""},
		{"invalid dist", Counter{Operation: CounterIncrement, Dist: &lowAboveHigh}, "dist: Uniform distribution: low 2 > high 1"},
		{"no dist", Counter{Operation: CounterIncrement}, ""},
		{"copy", Counter{Operation: CounterIncrement, Copy: true}, ""},
		{"unknown operation", Counter{Operation: 3}, "unknown operation 3"},
	} {
		checkValidation(t, tc.name, tc.counter.check(), tc.want)
	}
}

func TestCounterSampleValueOverflow(t *testing.T) {
	// A sampled value is truncated to an integer and saturates at 0 and
	// 2^64-1; without a distribution it is 1 and nothing is drawn.
	for _, tc := range []struct {
		name string
		dist *Dist
		want uint64
	}{
		{"no dist", nil, 1},
		{"truncated", &Dist{Type: Uniform{Low: 2.9, High: 2.9}}, 2},
		{"huge", &Dist{Type: Uniform{Low: math.MaxFloat64, High: math.MaxFloat64}}, math.MaxUint64},
		{"2^64", &Dist{Type: Uniform{Low: 1 << 64, High: 1 << 64}}, math.MaxUint64},
		{"negative", &Dist{Type: Uniform{Low: -1000, High: -500}}, 0},
		{"NaN", &Dist{Type: Normal{Mean: math.NaN(), Stdev: 1}}, 0},
	} {
		c := Counter{Operation: CounterIncrement, Dist: tc.dist}
		rng := &drawCounter{Source: splitmix.New(7)}
		if got := c.sampleValue(rng); got != tc.want {
			t.Errorf("%s: sampleValue = %d, want %d", tc.name, got, tc.want)
		}
		if tc.dist == nil && rng.draws != 0 {
			t.Errorf("%s: %d draws, want none", tc.name, rng.draws)
		}
	}
}

func TestCounterApply(t *testing.T) {
	const maxU = math.MaxUint64
	for _, tc := range []struct {
		op         Operation
		x, v, want uint64
	}{
		{CounterIncrement, 3, 4, 7},
		{CounterIncrement, maxU - 1, 1, maxU},
		{CounterIncrement, maxU - 1, 2, maxU},
		{CounterIncrement, maxU, maxU, maxU},
		{CounterDecrement, 7, 4, 3},
		{CounterDecrement, 4, 4, 0},
		{CounterDecrement, 4, 5, 0},
		{CounterDecrement, 0, maxU, 0},
		{CounterSet, 7, 4, 4},
		{CounterSet, 7, 0, 0},
		{3, 7, 4, 7}, // an unknown operation changes nothing
	} {
		c := Counter{Operation: tc.op}
		if got := c.apply(tc.x, tc.v); got != tc.want {
			t.Errorf("%v %d by %d = %d, want %d", tc.op, tc.x, tc.v, got, tc.want)
		}
	}
}

func TestCounterString(t *testing.T) {
	d := uniformConst(2)
	for _, tc := range []struct {
		c    Counter
		want string
	}{
		{Counter{Operation: CounterIncrement}, "Increment by 1"},
		{Counter{Operation: CounterSet}, "Set to 1"},
		{Counter{Operation: CounterDecrement, Dist: &d}, "Decrement by Uniform(low 2, high 2)"},
		{Counter{Operation: CounterSet, Dist: &d}, "Set to Uniform(low 2, high 2)"},
		{Counter{Operation: CounterSet, Dist: &d, Copy: true}, "Set to the other counter"},
		{Counter{Operation: CounterIncrement, Copy: true}, "Increment by the other counter"},
		{Counter{Operation: 3}, "Operation(3) by 1"},
	} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}
