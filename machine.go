package maybenot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Machine is a probabilistic state machine that decides when to send
// padding and when to block outgoing traffic. It starts in state 0.
//
// A Machine is plain data: build one with NewMachine or a struct literal, or
// parse one with ParseMachine. A Framework never modifies the machines it
// runs, so any number of frameworks on any goroutines may share them; do
// not modify a machine while a framework uses it. The methods other than
// UnmarshalJSON only read the machine, so they may be called concurrently
// too.
type Machine struct {
	// AllowedPaddingPackets is how many padding packets the machine may
	// cause before MaxPaddingFrac (and the framework's fraction) apply.
	AllowedPaddingPackets uint64
	// MaxPaddingFrac, when > 0, stops padding once padding/(padding+normal)
	// packets of this machine reaches it. Must be in [0, 1].
	MaxPaddingFrac float64
	// AllowedBlockedMicrosec is how much blocking, in microseconds, the
	// machine may cause before MaxBlockingFrac (and the framework's
	// fraction) apply.
	AllowedBlockedMicrosec uint64
	// MaxBlockingFrac, when > 0, stops blocking once the time blocked since
	// the framework started, as a fraction of the time elapsed, reaches
	// it. Must be in [0, 1].
	MaxBlockingFrac float64
	// States of the machine: 1 to StateMax of them.
	States []State
}

// NewMachine returns a machine with the given limits and states, or an error
// wrapping ErrInvalidMachine if it does not validate.
func NewMachine(allowedPaddingPackets uint64, maxPaddingFrac float64,
	allowedBlockedMicrosec uint64, maxBlockingFrac float64, states []State) (*Machine, error) {
	m := &Machine{
		AllowedPaddingPackets:  allowedPaddingPackets,
		MaxPaddingFrac:         maxPaddingFrac,
		AllowedBlockedMicrosec: allowedBlockedMicrosec,
		MaxBlockingFrac:        maxBlockingFrac,
		States:                 states,
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// Validate checks the machine against every rule of the reference: the
// fractions are not below 0 or above 1 (a NaN fraction passes, as in the
// reference); there are 1 to StateMax states; each present transition list
// is non-empty, targets existing states, StateEnd or StateSignal without
// repeating one, and has probabilities in (0, 1] that sum (in float32) to a
// value in (0, 1]; every distribution has valid parameters. The error wraps
// ErrInvalidMachine and says what is wrong where.
func (m *Machine) Validate() error {
	if err := m.check(); err != nil {
		return invalid(err)
	}
	return nil
}

func (m *Machine) check() error {
	if m.MaxPaddingFrac < 0 || m.MaxPaddingFrac > 1 {
		return fmt.Errorf("max_padding_frac %v not in [0, 1]", m.MaxPaddingFrac)
	}
	if m.MaxBlockingFrac < 0 || m.MaxBlockingFrac > 1 {
		return fmt.Errorf("max_blocking_frac %v not in [0, 1]", m.MaxBlockingFrac)
	}
	n := len(m.States)
	if n == 0 {
		return errors.New("a machine needs at least one state")
	}
	if n > StateMax {
		return fmt.Errorf("%d states, more than the maximum %d", n, StateMax)
	}
	seen := make(map[uint32]struct{})
	for i := range m.States {
		if err := m.States[i].check(n, seen); err != nil {
			return fmt.Errorf("state %d: %w", i, err)
		}
	}
	return nil
}

// String describes the machine for people: its name and limits, then each
// state's action, counters and transitions.
func (m *Machine) String() string {
	var b strings.Builder
	b.WriteString("Machine " + m.Name() + "\n")
	b.WriteString("  allowed padding packets: " + strconv.FormatUint(m.AllowedPaddingPackets, 10) + "\n")
	b.WriteString("  max padding fraction: " + ftoa(m.MaxPaddingFrac) + "\n")
	b.WriteString("  allowed blocked microseconds: " + strconv.FormatUint(m.AllowedBlockedMicrosec, 10) + "\n")
	b.WriteString("  max blocking fraction: " + ftoa(m.MaxBlockingFrac) + "\n")
	for i := range m.States {
		b.WriteString("  state " + strconv.Itoa(i) + ":\n")
		m.States[i].writeTo(&b)
	}
	return b.String()
}
