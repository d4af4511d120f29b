package defense

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/maybenot-go/maybenot"
)

// DefaultMaxActionsPerSecond is the cap on actions per second of a Defense
// whose Config leaves MaxActionsPerSecond at 0. It is far above what
// machines ask for on real traffic (an action per machine per packet at
// several hundred thousand packets per second) and bounds the work a
// runaway machine can cause.
const DefaultMaxActionsPerSecond = 1_000_000

// Config configures a Defense. SendPadding and BlockingChanged are
// required; everything else has a usable zero value.
type Config struct {
	// Machines are the machines to run. The Defense shares the slice with
	// its framework: do not modify it while the Defense is in use.
	Machines []maybenot.Machine
	// MaxPaddingFrac and MaxBlockingFrac bound the padding and blocking of
	// all machines together, as for maybenot.NewFramework (0: no bound).
	MaxPaddingFrac, MaxBlockingFrac float64
	// MaxActionsPerSecond caps the actions taken per second, with a
	// maybenot.RateLimitedFramework: once the estimated rate reaches it,
	// actions are dropped (events still reach the machines). 0 means
	// DefaultMaxActionsPerSecond; +Inf means no cap.
	//
	// The cap guards against machines that ask for too much work. A valid
	// machine may answer its own events without end: say, a state with an
	// UpdateTimer and no limit that loops back to itself on TimerBegin. A
	// reporting call never runs such a loop for more than a few rounds
	// (the rest runs from the clock timer, so the caller is not held up),
	// and the cap ends it; without a cap it would go on for good, at one
	// instant.
	MaxActionsPerSecond float64
	// Rand is the source of the machines' randomness; nil means a secure
	// one. Pass a deterministic source only for tests and simulation.
	Rand rand.Source
	// Clock is the time source; nil means real time. Use a VirtualClock to
	// test or simulate.
	Clock Clock

	// SendPadding is called when a machine's padding is due. It must
	// queue one padding packet for sending, following the rules of
	// Padding. It is never called with a lock of the Defense held, so it
	// may call the Defense's methods (for example PacketSent, once it wrote
	// the packet).
	SendPadding func(Padding)
	// BlockingChanged is called with true when outgoing traffic becomes
	// blocked and with false when it is unblocked, alternately, starting
	// with true. While blocked, hold back every outgoing packet except what
	// a Padding with Bypass lets out (the padding, or a held packet that
	// replaces it); when unblocked, send what was held. Like SendPadding it may call the Defense's methods.
	BlockingChanged func(blocked bool)
}

// Padding is a padding packet due to be sent, as handed to
// Config.SendPadding. The Defense has already reported it to the framework
// as sent (queued); the integrator reports PacketSent when a packet leaves.
//
// The integrator carries it out as follows, where "waiting" packets are
// packets already queued to be sent but not yet written (for example,
// held back by blocking):
//
//   - If Replace is set and a packet is waiting, make no padding: the
//     waiting packet stands in for it. If Bypass is set too, write the
//     first waiting packet now, even though blocking holds back the rest.
//   - Otherwise make a padding packet. If Bypass is set, write it now,
//     ahead of anything held back. If not, queue it like any other packet:
//     while outgoing traffic is blocked it waits for the blocking to end.
//
// With Replace the integrator may also send normal data it was about to
// send instead of the padding; it then reports NormalQueued for that packet.
type Padding struct {
	// Machine is the machine whose action this is.
	Machine maybenot.MachineID
	// Replace: a packet that is waiting to be sent, or normal data about to
	// be sent, may take the padding's place.
	Replace bool
	// Bypass: outgoing traffic is blocked, the blocking is bypassable and
	// this padding may bypass it, so it (or a waiting packet replacing it)
	// must be written now. It is false whenever outgoing traffic is not
	// blocked.
	Bypass bool
}

