package sim

import (
	"time"

	"github.com/maybenot-go/maybenot"
)

// The windows of the reference's aggregate-delay rules.
const (
	burstWindow    = time.Millisecond       // a blocked burst, and the base trace's next packet joining it
	adjacentWindow = 100 * time.Millisecond // packets queued close enough to share a delay
)

// aggDelayOnBlockingExpire decides, when the blocking at a side expires at
// expire, how much of the time that head (the packet held back longest)
// waited becomes aggregate delay: the time since the tail of the burst
// that head starts (the latest packet held back at most burstWindow after
// head, looked for when more than two are held back), unless the base
// trace's next packet at this side follows head within burstWindow (then
// the burst is still going and a later blocking will count). None when the
// tail is at expire.
func aggDelayOnBlockingExpire(q *eventQueue, expire time.Duration, head *simEvent, agg time.Duration) (time.Duration, bool) {
	tail := head.time
	if q.blocking.len()+q.bypassable.len() > 2 {
		for _, h := range [2]*eventHeap{&q.blocking, &q.bypassable} {
			for i := range h.s {
				if e := &h.s[i]; satSub(e.time, head.time) <= burstWindow && e.time > tail {
					tail = e.time
				}
			}
		}
	}
	if expire == tail {
		return 0, false
	}
	if base := q.base.peek(); base != nil && satSub(add(base.time, agg), head.time) <= burstWindow {
		return 0, false
	}
	return satSub(expire, tail), true
}

// aggDelayOnPaddingBypassReplace decides, when bypassing padding sends the
// packet head in its place at now, how much of head's wait becomes
// aggregate delay: all of it, unless another packet held back is at most
// adjacentWindow after head, or the base trace's next packet follows head
// within burstWindow.
func aggDelayOnPaddingBypassReplace(q *eventQueue, now time.Duration, head *simEvent, agg time.Duration) (time.Duration, bool) {
	if q.anyQueuedWithin(head.time, adjacentWindow) {
		return 0, false
	}
	if base := q.base.peek(); base != nil && satSub(add(base.time, agg), head.time) <= burstWindow {
		return 0, false
	}
	return satSub(now, head.time), true
}

// delayedPacketAddsAggDelay decides whether the bottleneck's delay of the
// packet p becomes aggregate delay: unless another packet queued to send
// is at most adjacentWindow after p, or the base trace's next packet at
// p's side follows p within burstWindow. (The reference shifts that base
// packet by the client's aggregate delay at either side; so does agg
// here.)
func delayedPacketAddsAggDelay(q *eventQueue, p *simEvent, agg time.Duration) bool {
	if q.anyQueuedWithin(p.time, adjacentWindow) {
		return false
	}
	if base := q.base.peek(); base != nil && satSub(add(base.time, agg), p.time) <= burstWindow {
		return false
	}
	return true
}

// anyQueuedWithin reports whether a TunnelSent waits with a time at most w
// after t (earlier ones included).
func (q *eventQueue) anyQueuedWithin(t, w time.Duration) bool {
	for _, h := range [2]*eventHeap{&q.blocking, &q.bypassable} {
		for i := range h.s {
			if satSub(h.s[i].time, t) <= w {
				return true
			}
		}
	}
	return false
}

// pushAggregateDelay schedules the aggregate delay d caused at the side
// given by clientExpiry at time at: it reaches each side when the delayed
// traffic would, in the reference's model of the delay D, the client at
// max(4D−d, 0) after at and the server at max(3D−d, 0) for the client's
// blocking; for the server's, the client at max(D−d, 0) and the server at
// max(4D−d, 0).
func (r *runner) pushAggregateDelay(d, at time.Duration, clientExpiry bool) {
	n := r.netDelay
	var c, s time.Duration
	if clientExpiry {
		c, s = satSub(4*n, d), satSub(3*n, d)
	} else {
		c, s = satSub(n, d), satSub(4*n, d)
	}
	r.pending.push(simEvent{time: add(at, c), delay: d, flags: fClient})
	r.pending.push(simEvent{time: add(at, s), delay: d})
}

// peekAggregateDelay returns how long from now the next pending aggregate
// delay takes effect, or never.
func (r *runner) peekAggregateDelay() time.Duration {
	if p := r.pending.peek(); p != nil {
		return satSub(p.time, r.now)
	}
	return never
}

// popAggregateDelay puts the next pending aggregate delay into effect.
func (r *runner) popAggregateDelay() {
	p := r.pending.pop()
	st := r.side(p.client())
	st.agg = add(st.agg, p.delay)
}

// bottleneck counts a packet sent now from st through the bottleneck and
// returns its network delay and the part of it the bottleneck adds.
func (r *runner) bottleneck(st *side) (total, extra time.Duration) {
	if count := st.window.add(r.now); count > r.ppsLimit {
		extra = r.ppsDelay * time.Duration(uint32(count-r.ppsLimit))
	}
	return add(r.netDelay, extra), extra
}

// networkStack carries out what the event next means for the network: a
// packet queued (NormalSent, PaddingSent) becomes a TunnelSent waiting to
// be sent, or, padding with replace, is replaced by a packet already
// waiting; a TunnelSent crosses the network to the other side; a
// TunnelRecv is found to be normal or padding. It reports whether next is
// network activity (a packet sent or received).
func (r *runner) networkStack(next *simEvent) bool {
	st, other := r.side(next.client()), r.side(!next.client())
	cf := next.flags & fClient
	switch next.event {
	case maybenot.NormalSent:
		st.q.push(simEvent{time: next.time, delay: next.delay, event: maybenot.TunnelSent, flags: cf})

	case maybenot.PaddingSent:
		if next.replace() {
			queued, id := st.q.peekBlocking(st.bypassable)
			if queued != nil && queued.client() == next.client() && queued.event == maybenot.TunnelSent && !queued.padding() {
				if !next.bypass() {
					// The packet waiting goes in the padding's place
					// when it can.
					return false
				}
				// The packet waiting goes now, in the padding's place,
				// through the bypassable blocking.
				entry := st.q.popBlocking(id, st.bypassable, st.agg)
				entry.flags = entry.flags&^fReplace | fBypass
				if d, ok := aggDelayOnPaddingBypassReplace(&st.q, r.now, &entry, st.agg); ok {
					r.pushAggregateDelay(d, r.now, next.client())
				}
				st.q.push(entry)
				return false
			}
		}
		st.q.push(simEvent{time: next.time, delay: next.delay, event: maybenot.TunnelSent,
			flags: next.flags&(fClient|fBypass|fReplace) | fPadding})

	case maybenot.TunnelSent:
		rd := other.delays.reportingDelay()
		nd, extra := r.bottleneck(st)
		if extra > 0 && delayedPacketAddsAggDelay(&st.q, next, r.client.agg) {
			r.pushAggregateDelay(extra, r.now, next.client())
		}
		recv := simEvent{delay: rd, event: maybenot.TunnelRecv, flags: other.flag}
		if next.padding() {
			recv.time = add(add(add(next.time, next.delay), nd), rd)
			recv.flags |= fPadding
		} else {
			// A long reporting delay at the sender could make the packet
			// arrive before the sender heard of it; time cannot go back,
			// so it arrives now at the earliest.
			recv.time = max(add(add(next.time-next.delay, nd), rd), r.now)
		}
		other.q.push(recv)
		return true

	case maybenot.TunnelRecv:
		e := *next
		e.event = maybenot.NormalRecv
		if next.padding() {
			e.event = maybenot.PaddingRecv
		}
		e.flags &= fClient | fPadding
		e.machine = 0
		st.q.push(e)
		return true
	}
	return false
}
