package maybenot

import (
	crand "crypto/rand"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Framework runs a set of machines for one connection. The integrator feeds
// it the events of the connection with TriggerEvents and carries out the
// actions it returns; see TriggerEvents and the ActionKind constants for
// that contract.
//
// A Framework is not safe for concurrent use: serialize calls, for example
// by running it on one goroutine. It never modifies its machines, so many
// frameworks on many goroutines may share one []Machine. It runs them as
// NewFramework compiled them: changing the machines later changes nothing
// for frameworks made before.
type Framework struct {
	// prog is the compiled machines, shared with every framework of the
	// same machines.
	prog    *program
	rng     rand.Source
	runtime []machineRuntime
	// events holds the events that some state of some machine has
	// transitions for. quiet holds the events that change nothing alone
	// in a call with no signal pending, by their value modulo 16 (see
	// program.quiet), or none while a signal is pending.
	events, quiet uint16

	// slots holds the action scheduled for each machine in this call (Kind
	// 0 for none); written[:nwritten] lists the machines whose slot this
	// call wrote, of which pending are set; out is the slice returned: the
	// set slots in machine order. A call that takes the shortcut leaves
	// the slots of the call before it for the next call that takes the
	// long way to clear, and sets pending to 0.
	slots    []TriggerAction
	written  []int
	nwritten int
	pending  int
	out      []TriggerAction

	start time.Time // creation time, also each machine's start
	now   time.Time // the time of the current or last call

	maxPaddingFrac float64
	normalSent     uint64
	paddingSent    uint64

	maxBlockingFrac float64
	blocked         time.Duration // total of ended blocking
	blockingActive  bool
	blockingStarted time.Time

	// A pending signal goes to every machine but signalExcept, or to all of
	// them when signalExcept is -1.
	signalPending bool
	signalExcept  int

	// In one TriggerEvents call only the first zeroing of a counter A, and
	// of a counter B, raises CounterZero, whichever machines they belong
	// to.
	zeroedA, zeroedB bool
}

// machineRuntime is the state of one running machine. (Its count of
// normal packets sent is the framework's: every NormalSent counts for all.)
type machineRuntime struct {
	state          uint32     // current state index, or StateEnd
	mask           uint16     // the current state's event mask; 0 once ended
	written        bool       // the action slot was written in this call
	cur            *progState // the current state; nil once ended
	limit          uint64     // remaining uses of the state's action
	paddingSent    uint64
	blocked        time.Duration
	allowedBlocked time.Duration
	counterA       uint64
	counterB       uint64
}

// NewFramework returns a framework running machines, which all start in
// state 0 at time now.
//
// maxPaddingFrac and maxBlockingFrac bound, across all machines, the
// fraction of padding among sent packets and the fraction of time spent
// blocking; 0 means no bound. They must be in [0, 1] (else ErrPaddingLimit
// or ErrBlockingLimit). A machine may still exceed them while within its
// own AllowedPaddingPackets and AllowedBlockedMicrosec.
//
// rng is the source of every random choice. Pass nil for the secure
// default, a ChaCha8 generator seeded from crypto/rand; pass a deterministic
// source only for tests and simulation. Each machine is validated (errors
// wrap ErrInvalidMachine and name the machine).
//
// The machines are compiled for TriggerEvents: each state's transition
// lists become tables searched in O(log n) for n transitions, and its
// action is decoded once. Frameworks of equal machines (the same slice or
// not) share one compiled form for as long as one of them is in use: the
// first validates and compiles the machines, in time and memory linear in
// their size; the others only encode them to find it, in linear time too,
// and take about 1 KiB each (for four machines, the random source aside).
func NewFramework(machines []Machine, maxPaddingFrac, maxBlockingFrac float64,
	now time.Time, rng rand.Source) (*Framework, error) {
	if !(maxPaddingFrac >= 0 && maxPaddingFrac <= 1) {
		return nil, fmt.Errorf("%w: got %v", ErrPaddingLimit, maxPaddingFrac)
	}
	if !(maxBlockingFrac >= 0 && maxBlockingFrac <= 1) {
		return nil, fmt.Errorf("%w: got %v", ErrBlockingLimit, maxBlockingFrac)
	}
	prog, err := programFor(machines)
	if err != nil {
		return nil, err
	}
	if rng == nil {
		var seed [32]byte
		crand.Read(seed[:]) // never fails: it crashes the program instead
		rng = rand.NewChaCha8(seed)
	}
	f := &Framework{
		prog:            prog,
		rng:             rng,
		runtime:         make([]machineRuntime, len(machines)),
		slots:           make([]TriggerAction, len(machines)),
		written:         make([]int, len(machines)),
		out:             make([]TriggerAction, 0, len(machines)),
		start:           now,
		now:             now,
		maxPaddingFrac:  maxPaddingFrac,
		maxBlockingFrac: maxBlockingFrac,
		blockingStarted: now,
		signalExcept:    -1,
	}
	for i := range f.runtime {
		rt := &f.runtime[i]
		pm := &prog.machines[i]
		s0 := &pm.states[0]
		rt.mask, rt.cur = s0.mask, s0
		rt.allowedBlocked = microsToDuration(pm.allowedBlocked)
		if s0.action.Kind != 0 {
			rt.limit = noLimit
			if s0.limited {
				rt.limit = s0.limit.count(f.rng)
			}
		}
	}
	f.events = prog.events
	f.quiet = prog.quiet
	return f, nil
}

// NumMachines returns the number of machines the framework runs.
func (f *Framework) NumMachines() int { return len(f.runtime) }

// AllMachinesEnded reports whether every machine has reached StateEnd (true
// when there are none). The framework then does nothing more; let pending
// actions run out before dropping it.
func (f *Framework) AllMachinesEnded() bool {
	for i := range f.runtime {
		if f.runtime[i].state != StateEnd {
			return false
		}
	}
	return true
}

// TriggerEvents processes events, in order, as happening at time now, and
// returns the actions the integrator must take: at most one per machine, in
// machine order. Within a call, a machine's later action replaces its
// earlier one, so when events are batched (under load, say) only the last
// action of each machine is returned.
//
// now should never go backwards across calls (time.Now is fine); blocking
// is accounted from it, and a clock that jumps back makes blocking budgets
// inaccurate (never negative).
//
// Each event costs time linear in the number of machines; a machine that
// picks among n transitions adds O(log n).
//
// The returned slice belongs to the framework and is valid until the next
// call; copy what must outlive it. In steady state the call allocates
// nothing.
func (f *Framework) TriggerEvents(events []TriggerEvent, now time.Time) []TriggerAction {
	return f.shortcut(events, now, (*Framework).trigger)
}

// shortcut is TriggerEvents with the long way, long, as a parameter: the
// compiler's inliner counts a call through a parameter as cheap, so
// shortcut and TriggerEvents inline into the caller (TestTriggerEventsInlines
// checks it), where long is a call of a constant function value.
//
// A lone packet event that no state of any machine has transitions for
// changes nothing but the time, and is common enough to be worth a
// shortcut that costs no call: such an event just sets the time.
func (f *Framework) shortcut(events []TriggerEvent, now time.Time,
	long func(*Framework, []TriggerEvent) []TriggerAction) []TriggerAction {
	f.now = now
	if len(events) == 1 && f.quiet>>(events[0].Event%16)&1 != 0 {
		f.pending = 0
		return f.out[:0]
	}
	return long(f, events)
}

// trigger is TriggerEvents, at time f.now, for the calls that take the
// long way.
func (f *Framework) trigger(events []TriggerEvent) []TriggerAction {
	if f.nwritten > 0 {
		f.clearSlots()
	}
	f.zeroedA, f.zeroedB = false, false
	rts := f.runtime
	for _, e := range events {
		ev := e.Event
		if ev >= NumEvents || everyMachine&(1<<ev) == 0 {
			f.process(e)
			continue
		}
		// The most common events, which transition every machine, are
		// handled here to save calls.
		if ev == NormalSent {
			f.normalSent = satAddU64(f.normalSent, 1)
		}
		bit := eventBit(ev)
		if f.events&bit == 0 {
			continue
		}
		for i := range rts {
			rt := &rts[i]
			if rt.mask&bit == 0 {
				continue
			}
			// The most common transition, one taken for sure to a
			// state that does nothing on entry, is made here: it
			// draws, as move does, and changes the state, if it
			// does, with no action, counter or limit to see to.
			if s := rt.cur; s.certain&bit != 0 {
				if t := s.first(ev); t.to != nil && t.to.plain {
					f.rng.Uint64()
					if t.state != rt.state {
						rt.state, rt.mask, rt.cur, rt.limit = t.state, t.to.mask, t.to, noLimit
					}
					continue
				}
			}
			f.move(i, rt, ev)
		}
	}
	if f.signalPending {
		f.deliverSignal()
	}
	if f.pending == 0 {
		return f.out[:0]
	}
	return f.collect()
}

// everyMachine are the events that transition every machine and do nothing
// else but count a NormalSent.
const everyMachine = 1<<NormalRecv | 1<<PaddingRecv | 1<<TunnelRecv | 1<<TunnelSent | 1<<NormalSent

// callerIgnored are the events, and the unknown values below 16, that do
// nothing when a caller passes them.
const callerIgnored = 1<<LimitReached | 1<<CounterZero | 1<<Signal | 0xFFFF<<NumEvents&0xFFFF

// collect returns the set action slots, in machine order: the one slot
// itself, when only one was written, else copies in out.
func (f *Framework) collect() []TriggerAction {
	written := f.written[:f.nwritten]
	if len(written) == 1 {
		i := written[0]
		return f.slots[i : i+1 : i+1]
	}
	slices.Sort(written)
	out := f.out[:0]
	for _, i := range written {
		if f.slots[i].Kind != 0 {
			out = append(out, f.slots[i])
		}
	}
	f.out = out
	return out
}

// clearSlots empties the action slots the last call wrote.
func (f *Framework) clearSlots() {
	for _, i := range f.written[:f.nwritten] {
		f.slots[i].Kind = 0
		f.runtime[i].written = false
	}
	f.nwritten, f.pending = 0, 0
}

// slot returns machine i's action slot, to be set, noting it as written
// in this call. Only the slots written are cleared and scanned by the next
// call, so machines that do nothing cost nothing there.
func (f *Framework) slot(i int) *TriggerAction {
	if !f.runtime[i].written {
		f.runtime[i].written = true
		f.written[f.nwritten] = i
		f.nwritten++
	}
	s := &f.slots[i]
	if s.Kind == 0 {
		f.pending++
	}
	return s
}

// clearSlot drops machine i's action, if it has one in this call.
func (f *Framework) clearSlot(i int) {
	if f.slots[i].Kind != 0 {
		f.slots[i] = TriggerAction{}
		f.pending--
	}
}

// machineIndex returns the index named by id, or false if there is no such
// machine.
func (f *Framework) machineIndex(id MachineID) (int, bool) {
	return int(id), id >= 0 && int(id) < len(f.runtime)
}

// process handles one event reported by the integrator, other than those
// that only transition every machine (TriggerEvents does those).
func (f *Framework) process(e TriggerEvent) {
	switch e.Event {
	case PaddingSent:
		f.paddingSent = satAddU64(f.paddingSent, 1)
		i, ok := f.machineIndex(e.Machine)
		if !ok {
			return
		}
		f.runtime[i].paddingSent = satAddU64(f.runtime[i].paddingSent, 1)
		f.transitionOrUseLimit(i, PaddingSent)

	case BlockingBegin:
		if !f.blockingActive {
			f.blockingActive = true
			f.blockingStarted = f.now
		}
		for i := range f.runtime {
			if i == int(e.Machine) {
				f.transitionOrUseLimit(i, BlockingBegin)
			} else {
				f.transition(i, BlockingBegin)
			}
		}

	case BlockingEnd:
		var blocked time.Duration
		if f.blockingActive {
			blocked = since(f.now, f.blockingStarted)
			f.blocked = satAdd(f.blocked, blocked)
			f.blockingActive = false
		}
		for i := range f.runtime {
			f.runtime[i].blocked = satAdd(f.runtime[i].blocked, blocked)
			f.transition(i, BlockingEnd)
		}

	case TimerBegin:
		if i, ok := f.machineIndex(e.Machine); ok {
			f.transitionOrUseLimit(i, TimerBegin)
		}

	case TimerEnd:
		if i, ok := f.machineIndex(e.Machine); ok {
			f.transition(i, TimerEnd)
		}

		// LimitReached, CounterZero and Signal are the framework's own;
		// from a caller they, like unknown events, are ignored.
	}
}

// eventBit is the bit of event e, which must be below NumEvents, in the
// event masks of states.
func eventBit(e Event) uint16 { return 1 << (e % 16) }

// transitionOrUseLimit transitions machine i on an event that reports its
// own action taking effect (padding sent, blocking begun, timer begun). If
// the machine stays in its state (and has not ended), the action has been
// used once more: that is counted against the state's limit, and when an
// action with a limit has none left, its pending action is dropped and the
// machine transitions on LimitReached.
func (f *Framework) transitionOrUseLimit(i int, e Event) {
	if f.transition(i, e) {
		return
	}
	rt := &f.runtime[i]
	if rt.state == StateEnd {
		return
	}
	if rt.limit > 0 {
		rt.limit--
	}
	if rt.limit == 0 && rt.cur.limited {
		f.clearSlot(i)
		f.transition(i, LimitReached)
	}
}

// transition moves machine i on event e and reports whether its state (or,
// through a CounterZero, its counters' state) changed. A machine that has
// ended, or whose state has no transitions for e, draws nothing.
func (f *Framework) transition(i int, e Event) bool {
	rt := &f.runtime[i]
	if rt.mask&eventBit(e) == 0 {
		return false
	}
	return f.move(i, rt, e)
}

// move is transition for a state that has transitions for e; rt is
// &f.runtime[i].
func (f *Framework) move(i int, rt *machineRuntime, e Event) bool {
	var t *progTrans
	if rt.cur.certain&eventBit(e) != 0 {
		// One transition, taken whatever the draw; the draw is made all
		// the same.
		f.rng.Uint64()
		t = rt.cur.first(e)
	} else {
		r := unitFloat32(f.rng)
		ts := rt.cur.list(e)
		k := choose(ts, r)
		if k == len(ts) {
			return false // the probabilities sum to less than 1
		}
		t = &ts[k]
	}
	next := t.state
	switch next {
	case StateEnd:
		// Ending cancels nothing and schedules nothing.
		rt.state, rt.mask, rt.cur = StateEnd, 0, nil
		return true
	case StateSignal:
		// The machine stays; the others will get a Signal. A second
		// signal in the same round makes it go to every machine.
		if f.signalPending {
			f.signalExcept = -1
		} else {
			f.signalPending, f.quiet = true, 0
			f.signalExcept = i
		}
		return false
	}

	prev := rt.state
	st := rt.cur
	if next != prev {
		st = t.to
		rt.state, rt.mask, rt.cur = next, st.mask, st
		rt.limit = noLimit
		if st.limited {
			rt.limit = st.limit.count(f.rng)
		}
	}
	// The limits are judged before the counters move, and the counters
	// move before the action is scheduled: a CounterZero transition they
	// cause may schedule an action of its own, which this one must not
	// overwrite.
	below := st.action.Kind != 0 && f.belowLimits(i, st)
	allow, countersChanged := true, false
	if st.counters {
		allow, countersChanged = f.updateCounters(i, st)
	}
	if allow && below {
		f.schedule(i, st)
	}
	return rt.state != prev || countersChanged
}

// updateCounters applies the counter updates of machine i's current state,
// A then B, each taking the other's value from before both updates when it
// copies. If that zeroes a counter (for the first time in this call), the
// machine transitions on CounterZero; then it returns whether an action may
// still be scheduled (the machine's action slot is empty after that
// transition) and whether the transition changed its state. Otherwise it
// returns true, false.
//
// st is the machine's current state.
func (f *Framework) updateCounters(i int, st *progState) (allow, changed bool) {
	rt := &f.runtime[i]
	oldA, oldB := rt.counterA, rt.counterB
	zeroedA := f.updateCounter(st.counterA, &rt.counterA, oldB, &f.zeroedA)
	zeroedB := f.updateCounter(st.counterB, &rt.counterB, oldA, &f.zeroedB)
	if !zeroedA && !zeroedB {
		return true, false
	}
	changed = f.transition(i, CounterZero)
	return f.slots[i].Kind == 0, changed
}

// updateCounter applies c, if not nil, to the counter *x; other is the
// other counter's value to copy. It reports whether *x went from non-zero
// to zero while *once was unset, and then sets *once.
func (f *Framework) updateCounter(c *Counter, x *uint64, other uint64, once *bool) bool {
	if c == nil {
		return false
	}
	old := *x
	v := other
	if !c.Copy {
		v = c.sampleValue(f.rng)
	}
	*x = c.apply(old, v)
	if old != 0 && *x == 0 && !*once {
		*once = true
		return true
	}
	return false
}

// schedule sets machine i's action slot to the action of state st, which
// has one, sampling its timeout and duration (in that order).
func (f *Framework) schedule(i int, st *progState) {
	a := f.slot(i)
	*a = st.action
	a.Machine = MachineID(i)
	switch a.Kind {
	case ActionSendPadding:
		a.Timeout = microsToDuration(st.timeout.micros(f.rng))
	case ActionBlockOutgoing:
		a.Timeout = microsToDuration(st.timeout.micros(f.rng))
		a.Duration = microsToDuration(st.duration.micros(f.rng))
	case ActionUpdateTimer:
		a.Duration = microsToDuration(st.duration.micros(f.rng))
	}
}

// belowLimits reports whether machine i may take the action of its current
// state st now: its state limit is not used up and, for padding and
// blocking, neither the machine's nor the framework's budget forbids it.
func (f *Framework) belowLimits(i int, st *progState) bool {
	switch st.action.Kind {
	case ActionCancel:
		return true
	case ActionUpdateTimer:
		return f.runtime[i].limit > 0
	case ActionSendPadding:
		return f.belowPaddingLimits(i, st.machine)
	case ActionBlockOutgoing:
		return f.belowBlockingLimits(i, st.machine, st.action.Replace)
	}
	return false
}

// belowPaddingLimits applies the padding budgets. A machine within its
// AllowedPaddingPackets may pad regardless of fractions. Otherwise the
// machine's and then the framework's padding fraction, if set, must not
// have been reached. (Before any packet was sent a set fraction allows
// padding outright, state limit included, as in the reference.)
func (f *Framework) belowPaddingLimits(i int, m *progMachine) bool {
	rt := &f.runtime[i]
	if rt.paddingSent < m.allowedPadding {
		return rt.limit > 0
	}
	if allow, decided := paddingFraction(rt.paddingSent, f.normalSent, m.maxPaddingFrac); decided {
		return allow
	}
	if allow, decided := paddingFraction(f.paddingSent, f.normalSent, f.maxPaddingFrac); decided {
		return allow
	}
	return rt.limit > 0
}

// paddingFraction applies one padding fraction, if set (> 0), to the given
// packet counts: before any packet it allows padding outright; once
// padding/(padding+normal) reaches frac it forbids it; otherwise it
// decides nothing.
func paddingFraction(padding, normal uint64, frac float64) (allow, decided bool) {
	if !(frac > 0) {
		return false, false
	}
	total := satAddU64(normal, padding)
	if total == 0 {
		return true, true
	}
	if float64(padding)/float64(total) >= frac {
		return false, true
	}
	return false, false
}

// belowBlockingLimits applies the blocking budgets. Replacing active
// blocking is always allowed (within the state limit). A machine that has
// blocked less than its AllowedBlockedMicrosec may block regardless of
// fractions. Otherwise the machine's and then the framework's blocking
// fraction, if set, must not have been reached; ongoing blocking counts up
// to now.
func (f *Framework) belowBlockingLimits(i int, m *progMachine, replace bool) bool {
	rt := &f.runtime[i]
	if replace && f.blockingActive {
		return rt.limit > 0
	}
	mine, all := rt.blocked, f.blocked
	if f.blockingActive {
		ongoing := since(f.now, f.blockingStarted)
		mine = satAdd(mine, ongoing)
		all = satAdd(all, ongoing)
	}
	if mine < rt.allowedBlocked {
		return rt.limit > 0
	}
	elapsed := since(f.now, f.start)
	if m.maxBlockingFrac > 0 && seconds(mine)/seconds(elapsed) >= m.maxBlockingFrac {
		return false
	}
	if f.maxBlockingFrac > 0 && seconds(all)/seconds(elapsed) >= f.maxBlockingFrac {
		return false
	}
	return rt.limit > 0
}

// deliverSignal delivers a pending signal after a call's events: every
// machine but the one that signalled transitions on Signal. If that raises
// another signal, the machine left out gets a Signal too. A signal raised
// after that stays pending until the next call.
func (f *Framework) deliverSignal() {
	except := f.signalExcept
	f.signalPending = false
	for i := range f.runtime {
		if i != except {
			f.transition(i, Signal)
		}
	}
	if f.signalPending {
		f.signalPending = false
		if except >= 0 {
			f.transition(except, Signal)
		}
	}
	if !f.signalPending {
		f.quiet = f.prog.quiet
	}
}

// since returns now - earlier, or 0 if earlier is later.
func since(now, earlier time.Time) time.Duration {
	return max(now.Sub(earlier), 0)
}

// seconds converts d to seconds as the reference does: whole seconds plus
// the nanosecond remainder, each converted on its own. Dividing two of
// these follows IEEE: x/0 is +Inf, 0/0 is NaN.
func seconds(d time.Duration) float64 {
	return float64(d/time.Second) + float64(d%time.Second)/1e9
}

// microsToDuration converts microseconds to a Duration, saturating at the
// largest Duration (about 292 years).
func microsToDuration(us uint64) time.Duration {
	if us > math.MaxInt64/uint64(time.Microsecond) {
		return math.MaxInt64
	}
	return time.Duration(us) * time.Microsecond
}

// satAdd adds two non-negative durations, saturating instead of overflowing.
func satAdd(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// satAddU64 adds, saturating at 2^64-1.
func satAddU64(a, b uint64) uint64 {
	if a+b < a {
		return math.MaxUint64
	}
	return a + b
}
