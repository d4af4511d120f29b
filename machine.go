package maybenot

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
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
	// machine may see before MaxBlockingFrac (and the framework's fraction)
	// apply to its blocking actions. Blocking is framework-wide: every
	// machine counts all of it, whichever machine caused it.
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
// value in (0, 1] (the checks are written so that a NaN probability
// passes, as in the reference; neither it nor any transition after it in
// the list is ever taken); every distribution has valid parameters. The
// error wraps ErrInvalidMachine and says what is wrong where.
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

// String describes the machine for people, over several lines: its name
// and number of states, its padding and blocking limits, then each state
// with its action, counters and transitions. Probabilities are shown as
// percentages and the pseudo-states as "End" and "Signal". The layout is
// meant for reading and may change; use Serialize or the JSON form to store
// a machine.
func (m *Machine) String() string {
	var b strings.Builder
	b.WriteString("Machine " + m.Name() + ", " + plural(len(m.States), "state") + "\n")
	writeLimit(&b, "allowed padding packets", strconv.FormatUint(m.AllowedPaddingPackets, 10))
	writeLimit(&b, "max padding fraction", fracString(m.MaxPaddingFrac, "of packets sent"))
	writeLimit(&b, "allowed blocked time", strconv.FormatUint(m.AllowedBlockedMicrosec, 10)+" µs")
	writeLimit(&b, "max blocking fraction", fracString(m.MaxBlockingFrac, "of the time"))
	for i := range m.States {
		b.WriteString("  state " + strconv.Itoa(i) + ":\n")
		m.States[i].writeTo(&b)
	}
	return b.String()
}

// limitLabelWidth aligns the values of the machine's limits in String.
const limitLabelWidth = len("allowed padding packets: ")

// writeLimit writes one limit of the machine as an aligned "label: value"
// line.
func writeLimit(b *strings.Builder, label, value string) {
	b.WriteString("  ")
	writePadded(b, label+":", limitLabelWidth)
	b.WriteString(value + "\n")
}

// fracString describes a maximum fraction: "none" when it imposes no
// limit (0, or NaN, which the framework ignores), otherwise the fraction
// as a percentage followed by what it is a fraction of.
func fracString(f float64, of string) string {
	switch {
	case f == 0:
		return "none"
	case math.IsNaN(f):
		return "none (NaN)"
	}
	return percent(f, 10) + " " + of
}

// percent formats the fraction f as a percentage with at most digits
// significant digits, enough to hide the rounding noise of multiplying by
// 100 (0.07*100 is 7.000000000000001).
func percent(f float64, digits int) string {
	return strconv.FormatFloat(f*100, 'g', digits, 64) + "%"
}

// writePadded writes s followed by spaces up to width runes (at least one
// space).
func writePadded(b *strings.Builder, s string, width int) {
	b.WriteString(s)
	n := width - utf8.RuneCountInString(s)
	b.WriteString(strings.Repeat(" ", max(n, 1)))
}

// plural returns "1 state", "2 states" and so on.
func plural(n int, noun string) string {
	s := strconv.Itoa(n) + " " + noun
	if n != 1 {
		s += "s"
	}
	return s
}