// Defense runs a set of machines for one connection and carries out their
// actions: it keeps each machine's action and internal timers, blocks and
// unblocks outgoing traffic, asks for padding, and reports back to the
// machines every event these cause. See the package documentation for the
// model.
//
// All methods are safe for concurrent use. The reporting methods
// (NormalQueued, PacketSent, PacketReceived, NormalReceived,
// PaddingReceived) never call the callbacks, so they may be called with the
// integrator's own locks held, and they do not allocate.
type Defense struct {
	mu sync.Mutex

	clock      Clock
	fw         *maybenot.Framework
	rl         *maybenot.RateLimitedFramework // nil without a rate limit
	maxActions float64

	sendPadding     func(Padding)
	blockingChanged func(bool)

	machines []machineState

	// Blocking of outgoing traffic, framework-wide; blockEnd is scheduled
	// while it lasts.
	blocked    bool
	bypassable bool
	blockEnd   deadline

	// sched holds every running timer: the machines' action and internal
	// timers and the end of blocking. One clock timer, timer, fires for
	// the earliest of them; it is armed for timerDue if timerSet.
	sched    schedule[*deadline]
	timer    Timer
	timerSet bool
	timerDue time.Time

	// events holds the events for the next call to the framework: an
	// event to report, after the TimerBegin events that the UpdateTimer
	// actions of the previous call asked for. spare is the other buffer,
	// holding the events of the call in progress. feedback is scheduled
	// when TimerBegin events were left for the clock timer to report.
	events   []maybenot.TriggerEvent
	spare    []maybenot.TriggerEvent
	feedback deadline

	// calls queues the callbacks to make, in order; head is the next one.
	// delivering is true while some goroutine is making them.
	calls      []callback
	head       int
	delivering bool

	closed bool

	// observe, when set (by tests), sees every call to the framework.
	observe func(now time.Time, events []maybenot.TriggerEvent, actions []maybenot.TriggerAction)
}

// machineState is a machine's two timers.
type machineState struct {
	// action is due when pending, a SendPadding or BlockOutgoing, is to be
	// carried out.
	action  deadline
	pending maybenot.TriggerAction
	// internal is the internal timer, set by UpdateTimer.
	internal deadline
}

// deadline is a timer in a Defense's schedule.
type deadline struct {
	slot
	kind    timerKind
	machine int
}

func (t *deadline) sched() *slot { return &t.slot }

// running reports whether the timer is scheduled.
func (t *deadline) running() bool { return t.pos > 0 }

// timerKind tells the timers of a Defense apart.
type timerKind uint8

const (
	actionTimer timerKind = iota
	internalTimer
	blockingTimer
	feedbackTimer
)

// maxRounds bounds the calls to the framework that one report or one timer
// makes: a call, then one for the TimerBegin events of its UpdateTimer
// actions, and so on. Machines that keep answering their own TimerBegin
// continue from the clock timer.
const maxRounds = 8

// callback is one call of SendPadding (if padding) or BlockingChanged.
type callback struct {
	padding bool
	p       Padding
	blocked bool
}

