package defense

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/internal/ratewindow"
	"github.com/maybenot-go/maybenot/internal/rules"
)

// DefaultMaxActionsPerSecond is the cap on actions per second of a Defense
// whose Config leaves MaxActionsPerSecond at 0. It bounds the work of a
// machine that answers its own TimerBegin without end to a few percent of
// a core, and leaves the machines that VPNs deploy untouched up to about
// 100,000 packets a second on a download (they take under one action a
// packet then, and a few thousand a second on web traffic). Raise it for
// connections faster than that. A machine that pads without pause is held
// to that many padding packets a second; Config.MaxPaddingFrac bounds
// padding more tightly.
const DefaultMaxActionsPerSecond = 100_000

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
	// with true and, after Close, ending with false. While blocked, hold
	// back every outgoing packet except what a Padding with Bypass lets out
	// (the padding, or a held packet that replaces it); when unblocked,
	// send what was held. Like SendPadding it may call the Defense's
	// methods.
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
// PaddingReceived) and EndBlocking never call the callbacks, so they may
// be called with the integrator's own locks held, and they do not
// allocate.
type Defense struct {
	mu sync.Mutex

	// Times are nanoseconds since New, read from the clock (see read): on
	// the real clock (real; clock is nil) from the monotonic clock alone,
	// as time since base, which costs one reading of the system's clock
	// instead of the two of time.Now; on a VirtualClock (virtual) from its
	// count, less virtualStart; on any other Clock, as time since base.
	clock        Clock
	real         bool
	virtual      *VirtualClock
	virtualStart int64
	base         time.Time
	// last is the latest time used: time never goes back, though callers
	// read the clock before they take d.mu.
	last int64

	// fw runs the machines. Its time is the Defense's, as a time.Time that
	// many nanoseconds after the Unix epoch (see timeOf): only differences
	// of times matter to it.
	fw *maybenot.Framework
	// With capped set, the actions are capped at maxActions per second
	// as a maybenot.RateLimitedFramework caps them (see ratewindow):
	// prev and current count the actions let out in the previous and the
	// current window, which began at tick.
	capped        bool
	maxActions    float64
	prev, current float64
	tick          int64

	sendPadding     func(Padding)
	blockingChanged func(bool)

	machines []machineState

	// Blocking of outgoing traffic, framework-wide; blockEnd is scheduled
	// while it lasts.
	blocked    bool
	bypassable bool
	blockEnd   deadline

	// sched holds every running timer: the machines' action and internal
	// timers, the end of blocking and wake. One clock timer, timer, fires
	// for the earliest of them. It is armed for armedFor if armed; while
	// arming, a goroutine is arming or stopping it with d.mu released (see
	// settle).
	sched    schedule[*deadline]
	timer    Timer
	armed    bool
	armedFor int64
	arming   bool

	// events holds the events for the next call to the framework: an
	// event to report, after the TimerBegin events that the UpdateTimer
	// actions of the previous call asked for. spare is the other buffer,
	// holding the events of the call in progress. wake is scheduled, due
	// at once, when work is left for the clock timer: TimerBegin events
	// still to report, or callbacks still to make after one panicked.
	events []maybenot.TriggerEvent
	spare  []maybenot.TriggerEvent
	wake   deadline

	// calls holds the callbacks to make, in order. delivering is true
	// while a goroutine is making one. told is the last blocking state
	// handed to BlockingChanged.
	calls      callQueue
	delivering bool
	told       bool

	closed bool

	// observe, when set (by tests), sees every call to the framework.
	observe func(now time.Time, events []maybenot.TriggerEvent, actions []maybenot.TriggerAction)
}

// machineState is a machine's two timers.
type machineState struct {
	// action is due when the pending action, a SendPadding or (block) a
	// BlockOutgoing with its duration and flags, is to be carried out.
	action                 deadline
	duration               time.Duration
	block, bypass, replace bool
	// internal is the internal timer, set by UpdateTimer.
	internal deadline
}

// deadline is a timer in a Defense's schedule.
type deadline struct {
	slot
	kind    timerKind
	machine int32
}

func (t *deadline) sched() *slot { return &t.slot }

// running reports whether the timer is scheduled.
func (t *deadline) running() bool { return t.pos > 0 }

// remaining returns the time left on the timer at now: 0 if it is not
// running or already due.
func (t *deadline) remaining(now int64) time.Duration {
	if !t.running() || t.when <= now {
		return 0
	}
	return time.Duration(t.when - now)
}

// timerKind tells the timers of a Defense apart.
type timerKind uint8

