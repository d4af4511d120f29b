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

// Config configures a Defense. SendPadding and BlockingChanged are
// required; everything else has a usable zero value.
type Config struct {
	// Machines are the machines to run. The Defense shares the slice with
	// its framework: do not modify it while the Defense is in use.
	Machines []maybenot.Machine
	// MaxPaddingFrac and MaxBlockingFrac bound the padding and blocking of
	// all machines together, as for maybenot.NewFramework (0: no bound).
	MaxPaddingFrac, MaxBlockingFrac float64
	// MaxActionsPerSecond, when > 0, caps the actions taken per second
	// with a maybenot.RateLimitedFramework, guarding against machines that
	// would ask for too much work. 0 means no cap.
	//
	// Without a cap, a machine that answers its own events without end
	// (say, an UpdateTimer state that loops to itself on TimerBegin, with
	// no limit) keeps the Defense busy forever, as it would the reference
	// framework; with a cap, its actions stop once the cap is reached.
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
	// with true. While blocked, hold back every outgoing packet except
	// padding handed over with Padding.Bypass; when unblocked, send what
	// was held. Like SendPadding it may call the Defense's methods.
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
// integrator's own locks held; they do not allocate.
type Defense struct {
	mu sync.Mutex

	clock      Clock
	fw         *maybenot.Framework
	rl         *maybenot.RateLimitedFramework // nil without a rate limit
	maxActions float64

	sendPadding     func(Padding)
	blockingChanged func(bool)

	machines []machineTimers

	// Blocking of outgoing traffic, framework-wide.
	blocked    bool
	bypassable bool
	blockEnd   time.Time
	blockTimer Timer // nil until first used

	// events holds the events to trigger, one call each, during a
	// trigger: the first, then the TimerBegin events that UpdateTimer
	// actions add.
	events []maybenot.TriggerEvent

	// calls queues the callbacks to make, in order; head is the next one.
	// delivering is true while some goroutine is making them.
	calls      []callback
	head       int
	delivering bool

	closed bool

	// observe, when set (by tests), sees every call to the framework.
	observe func(now time.Time, events []maybenot.TriggerEvent, actions []maybenot.TriggerAction)
}

// machineTimers is the state of one machine's two timers.
type machineTimers struct {
	// The action timer, with the SendPadding or BlockOutgoing action it
	// carries out when it fires at actionDue.
	action    Timer // nil until first used
	actionSet bool
	actionDue time.Time
	pending   maybenot.TriggerAction

	// The internal timer, set by UpdateTimer; TimerEnd when it fires.
	internal    Timer // nil until first used
	internalSet bool
	internalDue time.Time
}

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
		machines:        make([]machineTimers, len(cfg.Machines)),
		events:          make([]maybenot.TriggerEvent, 0, 1+len(cfg.Machines)),
		calls:           make([]callback, 0, 4),
	}
	if cfg.MaxActionsPerSecond > 0 && !math.IsInf(cfg.MaxActionsPerSecond, 1) {
		d.rl = maybenot.NewRateLimitedFramework(fw)
		d.maxActions = cfg.MaxActionsPerSecond
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
	for i := range d.machines {
		mt := &d.machines[i]
		stop(mt.action)
		stop(mt.internal)
		mt.actionSet, mt.internalSet = false, false
	}
	stop(d.blockTimer)
	d.blocked, d.bypassable = false, false
	clear(d.calls)
	d.calls, d.head = d.calls[:0], 0
}

// stop stops t if it exists.
func stop(t Timer) {
	if t != nil {
		t.Stop()
	}
}

// report triggers event e, reported by the integrator, now.
func (d *Defense) report(e maybenot.Event) {
	d.mu.Lock()
	if !d.closed {
		d.trigger(maybenot.TriggerEvent{Event: e}, d.clock.Now())
	}
	d.mu.Unlock()
}

// trigger feeds e to the framework at time now and carries out the actions
// it returns, in order. The TimerBegin events that UpdateTimer actions call
// for are fed back the same way, one call each, in the order of their
// actions. It queues no callbacks. d.mu must be held.
func (d *Defense) trigger(e maybenot.TriggerEvent, now time.Time) {
	d.events = append(d.events[:0], e)
	for i := 0; i < len(d.events); i++ {
		events := d.events[i : i+1]
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
	}
}