// New returns a Defense running cfg.Machines from the clock's current time.
// It fails if a callback is missing, MaxActionsPerSecond is negative or NaN,
// or the framework rejects the machines or fractions (those errors wrap
// maybenot.ErrInvalidMachine, ErrPaddingLimit or ErrBlockingLimit).
func New(cfg Config) (*Defense, error) {
	if cfg.SendPadding == nil || cfg.BlockingChanged == nil {
		return nil, errors.New("defense: Config.SendPadding and Config.BlockingChanged must be set")
	}
	if !(cfg.MaxActionsPerSecond >= 0) {
		return nil, fmt.Errorf("defense: MaxActionsPerSecond %v is not >= 0", cfg.MaxActionsPerSecond)
	}
	clock := cfg.Clock
	if clock == nil {
		clock = systemClock{}
	}
	fw, err := maybenot.NewFramework(cfg.Machines, cfg.MaxPaddingFrac, cfg.MaxBlockingFrac, clock.Now(), cfg.Rand)
	if err != nil {
		return nil, fmt.Errorf("defense: %w", err)
	}
	d := &Defense{
		clock:           clock,
		fw:              fw,
		sendPadding:     cfg.SendPadding,
		blockingChanged: cfg.BlockingChanged,
		machines:        make([]machineState, len(cfg.Machines)),
		events:          make([]maybenot.TriggerEvent, 0, 1+len(cfg.Machines)),
		spare:           make([]maybenot.TriggerEvent, 0, 1+len(cfg.Machines)),
		calls:           make([]callback, 0, 4),
	}
	for i := range d.machines {
		d.machines[i].action = deadline{kind: actionTimer, machine: i}
		d.machines[i].internal = deadline{kind: internalTimer, machine: i}
	}
	d.blockEnd.kind = blockingTimer
	d.feedback.kind = feedbackTimer
	// Room for every timer: two per machine, the end of blocking and the
	// feedback.
	d.sched.h = make(deadlineHeap[*deadline], 0, 2*len(d.machines)+2)
	// The clock timer is made here, stopped, so that arming it later
	// allocates nothing.
	d.timer = clock.AfterFunc(math.MaxInt64, d.fire)
	d.timer.Stop()
	d.maxActions = cfg.MaxActionsPerSecond
	if d.maxActions == 0 {
		d.maxActions = DefaultMaxActionsPerSecond
	}
	if !math.IsInf(d.maxActions, 1) {
		d.rl = maybenot.NewRateLimitedFramework(fw)
	}
	return d, nil
}

// NormalQueued reports that a normal (non-padding) packet was queued to be
// sent, blocked or not: the NormalSent event. Report PacketSent when it is
// written.
func (d *Defense) NormalQueued() { d.report(maybenot.NormalSent) }

// PacketSent reports that a packet, normal or padding, was written to the
// network: the TunnelSent event. Report it after NormalQueued for a normal
// packet, and after SendPadding handed over a padding packet.
func (d *Defense) PacketSent() { d.report(maybenot.TunnelSent) }

// PacketReceived reports that a packet arrived, before its kind is known:
// the TunnelRecv event. Report it as early as possible, then NormalReceived
// or PaddingReceived once the packet is decrypted.
func (d *Defense) PacketReceived() { d.report(maybenot.TunnelRecv) }

// NormalReceived reports that a received packet, already reported with
// PacketReceived, holds normal data: the NormalRecv event.
func (d *Defense) NormalReceived() { d.report(maybenot.NormalRecv) }

// PaddingReceived reports that a received packet, already reported with
// PacketReceived, is padding: the PaddingRecv event.
func (d *Defense) PaddingReceived() { d.report(maybenot.PaddingRecv) }

// Blocked reports whether outgoing traffic is blocked now and, if so,
// whether the blocking is bypassable. It reflects the Defense's state at
// the moment of the call; a BlockingChanged call announcing that state may
// still be on its way.
func (d *Defense) Blocked() (blocked, bypassable bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.blocked, d.bypassable
}

// EndBlocking ends the blocking of outgoing traffic now, before its time
// is up, exactly as if its duration had run out at this instant: the
// Defense calls BlockingChanged(false) and the machines hear BlockingEnd.
// It does nothing when nothing is blocked. An integrator calls it when it
// cannot hold any more packets back: its queue of held packets is full.
//
// Like the reporting methods, EndBlocking never calls a callback itself:
// the blocking ends from the clock timer, which on real time fires at once
// on its own goroutine and on a VirtualClock at the next Advance or
// AdvanceTo. Until then Blocked still reports true. So it may be called
// with the integrator's own locks held, and it does not allocate.
func (d *Defense) EndBlocking() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed || !d.blocked {
		return
	}
	now := d.clock.Now()
	d.sched.set(&d.blockEnd, now)
	d.armClock(now, false)
}