const (
	actionTimer timerKind = iota
	internalTimer
	blockingTimer
	wakeTimer
)

// maxFiringRounds bounds the rounds of deadlines that one firing of the
// clock timer handles, when it goes on with those due meanwhile (see fire),
// so that a machine that acts without pause makes way for other Defenses.
const maxFiringRounds = 64

// maxRounds bounds the calls to the framework that one report or one timer
// makes: a call, then one for the TimerBegin events of its UpdateTimer
// actions, and so on. Machines that keep answering their own TimerBegin
// continue from the clock timer.
const maxRounds = 8

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
	d := &Defense{
		clock:           cfg.Clock,
		sendPadding:     cfg.SendPadding,
		blockingChanged: cfg.BlockingChanged,
	}
	switch c := d.clock.(type) {
	case nil:
		d.real, d.base = true, time.Now()
	case *VirtualClock:
		d.virtual, d.virtualStart = c, c.elapsed()
	default:
		d.base = c.Now()
	}
	fw, err := maybenot.NewFramework(cfg.Machines, cfg.MaxPaddingFrac, cfg.MaxBlockingFrac, d.timeOf(0), cfg.Rand)
	if err != nil {
		return nil, fmt.Errorf("defense: %w", err)
	}
	d.fw = fw
	n := len(cfg.Machines)
	d.machines = make([]machineState, n)
	for i := range d.machines {
		d.machines[i].action = deadline{kind: actionTimer, machine: int32(i)}
		d.machines[i].internal = deadline{kind: internalTimer, machine: int32(i)}
	}
	d.blockEnd.kind = blockingTimer
	d.wake.kind = wakeTimer
	// Each call to the framework holds at most one event per machine (its
	// TimerBegin) and the one reported, so the buffers never grow.
	events := make([]maybenot.TriggerEvent, 0, 2*(1+n))
	d.events, d.spare = events[:0:1+n], events[1+n:1+n]
	// Room for every timer: two per machine, the end of blocking and wake.
	d.sched.h = make([]*deadline, 0, 2*n+2)
	d.calls.init(n)
	// The clock timer is made here, stopped, so that arming it later
	// allocates nothing.
	if d.real {
		d.timer = time.AfterFunc(math.MaxInt64, d.fireReal)
	} else {
		d.timer = d.clock.AfterFunc(math.MaxInt64, d.fire)
	}
	d.timer.Stop()
	d.maxActions = cfg.MaxActionsPerSecond
	if d.maxActions == 0 {
		d.maxActions = DefaultMaxActionsPerSecond
	}
	d.capped = !math.IsInf(d.maxActions, 1)
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
// on another goroutine and on a VirtualClock at the next Advance or
// AdvanceTo. Until then Blocked still reports true. So it may be called
// with the integrator's own locks held, and it does not allocate.
func (d *Defense) EndBlocking() {
	t := d.read()
	d.mu.Lock()
	if d.closed || !d.blocked {
		d.mu.Unlock()
		return
	}
	now := d.at(t)
	d.sched.set(&d.blockEnd, now)
	d.settle(now, false, false)
}

// Close stops every timer and ends the Defense: after it, the reporting
// methods and EndBlocking do nothing, Blocked reports false, and the
// callbacks still waiting to be made are dropped. Close may be called more
// than once.
//
// If the integrator was told that outgoing traffic is blocked, Close
// makes one last call, BlockingChanged(false), so that it sends what it
// held: so do not call Close with a lock held that BlockingChanged takes.
// Close makes that call itself before it returns, unless a callback is
// under way, as when Close is called from inside a callback: then the
// goroutine making that callback makes the last call as soon as the
// callback returns. No other callback starts after Close, but one under
// way when Close is called may still be running when it returns.
func (d *Defense) Close() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.closed = true
	d.sched.clear()
	d.blocked, d.bypassable = false, false
	d.events = d.events[:0]
	d.calls.clear()
	if d.told {
		d.calls.blocking(false)
	}
	d.settle(d.last, true, false)
}

// read returns the clock's time, in nanoseconds since base.
func (d *Defense) read() int64 {
	switch {
	case d.real:
		return int64(time.Since(d.base))
	case d.virtual != nil:
		return d.virtual.elapsed() - d.virtualStart
	}
	return int64(d.clock.Now().Sub(d.base))
}

// at returns t, or the latest time used if t is earlier, and makes it the
// latest. d.mu must be held.
func (d *Defense) at(t int64) int64 {
	if t > d.last {
		d.last = t
	}
	return d.last
}

