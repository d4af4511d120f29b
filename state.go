package maybenot

import (
	"fmt"
	"strconv"
	"strings"
)

// Limits and pseudo-states of machines.
const (
	// StateEnd is a pseudo-state: a machine that transitions to it ends and
	// takes no further part (it sees no more events and takes no actions).
	StateEnd uint32 = 1<<32 - 1
	// StateSignal is a pseudo-state: a machine that transitions to it stays
	// in its current state and sends a Signal event to every other machine
	// of its framework.
	StateSignal uint32 = 1<<32 - 2
	// StateMax is the largest number of states a machine may have.
	StateMax = 100_000
	// NumEvents is the number of events; a state has transitions for each.
	NumEvents = 13
)

// Trans is one possible transition: to State (a state index, StateEnd or
// StateSignal) with probability Probability.
type Trans struct {
	State       uint32
	Probability float32
}

// String returns "→ target" for a certain transition and "→ target (p%)"
// otherwise, with the pseudo-states spelled "End" and "Signal": for
// example "→ 3", "→ End (25%)".
func (t Trans) String() string {
	s := "→ "
	switch t.State {
	case StateEnd:
		s += "End"
	case StateSignal:
		s += "Signal"
	default:
		s += strconv.FormatUint(uint64(t.State), 10)
	}
	if t.Probability != 1 {
		s += " (" + probPercent(t.Probability) + ")"
	}
	return s
}

// probPercent formats a transition probability as a percentage. Six
// significant digits show every float32 probability without the noise of
// its binary form (0.167 is stored as 0.16699999570846558).
func probPercent(p float32) string { return percent(float64(p), 6) }

// State is one state of a machine: an optional action and counter updates,
// taken each time the machine enters the state, and for every event the
// transitions out of it.
//
// Transitions[e] lists where event e may take the machine. Each event
// draws one random number: the first transition whose running sum of
// probabilities exceeds it is taken; if the probabilities sum to less than 1
// the machine may also stay without a transition. A nil list means the
// event is ignored in this state; an empty non-nil list is invalid.
type State struct {
	Action      Action   // nil: no action
	CounterA    *Counter // nil: counter A is left alone
	CounterB    *Counter // nil: counter B is left alone
	Transitions [NumEvents][]Trans
}

// check validates the state for a machine of n states. seen is scratch
// space for duplicate detection, reused across states: empty on entry, and
// left empty unless check fails.
func (s *State) check(n int, seen map[uint32]struct{}) error {
	for e, ts := range s.Transitions {
		if ts == nil {
			continue
		}
		ev := Event(e)
		if len(ts) == 0 {
			return fmt.Errorf("%v: empty transition list (use nil for no transitions)", ev)
		}
		var sum float32
		for _, t := range ts {
			if int64(t.State) >= int64(n) && t.State != StateEnd && t.State != StateSignal {
				return fmt.Errorf("%v: transition to state %d, but the last state is %d", ev, t.State, n-1)
			}
			if _, dup := seen[t.State]; dup {
				return fmt.Errorf("%v: more than one transition to state %d", ev, t.State)
			}
			seen[t.State] = struct{}{}
			// Written so that NaN passes, as in the reference.
			if t.Probability <= 0 || t.Probability > 1 {
				return fmt.Errorf("%v: transition to state %d has probability %v, not in (0, 1]", ev, t.State, t.Probability)
			}
			sum += t.Probability
		}
		// Empty seen key by key: clear costs the map's capacity, which one
		// long list makes large, and would pay it again for every later
		// list (a string of 73 KB made validation take 2 s with Go 1.24).
		for _, t := range ts {
			delete(seen, t.State)
		}
		if sum <= 0 || sum > 1 {
			return fmt.Errorf("%v: probabilities sum to %v, not in (0, 1]", ev, sum)
		}
	}
	if err := checkAction(s.Action); err != nil {
		return fmt.Errorf("action: %w", err)
	}
	if s.CounterA != nil {
		if err := s.CounterA.check(); err != nil {
			return fmt.Errorf("counter A: %w", err)
		}
	}
	if s.CounterB != nil {
		if err := s.CounterB.check(); err != nil {
			return fmt.Errorf("counter B: %w", err)
		}
	}
	return nil
}

// restPercent returns the chance, as a percentage, that an event whose
// transition probabilities sum to sum makes no transition, or "" when
// that chance is nil. The float32 sum carries noise in its seventh digit
// (0.1+0.2+0.699 is not quite 0.999), so the percentage is rounded to four
// decimals, and a remainder below that is taken as nil.
func restPercent(sum float32) string {
	if sum >= 1 {
		return ""
	}
	s := strconv.FormatFloat((1-float64(sum))*100, 'f', 4, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "0" {
		return ""
	}
	return s + "%"
}

// stateLabelWidth aligns the values of a state's lines in Machine.String:
// the longest label is that of the longest event name.
const stateLabelWidth = len("on BlockingBegin: ")

// writeTo writes the readable form of the state for Machine.String: its
// action (with the action's distributions on lines of their own), its
// counters, then its transitions, one event per line in event order.
// Where the probabilities of an event sum to less than 1, the rest is the
// chance that the event changes nothing.
func (s *State) writeTo(b *strings.Builder) {
	head, details := describeAction(s.Action)
	writeStateLine(b, "action:", head)
	for _, d := range details {
		writeStateLine(b, "  "+d.label+":", d.value)
	}
	if s.CounterA != nil {
		writeStateLine(b, "counter A:", s.CounterA.String())
	}
	if s.CounterB != nil {
		writeStateLine(b, "counter B:", s.CounterB.String())
	}
	hasTransitions := false
	for e, ts := range s.Transitions {
		if ts == nil {
			continue
		}
		hasTransitions = true
		var line strings.Builder
		var sum float32
		for i, t := range ts {
			if i > 0 {
				line.WriteString(", ")
			}
			line.WriteString(t.String())
			sum += t.Probability
		}
		if rest := restPercent(sum); rest != "" {
			line.WriteString(", no transition (" + rest + ")")
		}
		writeStateLine(b, "on "+Event(e).String()+":", line.String())
	}
	if !hasTransitions {
		writeStateLine(b, "transitions:", "none (the machine stays in this state)")
	}
}

// writeStateLine writes one line of a state for Machine.String: the label,
// padded so that the values of all lines align, then the value.
func writeStateLine(b *strings.Builder, label, value string) {
	b.WriteString("    ")
	writePadded(b, label, stateLabelWidth)
	b.WriteString(value + "\n")
}