// apply carries out action a at time now. d.mu must be held.
func (d *Defense) apply(a maybenot.TriggerAction, now time.Time) {
	m := int(a.Machine)
	mt := &d.machines[m]
	switch a.Kind {
	case maybenot.ActionCancel:
		if a.Timer == maybenot.TimerAction || a.Timer == maybenot.TimerAll {
			stop(mt.action)
			mt.actionSet = false
		}
		if a.Timer == maybenot.TimerInternal || a.Timer == maybenot.TimerAll {
			stop(mt.internal)
			mt.internalSet = false
		}

	case maybenot.ActionSendPadding, maybenot.ActionBlockOutgoing:
		// A new action replaces the pending one, if any.
		mt.pending = a
		mt.actionSet = true
		mt.actionDue = now.Add(a.Timeout)
		if mt.action == nil {
			mt.action = d.clock.AfterFunc(a.Timeout, func() { d.fireAction(m) })
		} else {
			mt.action.Reset(a.Timeout)
		}

	case maybenot.ActionUpdateTimer:
		due := now.Add(a.Duration)
		if a.Replace || !mt.internalSet || due.After(mt.internalDue) {
			mt.internalSet = true
			mt.internalDue = due
			if mt.internal == nil {
				mt.internal = d.clock.AfterFunc(a.Duration, func() { d.fireInternal(m) })
			} else {
				mt.internal.Reset(a.Duration)
			}
		}
		// The machine hears TimerBegin whether or not the timer moved.
		d.events = append(d.events, maybenot.TriggerEvent{Event: maybenot.TimerBegin, Machine: a.Machine})
	}
}

// fireAction runs when machine m's action timer fires: it carries out the
// pending SendPadding or BlockOutgoing.
func (d *Defense) fireAction(m int) {
	d.mu.Lock()
	mt := &d.machines[m]
	now := d.clock.Now()
	// A timer that was cancelled or re-armed after it fired arrives
	// stale: its deadline has gone or lies ahead.
	if d.closed || !mt.actionSet || now.Before(mt.actionDue) {
		d.mu.Unlock()
		return
	}
	mt.actionSet = false
	a := mt.pending
	id := maybenot.MachineID(m)
	switch a.Kind {
	case maybenot.ActionSendPadding:
		d.calls = append(d.calls, callback{padding: true, p: Padding{
			Machine: id,
			Replace: a.Replace,
			Bypass:  a.Bypass && d.blocked && d.bypassable,
		}})
		d.trigger(maybenot.TriggerEvent{Event: maybenot.PaddingSent, Machine: id}, now)
	case maybenot.ActionBlockOutgoing:
		d.block(a, now)
		d.trigger(maybenot.TriggerEvent{Event: maybenot.BlockingBegin, Machine: id}, now)
	}
	d.deliverAndUnlock()
}

// block starts blocking for a.Duration from now or, if blocking is active,
// sets its remaining time to a.Duration when a.Replace is set, or to the
// longer of the two otherwise. Blocking that is started, replaced or
// extended takes a.Bypass. d.mu must be held.
func (d *Defense) block(a maybenot.TriggerAction, now time.Time) {
	end := now.Add(a.Duration)
	if d.blocked && !a.Replace && !end.After(d.blockEnd) {
		return // the blocking in place lasts at least as long
	}
	if !d.blocked {
		d.blocked = true
		d.calls = append(d.calls, callback{blocked: true})
	}
	d.bypassable = a.Bypass
	d.blockEnd = end
	if d.blockTimer == nil {
		d.blockTimer = d.clock.AfterFunc(a.Duration, d.fireBlock)
	} else {
		d.blockTimer.Reset(a.Duration)
	}
}

// fireBlock runs when the blocking timer fires: blocking ends.
func (d *Defense) fireBlock() {
	d.mu.Lock()
	now := d.clock.Now()
	if d.closed || !d.blocked || now.Before(d.blockEnd) {
		d.mu.Unlock()
		return
	}
	d.blocked, d.bypassable = false, false
	d.calls = append(d.calls, callback{blocked: false})
	d.trigger(maybenot.TriggerEvent{Event: maybenot.BlockingEnd}, now)
	d.deliverAndUnlock()
}

// fireInternal runs when machine m's internal timer fires.
func (d *Defense) fireInternal(m int) {
	d.mu.Lock()
	mt := &d.machines[m]
	now := d.clock.Now()
	if d.closed || !mt.internalSet || now.Before(mt.internalDue) {
		d.mu.Unlock()
		return
	}
	mt.internalSet = false
	d.trigger(maybenot.TriggerEvent{Event: maybenot.TimerEnd, Machine: maybenot.MachineID(m)}, now)
	d.mu.Unlock()
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