// timeOf returns time now as the framework's time.Time. Such a time, with
// no monotonic reading, is cheaper to make than one that has one (which
// would be cheaper to subtract, but the framework subtracts times only to
// account for blocking).
func (d *Defense) timeOf(now int64) time.Time {
	return time.Unix(0, now)
}

// report triggers event e, reported by the integrator, now.
func (d *Defense) report(e maybenot.Event) {
	t := d.read()
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	now := d.at(t)
	d.events = append(d.events, maybenot.TriggerEvent{Event: e})
	d.run(now)
	if d.arming || !d.earlier() {
		d.mu.Unlock()
		return
	}
	d.settle(now, false, false)
}

// trigger feeds e to the framework at time now, after any TimerBegin
// events still waiting to be reported, and carries out the actions it
// returns. It queues no callbacks. d.mu must be held.
func (d *Defense) trigger(e maybenot.TriggerEvent, now int64) {
	d.events = append(d.events, e)
	d.run(now)
}

// run calls the framework with the waiting events at time now and carries
// out the actions it returns, in order. The TimerBegin events that
// UpdateTimer actions call for go to the framework together, in the order
// of their actions, in the next call, and so on for up to maxRounds calls;
// what is left then waits for the clock timer, set to fire at once. d.mu
// must be held.
func (d *Defense) run(now int64) {
	for round := 0; len(d.events) > 0; round++ {
		if round == maxRounds {
			d.sched.set(&d.wake, now)
			return
		}
		events := d.events
		d.events = d.spare[:0]
		t := d.timeOf(now)
		actions := d.fw.TriggerEvents(events, t)
		if d.capped {
			n, restart := ratewindow.Admit(&d.prev, &d.current, len(actions), time.Duration(now-d.tick), d.maxActions)
			if restart {
				d.tick = now
			}
			actions = actions[:n]
		}
		if d.observe != nil {
			d.observe(t, events, actions)
		}
		for _, a := range actions {
			d.apply(a, now)
		}
		d.spare = events
	}
}

// apply carries out action a at time now. d.mu must be held.
func (d *Defense) apply(a maybenot.TriggerAction, now int64) {
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
		ms.duration, ms.bypass, ms.replace = a.Duration, a.Bypass, a.Replace
		ms.block = a.Kind == maybenot.ActionBlockOutgoing
		d.sched.set(&ms.action, later(now, a.Timeout))

	case maybenot.ActionUpdateTimer:
		// Only a timer that is set is reported with TimerBegin.
		if rules.Takes(ms.internal.remaining(now), a.Duration, a.Replace) {
			d.sched.set(&ms.internal, later(now, a.Duration))
			d.events = append(d.events, maybenot.TriggerEvent{Event: maybenot.TimerBegin, Machine: a.Machine})
		}
	}
}

// fire runs when the clock timer fires. It handles, in order, every
// deadline that was due when it started, then re-arms the clock timer and
// makes the callbacks this caused. A deadline set while it runs waits for
// the next firing even if already due, so the lock is released between
// rounds of a machine that acts without delay. On a clock other than a
// VirtualClock, when such a deadline is due and no callback waits, the
// next round runs on at once, on this goroutine, instead of through the
// clock, up to maxFiringRounds rounds.
func (d *Defense) fire() {
	t := d.read()
	d.mu.Lock()
	d.armed = false
	for round := 1; !d.closed; round++ {
		now := d.at(t)
		next := d.sched.seq
		for {
			t, ok := d.sched.first()
			if !ok || t.when > now || t.seq >= next {
				break
			}
			d.sched.pop()
			d.expire(t, now)
		}
		if !d.settle(now, true, d.virtual == nil && round < maxFiringRounds) {
			return
		}
		d.mu.Unlock()
		t = d.read()
		d.mu.Lock()
	}
	d.mu.Unlock()
}

// expire handles timer t, due by now. d.mu must be held.
func (d *Defense) expire(t *deadline, now int64) {
	id := maybenot.MachineID(t.machine)
	switch t.kind {
	case actionTimer:
		ms := &d.machines[t.machine]
		if !ms.block {
			d.calls.padding(int(t.machine), ms.replace, rules.Bypasses(ms.bypass, d.blocked, d.bypassable))
			d.trigger(maybenot.TriggerEvent{Event: maybenot.PaddingSent, Machine: id}, now)
			return
		}
		d.block(ms, now)
		d.trigger(maybenot.TriggerEvent{Event: maybenot.BlockingBegin, Machine: id}, now)

	case internalTimer:
		d.trigger(maybenot.TriggerEvent{Event: maybenot.TimerEnd, Machine: id}, now)

	case blockingTimer:
		d.blocked, d.bypassable = false, false
		d.calls.blocking(false)
		d.trigger(maybenot.TriggerEvent{Event: maybenot.BlockingEnd}, now)

	case wakeTimer:
		d.run(now)
	}
}