// Close stops every timer and ends the Defense: after it, the reporting
// methods do nothing, Blocked reports false and no callback starts. Close
// does not call BlockingChanged: if outgoing traffic was blocked, the
// integrator should release what it held. A callback already running when
// Close is called may still be running when it returns (so a callback may
// call Close). Close may be called more than once.
func (d *Defense) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.closed = true
	d.sched.clear()
	d.timer.Stop()
	d.timerSet = false
	d.blocked, d.bypassable = false, false
	d.events = d.events[:0]
	clear(d.calls)
	d.calls, d.head = d.calls[:0], 0
}

// report triggers event e, reported by the integrator, now.
func (d *Defense) report(e maybenot.Event) {
	d.mu.Lock()
	if !d.closed {
		now := d.clock.Now()
		d.trigger(maybenot.TriggerEvent{Event: e}, now)
		d.armClock(now, false)
	}
	d.mu.Unlock()
}

// trigger feeds e to the framework at time now, after any TimerBegin
// events still waiting to be reported, and carries out the actions it
// returns. It queues no callbacks. d.mu must be held.
func (d *Defense) trigger(e maybenot.TriggerEvent, now time.Time) {
	d.events = append(d.events, e)
	d.run(now)
}

// run calls the framework with the waiting events at time now and carries
// out the actions it returns, in order. The TimerBegin events that
// UpdateTimer actions call for go to the framework together, in the order
// of their actions, in the next call, and so on for up to maxRounds calls;
// what is left then waits for the clock timer, set to fire at once. Each
// call holds at most one event per machine (plus the one reported), so the
// buffers never grow. d.mu must be held.
func (d *Defense) run(now time.Time) {
	for round := 0; len(d.events) > 0; round++ {
		if round == maxRounds {
			d.sched.set(&d.feedback, now)
			return
		}
		events := d.events
		d.events = d.spare[:0]
		var actions []maybenot.TriggerAction
		if d.rl != nil {
			actions = d.rl.TriggerEvents(events, d.maxActions, now)
		} else {
			actions = d.fw.TriggerEvents(events, now)
		}
		if d.observe != nil {
			d.observe(now, events, actions)
		}
		for _, a := range actions {
			d.apply(a, now)
		}
		d.spare = events
	}
}

// apply carries out action a at time now. d.mu must be held.
func (d *Defense) apply(a maybenot.TriggerAction, now time.Time) {
	ms := &d.machines[a.Machine]
	switch a.Kind {
	case maybenot.ActionCancel:
		if a.Timer == maybenot.TimerAction || a.Timer == maybenot.TimerAll {
			d.sched.remove(&ms.action)
		}
		if a.Timer == maybenot.TimerInternal || a.Timer == maybenot.TimerAll {
			d.sched.remove(&ms.internal)
		}

	case maybenot.ActionSendPadding, maybenot.ActionBlockOutgoing:
		// A new action replaces the pending one, if any.
		ms.pending = a
		d.sched.set(&ms.action, now.Add(a.Timeout))

	case maybenot.ActionUpdateTimer:
		due := now.Add(a.Duration)
		if a.Replace || !ms.internal.running() || due.After(ms.internal.when) {
			d.sched.set(&ms.internal, due)
		}
		// The machine hears TimerBegin whether or not the timer moved.
		d.events = append(d.events, maybenot.TriggerEvent{Event: maybenot.TimerBegin, Machine: a.Machine})
	}
}

// armClock makes the clock timer fire by the earliest deadline. With exact
// set it arms the timer for exactly that deadline, or stops it if there is
// none; without, it only ever brings the timer forward, leaving a timer
// armed too early to fire, find nothing due, and re-arm (cheaper than
// re-arming on every event that pushes a deadline back). d.mu must be held.
func (d *Defense) armClock(now time.Time, exact bool) {
	first, ok := d.sched.first()
	if !ok {
		if exact {
			d.timer.Stop()
			d.timerSet = false
		}
		return
	}
	if !exact && d.timerSet && !first.when.Before(d.timerDue) {
		return
	}
	d.timerSet, d.timerDue = true, first.when
	d.timer.Reset(first.when.Sub(now))
}

