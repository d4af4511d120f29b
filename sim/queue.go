package sim

import (
	"time"

	"github.com/maybenot-go/maybenot"
)

// queueID names one of the four heaps of an eventQueue.
type queueID uint8

const (
	qBlocking   queueID = iota // TunnelSent that blocking holds back
	qBypassable                // TunnelSent that bypassable blocking lets through
	qInternal                  // every other event
	qBase                      // NormalSent of the base trace
)

// eventQueue holds the events waiting at one side, in four heaps as the
// reference keeps them: the base trace's NormalSent (whose times the
// side's aggregate delay shifts when they are looked at), TunnelSent
// without and with the bypass flag, and all other events.
type eventQueue struct {
	base                           baseQueue
	blocking, bypassable, internal eventHeap
	// inFlight counts the internal events that are packets on their way
	// or padding (TunnelRecv, or any event about padding): while there
	// are any, the trace's traffic is not through.
	inFlight int
}

func (q *eventQueue) len() int {
	return q.base.len() + q.blocking.len() + q.bypassable.len() + q.internal.len()
}

// push adds e to the heap it belongs in: a TunnelSent to blocking or
// bypassable, any other event to internal. (The base trace's NormalSent
// are all in base from the start.)
func (q *eventQueue) push(e simEvent) {
	switch e.event {
	case maybenot.TunnelSent:
		if e.bypass() {
			q.bypassable.push(e)
		} else {
			q.blocking.push(e)
		}
	default:
		if inFlight(&e) {
			q.inFlight++
		}
		q.internal.push(e)
	}
}

// baseQueue holds the base trace's NormalSent at one side in the order in
// which the reference's heap gives them out. Nothing joins that heap once
// the run has begun, so the order is the trace's alone: ParseTrace works it
// out once, and every run of the trace reads the same slice without
// writing to it.
type baseQueue struct {
	s    []simEvent // shared by all runs of the trace: read only
	next int        // the index of the first event not yet taken
}

func (b *baseQueue) len() int { return len(b.s) - b.next }

// peek returns the first event, or nil when none is left. What it points
// to must not be changed.
func (b *baseQueue) peek() *simEvent {
	if b.next == len(b.s) {
		return nil
	}
	return &b.s[b.next]
}

// pop removes and returns the first event; one must be left.
func (b *baseQueue) pop() simEvent {
	e := b.s[b.next]
	b.next++
	return e
}

// inFlight reports whether an internal event keeps the trace's traffic
// from being through: the reference asks that no internal event is a
// TunnelRecv or carries padding.
func inFlight(e *simEvent) bool { return e.event == maybenot.TunnelRecv || e.padding() }

// pop removes the first event of the heap id. An event of the base trace
// comes out shifted by the side's aggregate delay agg.
func (q *eventQueue) pop(id queueID, agg time.Duration) simEvent {
	switch id {
	case qBlocking:
		return q.blocking.pop()
	case qBypassable:
		return q.bypassable.pop()
	case qInternal:
		e := q.internal.pop()
		if inFlight(&e) {
			q.inFlight--
		}
		return e
	}
	e := q.base.pop()
	e.time = add(e.time, agg)
	return e
}

// noNormalPackets reports whether the trace's traffic at this side is
// through: nothing left of the base trace, nothing waiting to be sent, no
// packet on its way in.
func (q *eventQueue) noNormalPackets() bool {
	return q.base.len() == 0 && q.blocking.len() == 0 && q.bypassable.len() == 0 && q.inFlight == 0
}

// baseFirst reports whether a, an event of the base trace shifted by agg,
// is present and comes before or together with b (or b is absent): on a
// tie the base trace goes first.
func baseFirst(a, b *simEvent, agg time.Duration) bool {
	switch {
	case a == nil:
		return false
	case b == nil:
		return true
	}
	at := add(a.time, agg)
	return at < b.time || at == b.time && rank[a.event] <= rank[b.event]
}

// peek returns the side's first event, ignoring blocking, with its heap
// and how long from now it is due (0 if overdue). Ties go to the heaps in
// the order bypassable, blocking, internal, with the base trace first of
// all.
func (q *eventQueue) peek(agg, now time.Duration) (*simEvent, queueID, time.Duration) {
	e, id := q.bypassable.peek(), qBypassable
	if n := q.blocking.peek(); firstOf(n, e) {
		e, id = n, qBlocking
	}
	if n := q.internal.peek(); firstOf(n, e) {
		e, id = n, qInternal
	}
	if n := q.base.peek(); baseFirst(n, e, agg) {
		return n, qBase, satSub(add(n.time, agg), now)
	}
	if e == nil {
		return nil, qBlocking, 0
	}
	return e, id, satSub(e.time, now)
}

// peekBlocking returns the first TunnelSent that blocking holds back, and
// its heap: with bypassable blocking only those without the bypass flag,
// else all (on a tie the bypassable one).
func (q *eventQueue) peekBlocking(bypassable bool) (*simEvent, queueID) {
	if bypassable {
		return q.blocking.peek(), qBlocking
	}
	b, bb := q.blocking.peek(), q.bypassable.peek()
	if firstOf(b, bb) {
		return b, qBlocking
	}
	return bb, qBypassable
}

// popBlocking removes the event peekBlocking returned.
func (q *eventQueue) popBlocking(id queueID, bypassable bool, agg time.Duration) simEvent {
	if bypassable {
		return q.blocking.pop()
	}
	return q.pop(id, agg)
}

// peekNonBlocking returns the first event that blocking does not hold
// back, and its heap: base or internal (the base trace first on a tie),
// and with bypassable blocking also the bypassable TunnelSent, compared
// with those by their own times (as the reference compares them).
func (q *eventQueue) peekNonBlocking(bypassable bool, agg time.Duration) (*simEvent, queueID) {
	n, id := q.base.peek(), qBase
	if i := q.internal.peek(); !baseFirst(n, i, agg) {
		n, id = i, qInternal
	}
	if bypassable {
		if bb := q.bypassable.peek(); firstOf(bb, n) {
			return bb, qBypassable
		}
	}
	return n, id
}
