package sim

import (
	"slices"
	"time"

	"github.com/maybenot-go/maybenot"
)

// simEvent is one event waiting in the simulator's queues, or, in the
// queue of pending aggregate delays, one such delay (time: when it takes
// effect; delay: how much; client: at which side).
type simEvent struct {
	time    time.Duration // since time 0 of the base trace
	delay   time.Duration // integration delay
	machine int32
	event   maybenot.Event
	flags   uint8
}

// The flags of a simEvent.
const (
	fClient  uint8 = 1 << iota // at the client (else the server)
	fPadding                   // the packet is padding
	fBypass                    // a TunnelSent that may bypass bypassable blocking
	fReplace                   // a PaddingSent that may be replaced by a queued packet
)

func (e *simEvent) client() bool  { return e.flags&fClient != 0 }
func (e *simEvent) padding() bool { return e.flags&fPadding != 0 }
func (e *simEvent) bypass() bool  { return e.flags&fBypass != 0 }
func (e *simEvent) replace() bool { return e.flags&fReplace != 0 }

// rank orders the events that happen at the same time: tunnel before
// normal before padding, sent before received, begin before end. (It has
// a place for every uint8 so that looking up needs no bounds check.)
var rank = [256]uint8{
	maybenot.TunnelSent:    0,
	maybenot.NormalSent:    1,
	maybenot.PaddingSent:   2,
	maybenot.TunnelRecv:    3,
	maybenot.NormalRecv:    4,
	maybenot.PaddingRecv:   5,
	maybenot.BlockingBegin: 6,
	maybenot.BlockingEnd:   7,
	maybenot.TimerBegin:    8,
	maybenot.TimerEnd:      9,
}

// first reports whether a comes strictly before b: earlier, or at the same
// time and of a lower rank. Events equal in both are tied, whatever else
// they hold.
func first(a, b *simEvent) bool {
	return a.time < b.time || a.time == b.time && rank[a.event] < rank[b.event]
}

// firstOf reports whether a is present and comes before b, which may be
// absent (nil): the order of the reference's optional peeks.
func firstOf(a, b *simEvent) bool {
	return a != nil && (b == nil || first(a, b))
}

// eventHeap is a priority queue of events, first out the one that comes
// first. Tied events leave in the order that the reference's queue
// (Rust's std BinaryHeap) gives them, so the algorithm is that heap's, step
// for step: push appends and sifts up, stopping at a parent that is not
// later; pop moves the last element to the root, sifts the hole down to
// the bottom along the child that comes first (the right one when tied),
// and sifts the element up from there. The layout, and so the order of
// ties, depends on every push and pop, which is why container/heap, whose
// sift-down stops early, does not do.
type eventHeap struct {
	s []simEvent
}

func (h *eventHeap) len() int { return len(h.s) }

// peek returns the first event, or nil when the heap is empty. The
// pointer is valid until the heap changes.
func (h *eventHeap) peek() *simEvent {
	if len(h.s) == 0 {
		return nil
	}
	return &h.s[0]
}

func (h *eventHeap) push(e simEvent) {
	h.s = append(h.s, e)
	h.siftUp(0, len(h.s)-1)
}

// pop removes and returns the first event; the heap must not be empty.
func (h *eventHeap) pop() simEvent {
	n := len(h.s) - 1
	item := h.s[n]
	h.s = h.s[:n]
	if n > 0 {
		item, h.s[0] = h.s[0], item
		h.siftDownToBottom(0)
	}
	return item
}

// drain empties the heap and returns its events in the order in which pop
// would give them out, in the heap's own array: as in heapsort, each pop
// frees the slot at the end that then takes the event it popped.
func (h *eventHeap) drain() []simEvent {
	all := h.s
	for n := len(all) - 1; n >= 0; n-- {
		all[n] = h.pop()
	}
	slices.Reverse(all)
	h.s = nil
	return all
}

// siftUp moves the element at pos up while it comes before its parent,
// never above start, and returns where it ends.
func (h *eventHeap) siftUp(start, pos int) int {
	s := h.s
	elem := s[pos]
	for pos > start {
		parent := (pos - 1) / 2
		if !first(&elem, &s[parent]) {
			break
		}
		s[pos] = s[parent]
		pos = parent
	}
	s[pos] = elem
	return pos
}

// siftDownToBottom moves the element at pos down to a leaf, always along
// the child that comes first (the right child when the two are tied), then
// sifts it up again.
func (h *eventHeap) siftDownToBottom(pos int) {
	s := h.s
	end := len(s)
	start := pos
	elem := s[pos]
	child := 2*pos + 1
	for child <= end-2 {
		if !first(&s[child], &s[child+1]) {
			child++
		}
		s[pos] = s[child]
		pos = child
		child = 2*pos + 1
	}
	if child == end-1 {
		s[pos] = s[child]
		pos = child
	}
	s[pos] = elem
	h.siftUp(start, pos)
}
