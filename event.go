package maybenot

import "strconv"

// Event is something that happened, as a machine sees it: the kind of packet
// that was sent or received, a change in blocking, a timer, or one of three
// events the framework raises internally. A state's transitions are indexed
// by Event, and the numbering is part of the wire format.
type Event uint8

// The events, in wire-format order.
const (
	// NormalRecv: a received packet turned out to be normal (non-padding)
	// data, known once it was decrypted.
	NormalRecv Event = iota
	// PaddingRecv: a received packet turned out to be padding.
	PaddingRecv
	// TunnelRecv: a packet arrived in the tunnel, still encrypted, so its
	// kind is not known yet.
	TunnelRecv
	// NormalSent: a normal (non-padding) packet was queued to be sent.
	NormalSent
	// PaddingSent: a padding packet was queued to be sent.
	PaddingSent
	// TunnelSent: a packet left through the tunnel, encrypted, so it could
	// be of either kind.
	TunnelSent
	// BlockingBegin: an expired BlockOutgoing action started, extended or
	// replaced the blocking of outgoing traffic.
	BlockingBegin
	// BlockingEnd: the blocking of outgoing traffic ended.
	BlockingEnd
	// LimitReached: the limit of the machine's current state ran out
	// (raised by the framework only).
	LimitReached
	// CounterZero: one of the machine's counters reached zero (raised by
	// the framework only).
	CounterZero
	// TimerBegin: the machine's internal timer was set by an UpdateTimer
	// action.
	TimerBegin
	// TimerEnd: the machine's internal timer expired.
	TimerEnd
	// Signal: another machine transitioned to StateSignal (raised by the
	// framework only).
	Signal
)

var eventNames = [NumEvents]string{
	"NormalRecv", "PaddingRecv", "TunnelRecv", "NormalSent", "PaddingSent",
	"TunnelSent", "BlockingBegin", "BlockingEnd", "LimitReached",
	"CounterZero", "TimerBegin", "TimerEnd", "Signal",
}

// String returns the event's name as the reference spells it, such as
// "NormalRecv", or "Event(n)" for a number that names no event.
func (e Event) String() string {
	if int(e) < len(eventNames) {
		return eventNames[e]
	}
	return "Event(" + strconv.Itoa(int(e)) + ")"
}

// MachineID identifies one machine of a Framework: its index in the slice of
// machines the framework was made with. It keys the integrator's per-machine
// state (two timers per machine) and ties PaddingSent, BlockingBegin,
// TimerBegin and TimerEnd back to the machine whose action caused them.
type MachineID int

// TriggerEvent is an event reported to a Framework by the integrator.
//
// Machine matters only for PaddingSent, BlockingBegin, TimerBegin and
// TimerEnd, which must carry the machine whose action caused them; the
// framework ignores it otherwise. As in the reference, a machine the
// framework does not have makes PaddingSent count only towards the
// framework-wide padding total and TimerBegin and TimerEnd do nothing,
// while BlockingBegin, which concerns all machines, still starts the
// blocking and reaches every machine (no machine's limit is used up).
// LimitReached, CounterZero and Signal are raised by the framework itself:
// passed in by a caller, they are ignored.
type TriggerEvent struct {
	Event   Event
	Machine MachineID
}

// String returns the event's name, with the machine for the events that
// carry one, such as "PaddingSent(2)".
func (e TriggerEvent) String() string {
	switch e.Event {
	case PaddingSent, BlockingBegin, TimerBegin, TimerEnd:
		return e.Event.String() + "(" + strconv.Itoa(int(e.Machine)) + ")"
	}
	return e.Event.String()
}