// fire runs when the clock timer fires. It handles, in order, every
// deadline that was due when it started, then re-arms the clock timer and
// makes the callbacks this caused. A deadline set while it runs waits for
// the next firing even if already due, so the lock is released between
// rounds of a machine that acts without delay.
func (d *Defense) fire() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	now := d.clock.Now()
	d.timerSet = false
	next := d.sched.seq
	for {
		t, ok := d.sched.first()
		if !ok || t.when.After(now) || t.seq >= next {
			break
		}
		d.sched.pop()
		d.expire(t, now)
	}
	d.armClock(now, true)
	d.deliverAndUnlock()
}

// expire handles timer t, due by now. d.mu must be held.
func (d *Defense) expire(t *deadline, now time.Time) {
	id := maybenot.MachineID(t.machine)
	switch t.kind {
	case actionTimer:
		a := d.machines[t.machine].pending
		if a.Kind == maybenot.ActionSendPadding {
			d.calls = append(d.calls, callback{padding: true, p: Padding{
				Machine: id,
				Replace: a.Replace,
				Bypass:  a.Bypass && d.blocked && d.bypassable,
			}})
			d.trigger(maybenot.TriggerEvent{Event: maybenot.PaddingSent, Machine: id}, now)
			return
		}
		d.block(a, now)
		d.trigger(maybenot.TriggerEvent{Event: maybenot.BlockingBegin, Machine: id}, now)

	case internalTimer:
		d.trigger(maybenot.TriggerEvent{Event: maybenot.TimerEnd, Machine: id}, now)

	case blockingTimer:
		d.blocked, d.bypassable = false, false
		d.calls = append(d.calls, callback{blocked: false})
		d.trigger(maybenot.TriggerEvent{Event: maybenot.BlockingEnd}, now)

	case feedbackTimer:
		d.run(now)
	}
}

// block starts blocking for a.Duration from now or, if blocking is active,
// sets its remaining time to a.Duration when a.Replace is set, or to the
// longer of the two otherwise. Blocking that is started, replaced or
// extended takes a.Bypass. d.mu must be held.
func (d *Defense) block(a maybenot.TriggerAction, now time.Time) {
	end := now.Add(a.Duration)
	if d.blocked && !a.Replace && !end.After(d.blockEnd.when) {
		return // the blocking in place lasts at least as long
	}
	if !d.blocked {
		d.blocked = true
		d.calls = append(d.calls, callback{blocked: true})
	}
	d.bypassable = a.Bypass
	d.sched.set(&d.blockEnd, end)
}

// deliverAndUnlock makes the queued callbacks, in order and one at a time,
// with d.mu released during each, then releases d.mu. If another goroutine
// is already making them, it leaves the new ones to that goroutine, which
// keeps going until the queue is empty: so callbacks never overlap and
// keep the order in which they were queued, and a callback that calls back
// into the Defense cannot deadlock. d.mu must be held.
func (d *Defense) deliverAndUnlock() {
	if d.delivering {
		d.mu.Unlock()
		return
	}
	d.delivering = true
	for d.head < len(d.calls) && !d.closed {
		c := d.calls[d.head]
		d.head++
		d.mu.Unlock()
		if c.padding {
			d.sendPadding(c.p)
		} else {
			d.blockingChanged(c.blocked)
		}
		d.mu.Lock()
		if d.head == len(d.calls) {
			d.calls, d.head = d.calls[:0], 0
		}
	}
	d.calls, d.head = d.calls[:0], 0
	d.delivering = false
	d.mu.Unlock()
}
