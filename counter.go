package maybenot

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// Operation is how a Counter changes its counter.
type Operation uint8

// The counter operations. Arithmetic saturates: a counter never wraps
// below 0 or above 2^64-1.
const (
	// CounterIncrement adds the value to the counter.
	CounterIncrement Operation = iota
	// CounterDecrement subtracts the value from the counter.
	CounterDecrement
	// CounterSet replaces the counter with the value.
	CounterSet
)

// operationNames are the operations' names, as the reference spells its
// variants.
var operationNames = []string{"Increment", "Decrement", "Set"}

// String returns "Increment", "Decrement" or "Set", or "Operation(n)" for an
// unknown value.
func (o Operation) String() string {
	if int(o) < len(operationNames) {
		return operationNames[o]
	}
	return "Operation(" + strconv.Itoa(int(o)) + ")"
}

// Counter updates one of a machine's two counters (A and B, both starting
// at 0) each time the machine enters the state that holds it. When an update
// takes a counter from non-zero to zero, the machine gets a CounterZero
// event; but within one TriggerEvents call only the first zeroing of a
// counter A, and of a counter B, counts, across all machines of the
// framework (as in the reference).
//
// The value applied is, in order of precedence: the other counter's value
// from before this state was entered (Copy), a sample of Dist truncated to
// an integer (saturating at 0 and 2^64-1), or 1.
type Counter struct {
	Operation Operation
	Dist      *Dist
	Copy      bool
}

// check validates the counter's operation and distribution.
func (c *Counter) check() error {
	if c.Operation > CounterSet {
		return fmt.Errorf("unknown operation %d", c.Operation)
	}
	if c.Dist != nil {
		if err := c.Dist.check(); err != nil {
			return fmt.Errorf("dist: %w", err)
		}
	}
	return nil
}

// sampleValue draws the value for a counter that does not copy: 1 without a
// distribution (drawing nothing), else the truncated sample.
func (c *Counter) sampleValue(rng rand.Source) uint64 {
	if c.Dist == nil {
		return 1
	}
	return saturatingUint64(c.Dist.Sample(rng))
}

// apply applies the operation with value v to the counter value x.
func (c *Counter) apply(x, v uint64) uint64 {
	switch c.Operation {
	case CounterIncrement:
		return satAddU64(x, v)
	case CounterDecrement:
		if v > x {
			return 0
		}
		return x - v
	case CounterSet:
		return v
	}
	return x
}

// String describes the counter, such as "Decrement by Uniform(low 1,
// high 3)" or "Set to the other counter". The value is sampled as an
// integer (truncated); without a distribution it is 1.
func (c Counter) String() string {
	s := c.Operation.String()
	if c.Operation == CounterSet {
		s += " to "
	} else {
		s += " by "
	}
	switch {
	case c.Copy:
		return s + "the other counter"
	case c.Dist != nil:
		return s + c.Dist.String()
	}
	return s + "1"
}
