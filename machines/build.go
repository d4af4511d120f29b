package machines

import (
	"errors"
	"fmt"

	"github.com/maybenot-go/maybenot"
)

// Errors returned by this package. Match them with errors.Is: the errors
// actually returned wrap them with the builder, the parameter and the
// reason.
var (
	// ErrInvalidParameter reports builder parameters for which the
	// reference builds no machine (it panics): a range to draw from that
	// is empty, or parameters that make a machine break a validation
	// rule.
	ErrInvalidParameter = errors.New("machines: invalid parameter")

	// ErrInvalidSpec reports a spec that does not parse, in its string or
	// its JSON form.
	ErrInvalidSpec = errors.New("machines: invalid spec")
)

// paramError returns an error wrapping ErrInvalidParameter that names the
// builder and the parameter and says why its value is refused.
func paramError(builder, param string, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s %s", ErrInvalidParameter, builder, param, fmt.Sprintf(format, args...))
}

// maxBlock is the reference's longest sampled blocking duration, a day in
// microseconds: the builders block "for ever" with it.
const maxBlock = 24 * 60 * 60 * 1e6

// transitions is the transition table of a state, by event.
type transitions = [maybenot.NumEvents][]maybenot.Trans

// to is the transition list that takes a machine to state s for certain.
func to(s uint32) []maybenot.Trans { return []maybenot.Trans{{State: s, Probability: 1}} }

// index is the state index i as a transition target.
func index(i int) uint32 { return uint32(i) }

// constant is a distribution that always gives v: an empty uniform range
// shifted by v.
func constant(v float64) maybenot.Dist {
	return maybenot.Dist{Type: maybenot.Uniform{}, Start: v}
}

// fixed is a distribution that always gives v: the uniform range [v, v].
// It differs from constant only in form (and so in the machine string).
func fixed(v float64) maybenot.Dist {
	return maybenot.Dist{Type: maybenot.Uniform{Low: v, High: v}}
}

// ptr returns a pointer to a copy of d, for optional distributions.
func ptr(d maybenot.Dist) *maybenot.Dist { return &d }

// decrement is the counter update that subtracts 1.
func decrement() *maybenot.Counter {
	return &maybenot.Counter{Operation: maybenot.CounterDecrement}
}

// set is the counter update that sets the counter to a sample of d.
func set(d maybenot.Dist) *maybenot.Counter {
	return &maybenot.Counter{Operation: maybenot.CounterSet, Dist: &d}
}

// blockAll is the action that blocks outgoing traffic, bypassable and
// replacing any blocking in place, for a day starting now: in practice
// until another blocking action replaces it.
func blockAll() maybenot.Action {
	return maybenot.BlockOutgoing{
		Bypass: true, Replace: true,
		Timeout:  constant(0),
		Duration: fixed(maxBlock),
	}
}

// unblock is the action that ends blocking now: a bypassable blocking of
// no duration that replaces the blocking in place.
func unblock() maybenot.Action {
	return maybenot.BlockOutgoing{
		Bypass: true, Replace: true,
		Timeout:  constant(0),
		Duration: constant(0),
	}
}

// machine returns a machine with the given limits and states, checked
// against the validation rules. The builders check their parameters
// first, so an invalid machine means parameters they do not check
// explicitly; the error then says which builder made it.
func machine(builder string, allowedPadding uint64, maxPaddingFrac float64,
	allowedBlocked uint64, maxBlockingFrac float64, states []maybenot.State) (maybenot.Machine, error) {
	m := maybenot.Machine{
		AllowedPaddingPackets:  allowedPadding,
		MaxPaddingFrac:         maxPaddingFrac,
		AllowedBlockedMicrosec: allowedBlocked,
		MaxBlockingFrac:        maxBlockingFrac,
		States:                 states,
	}
	if err := m.Validate(); err != nil {
		return maybenot.Machine{}, fmt.Errorf("%w: %s: the parameters give an invalid machine: %w", ErrInvalidParameter, builder, err)
	}
	return m, nil
}

// unlimited is the machine limit that never binds: 2^64-1 packets or
// microseconds.
const unlimited = ^uint64(0)