// block carries out the BlockOutgoing of ms, fired at now: the blocking in
// place, if any, is set to last its duration from now when rules.Takes says
// so, and then takes its bypass flag; if nothing was blocked, that starts
// the blocking. d.mu must be held.
func (d *Defense) block(ms *machineState, now int64) {
	if !rules.Takes(d.blockEnd.remaining(now), ms.duration, ms.replace) {
		return
	}
	if !d.blocked {
		d.blocked = true
		d.calls.blocking(true)
	}
	d.bypassable = ms.bypass
	d.sched.set(&d.blockEnd, later(now, ms.duration))
}

// earlier reports whether the clock timer must be armed earlier than it
// is: a deadline is due before it fires, or it is not armed. d.mu must be
// held.
func (d *Defense) earlier() bool {
	first, ok := d.sched.first()
	return ok && (!d.armed || first.when < d.armedFor)
}

// settle brings the clock timer and the callbacks up to date with d's
// state, then releases d.mu, which must be held; now is the time of the
// change.
//
// The clock timer is armed for the earliest deadline when that is earlier
// than it is armed for (a timer armed too early fires, finds nothing due
// and is armed again: cheaper than re-arming on every event that pushes a
// deadline back), and stopped after Close. Timer.Reset and Timer.Stop are
// called with d.mu released, one goroutine at a time (arming), so a Clock
// may run the timer's function inside them; whoever arms looks again once
// it holds d.mu, until the timer is as d's state wants it. With next set
// (by fire), settle instead returns true, with d.mu still held, when the
// earliest deadline is already due and no callback waits: the caller
// handles it itself.
//
// With deliver set, settle then makes the callbacks queued, in order, with
// d.mu released during each; if another goroutine is already making them,
// it leaves the rest to that goroutine, which keeps going until the queue
// is empty. So callbacks never overlap and keep their order, and a
// callback that calls back into the Defense cannot deadlock.
func (d *Defense) settle(now int64, deliver, next bool) bool {
	stale := false // d.mu was released since now was read
	for {
		if !d.arming {
			if d.closed {
				if d.armed {
					d.armed, d.arming = false, true
					d.mu.Unlock()
					d.timer.Stop()
					d.mu.Lock()
					d.arming, stale = false, true
					continue
				}
			} else if d.earlier() {
				if stale {
					now = d.at(d.read())
				}
				when := d.sched.h[0].when
				if next && when <= now && d.calls.len() == 0 {
					return true
				}
				d.armed, d.armedFor, d.arming = true, when, true
				d.mu.Unlock()
				d.timer.Reset(time.Duration(when - now))
				d.mu.Lock()
				d.arming, stale = false, true
				continue
			}
		}
		if deliver && !d.delivering && d.calls.len() > 0 {
			d.deliver(d.calls.pop())
			stale = true
			continue
		}
		d.mu.Unlock()
		return false
	}
}

// deliver makes callback c with d.mu released, and takes d.mu again.
// d.mu must be held.
//
// If the callback panics, the panic goes on up the stack of the goroutine
// that made it, and d is left as it would be after the callback returned,
// save that the callbacks still queued are left to the clock timer, set to
// fire at once (see afterPanic).
func (d *Defense) deliver(c callback) {
	if !c.padding {
		d.told = c.blocked
	}
	d.delivering = true
	d.mu.Unlock()
	returned := false
	defer func() {
		if !returned {
			d.afterPanic()
		}
	}()
	if c.padding {
		d.sendPadding(Padding{Machine: maybenot.MachineID(c.machine), Replace: c.replace, Bypass: c.bypass})
	} else {
		d.blockingChanged(c.blocked)
	}
	returned = true
	d.mu.Lock()
	d.delivering = false
}

// afterPanic restores d after a callback panicked, as the panic passes.
// The callbacks still queued are made at the next firing of the clock
// timer, armed to fire at once; after Close, the last BlockingChanged(false)
// is made here and now.
func (d *Defense) afterPanic() {
	t := d.read()
	d.mu.Lock()
	d.delivering = false
	now := d.at(t)
	if !d.closed && d.calls.len() > 0 && !d.wake.running() {
		d.sched.set(&d.wake, now)
	}
	d.settle(now, d.closed, false)
}
