package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/internal/rules"
)

// Options are the settings of Run, those of the reference's
// SimulatorArgs.
type Options struct {
	// Network must have the Delay the trace was parsed with.
	Network Network
	// MaxTraceLength stops the run once this many events are returned.
	MaxTraceLength int // 0: no limit
	// MaxIterations stops the run after this many events are simulated,
	// returned or not.
	MaxIterations int // 0: no limit
	// ContinueAfterTrace keeps the run going after the trace's packets are
	// all through (sent, received and none waiting), for as long as the
	// machines act.
	ContinueAfterTrace bool // the reference's continue_after_all_normal_packets_processed
	// OnlyClientEvents returns the client's events only.
	OnlyClientEvents bool
	// OnlyNetworkActivity returns only packets sent (TunnelSent) and
	// received (TunnelRecv).
	OnlyNetworkActivity bool
	// The frameworks' padding and blocking fractions (see
	// maybenot.NewFramework); 0: no limit.
	MaxPaddingFracClient, MaxBlockingFracClient float64
	MaxPaddingFracServer, MaxBlockingFracServer float64
	// The integration delays at each side; nil: none.
	ClientIntegration, ServerIntegration *Integration
	// The random sources of the client's and the server's framework; nil: a
	// secure source. Nothing else draws from them (integration delays draw from
	// Integration.Rand, so a framework's stream stays the reference's). The reference's
	// insecure_rng_seed s is ClientRand = Xoshiro256StarStar(s),
	// ServerRand = Xoshiro256StarStar(s+1) (wrapping).
	ClientRand, ServerRand rand.Source
}

// Event is one event of a simulated trace.
type Event struct {
	Event            maybenot.Event
	Machine          maybenot.MachineID // PaddingSent, BlockingBegin, TimerBegin, TimerEnd only
	Time             time.Duration      // since time 0 of the base trace (may be negative)
	IntegrationDelay time.Duration
	Client           bool // at the client (else the server)
	Padding          bool // the reference's contains_padding
}

// never is the reference's Duration::MAX: nothing due.
const never = time.Duration(math.MaxInt64)

// epoch is the wall-clock time the frameworks see for time 0 of the trace.
// Only differences of times matter to them.
var epoch = time.Unix(0, 0)

// side is the state of the client or the server.
type side struct {
	fw      *maybenot.Framework
	events  [1]maybenot.TriggerEvent // the one event of each call
	actions []scheduledAction        // per machine
	timers  []internalTimer          // per machine

	blocked    bool          // outgoing traffic is blocked ...
	until      time.Duration // ... until then
	bypassable bool          // the blocking set last let bypassing padding through

	delays *delays
	q      eventQueue
	agg    time.Duration // aggregate delay of the base trace here
	window window        // the bottleneck's count of packets sent from here
	flag   uint8         // fClient at the client, else 0
}

type scheduledAction struct {
	set    bool
	at     time.Duration
	action maybenot.TriggerAction
}

type internalTimer struct {
	set bool
	at  time.Duration
}

// runner is one run of the simulator.
type runner struct {
	client, server side
	now            time.Duration
	netDelay       time.Duration
	ppsLimit       int
	ppsDelay       time.Duration // added per packet beyond the limit
	pending        eventHeap     // aggregate delays, by time
	err            error

	// The earliest scheduled action and internal timer of both sides.
	actions, timers earliest

	// nowTime is the frameworks' time for now.
	nowTime time.Time
}

// earliest caches the earliest of a set of times that changes one time at
// a time: lowering a time, or adding one, keeps it; changing or removing
// the earliest one invalidates it.
type earliest struct {
	at    time.Duration // never: none
	valid bool
}

// set notes that a time was set to at, replacing old if wasSet.
func (c *earliest) set(wasSet bool, old, at time.Duration) {
	if wasSet && old == c.at {
		c.valid = false
	} else if at < c.at {
		c.at = at
	}
}

// clear notes that the time old was removed.
func (c *earliest) clear(old time.Duration) {
	if old == c.at {
		c.valid = false
	}
}

func (r *runner) side(client bool) *side {
	if client {
		return &r.client
	}
	return &r.server
}

// Run simulates the trace t with the machines client at the client and
// server at the server, as the reference's sim_advanced does, and returns
// the events that happened, in time order (events at the same time in
// the order they were simulated).
//
// Returned times are network times: an event's time minus its reporting
// delay for packets sent normally and received, plus its action delay for
// padding. The frameworks draw from o.ClientRand and o.ServerRand only,
// integration delays from the Integrations' Rand; see Integration for the
// one deliberate difference from the reference.
//
// Run stops when nothing is left to happen; when the trace's traffic is
// through, unless o.ContinueAfterTrace; or at o.MaxTraceLength events
// returned or o.MaxIterations events simulated. The trace's traffic is
// through when nothing of the base trace is left to send, nothing waits
// to be sent and no packet is on its way or being received; the
// reference counts padding there too, so machines that keep padding keep
// a run going. Each event simulated costs O(machines + log of the events
// queued), and the end of blocking or a packet the bottleneck delays
// O(packets waiting to be sent) more; but the machines decide how many
// events there are: with
// o.MaxIterations and o.MaxTraceLength 0, machines that pad without end
// make Run run, and its result grow, without end, as in the reference.
// Set o.MaxIterations (and o.MaxTraceLength) for machines you do not
// trust. Beyond the events returned, Run keeps O(trace + queued events +
// machines) memory, and it stops with ErrTimeLimit if simulated time
// reaches MaxTime.
//
// Errors: ErrInvalidOptions for options out of range or a Network.Delay
// that is not the trace's; the errors of maybenot.NewFramework for bad
// machines or fractions.
//
// Run never modifies t, client or server: one Trace and one set of
// machines may be run from any number of goroutines at once, each with
// its own random sources.
func Run(client, server []maybenot.Machine, t *Trace, o Options) ([]Event, error) {
	if err := o.Network.check(); err != nil {
		return nil, err
	}
	switch {
	case t == nil || t.Len() == 0:
		return nil, fmt.Errorf("%w: no trace", ErrInvalidOptions)
	case o.Network.Delay != t.delay:
		return nil, fmt.Errorf("%w: network delay %v, but the trace was parsed for %v", ErrInvalidOptions, o.Network.Delay, t.delay)
	case o.MaxTraceLength < 0 || o.MaxIterations < 0:
		return nil, fmt.Errorf("%w: negative limit", ErrInvalidOptions)
	case len(client) > math.MaxInt32 || len(server) > math.MaxInt32:
		return nil, fmt.Errorf("%w: too many machines", ErrInvalidOptions)
	}
	r := &runner{now: t.start, nowTime: epoch.Add(t.start), netDelay: o.Network.Delay, ppsLimit: o.Network.PacketsPerSecond}
	if r.ppsLimit == 0 {
		r.ppsLimit = t.maxPPS
	}
	r.ppsDelay = time.Second / time.Duration(uint32(r.ppsLimit))
	if err := r.client.init(client, t.client, o.MaxPaddingFracClient, o.MaxBlockingFracClient, o.ClientIntegration, o.ClientRand, r.now, fClient); err != nil {
		return nil, fmt.Errorf("sim: client: %w", err)
	}
	if err := r.server.init(server, t.server, o.MaxPaddingFracServer, o.MaxBlockingFracServer, o.ServerIntegration, o.ServerRand, r.now, 0); err != nil {
		return nil, fmt.Errorf("sim: server: %w", err)
	}
	return r.run(&o, t.Len())
}

// init sets up a side running machines over base, the side's packets of
// the trace (copied: the Trace stays as it is).
func (s *side) init(machines []maybenot.Machine, base []simEvent, maxPaddingFrac, maxBlockingFrac float64,
	in *Integration, rng rand.Source, now time.Duration, flag uint8) error {
	fw, err := maybenot.NewFramework(machines, maxPaddingFrac, maxBlockingFrac, epoch.Add(now), rng)
	if err != nil {
		return err
	}
	s.fw = fw
	s.actions = make([]scheduledAction, len(machines))
	s.timers = make([]internalTimer, len(machines))
	s.delays = newDelays(in)
	s.q.base = baseQueue{s: base}
	s.window = newWindow(time.Second)
	s.flag = flag
	return nil
}

// run is the main loop of the simulator.
func (r *runner) run(o *Options, packets int) ([]Event, error) {
	n := 2 * packets
	if o.MaxTraceLength > 0 {
		n = min(n, o.MaxTraceLength)
	}
	out := eventBuffer{cur: make([]Event, 0, max(n, 64))}
	for iterations := 0; ; {
		next, ok := r.pickNext()
		if r.err != nil {
			return nil, r.err
		}
		if !ok {
			break
		}
		if next.time < r.now {
			return nil, fmt.Errorf("sim: internal error: time went back from %v to %v", r.now, next.time)
		}
		if next.time != r.now {
			r.now, r.nowTime = next.time, epoch.Add(next.time)
		}
		if r.now >= MaxTime {
			return nil, fmt.Errorf("%w (%v)", ErrTimeLimit, MaxTime)
		}
		activity := r.networkStack(&next)
		r.triggerUpdate(r.side(next.client()), &next)

		if (!o.OnlyNetworkActivity || activity) && (!o.OnlyClientEvents || next.client()) {
			out.add(networkEvent(&next))
		}
		if o.MaxTraceLength > 0 && out.n >= o.MaxTraceLength {
			break
		}
		iterations++
		if o.MaxIterations > 0 && iterations >= o.MaxIterations {
			break
		}
		if !o.ContinueAfterTrace && r.client.q.noNormalPackets() && r.server.q.noNormalPackets() {
			break
		}
	}
	events := out.events()
	byTime := func(a, b Event) int {
		switch {
		case a.Time < b.Time:
			return -1
		case a.Time > b.Time:
			return 1
		}
		return 0
	}
	if !slices.IsSortedFunc(events, byTime) {
		slices.SortStableFunc(events, byTime)
	}
	return events, nil
}

// eventBuffer collects the events of a run in chunks, each twice as large
// as the one before, and joins them once at the end: each event is copied
// once, where growing one slice would copy it several times.
type eventBuffer struct {
	full [][]Event
	cur  []Event
	n    int
}

func (b *eventBuffer) add(e Event) {
	if len(b.cur) == cap(b.cur) {
		b.full = append(b.full, b.cur)
		b.cur = make([]Event, 0, 2*cap(b.cur))
	}
	b.cur = append(b.cur, e)
	b.n++
}

// events returns all the events collected.
func (b *eventBuffer) events() []Event {
	if len(b.full) == 0 {
		return b.cur
	}
	out := make([]Event, 0, b.n)
	for _, c := range b.full {
		out = append(out, c...)
	}
	return append(out, b.cur...)
}

// networkEvent returns the event e as the trace shows it, at its time on
// the network: a packet sent normally or received without its reporting
// delay, padding with its action delay.
func networkEvent(e *simEvent) Event {
	ev := Event{Event: e.event, Time: e.time, IntegrationDelay: e.delay, Client: e.client(), Padding: e.padding()}
	switch e.event {
	case maybenot.NormalSent, maybenot.TunnelRecv, maybenot.NormalRecv, maybenot.PaddingRecv:
		ev.Time -= e.delay
	case maybenot.PaddingSent:
		ev.Time += e.delay
	case maybenot.TunnelSent:
		if e.padding() {
			ev.Time += e.delay
		} else {
			ev.Time -= e.delay
		}
	}
	switch e.event {
	case maybenot.PaddingSent, maybenot.BlockingBegin, maybenot.TimerBegin, maybenot.TimerEnd:
		ev.Machine = maybenot.MachineID(e.machine)
	}
	return ev
}

// pickNext returns the next event to simulate, or false when nothing is
// left to happen. Of what is due first it takes, on a tie, in this order:
// an aggregate delay taking effect, blocking expiring, a queued event, an
// internal timer firing, a scheduled action falling due. All but queued
// events only change the state or queue events, and the choice starts
// over.
func (r *runner) pickNext() (simEvent, bool) {
	for {
		s := r.peekActions()
		i := r.peekTimers()
		b, bClient := r.peekBlockingExpiry()
		n := r.peekAggregateDelay()
		q, qid, qClient := r.peekQueue(min(s, i, b, n))
		switch {
		case s == never && i == never && b == never && n == never && q == never:
			return simEvent{}, false

		case n <= s && n <= i && n <= b && n <= q:
			r.popAggregateDelay()

		case b <= s && b <= i && b <= q:
			st := r.side(bClient)
			delay := st.delays.reportingDelay()
			st.blocked = false
			expiry := add(r.now, b)
			// Packets held back past the expiry may delay the rest of
			// the trace.
			if head, _ := st.q.peekBlocking(false); head != nil && head.time < expiry {
				if d, ok := aggDelayOnBlockingExpire(&st.q, expiry, head, st.agg); ok {
					r.pushAggregateDelay(d, expiry, bClient)
				}
			}
			e := simEvent{time: add(expiry, delay), delay: delay, event: maybenot.BlockingEnd, flags: st.flag}
			if delay == 0 {
				return e, true
			}
			// Other events may come before it is reported.
			st.q.push(e)

		case q <= s && q <= i:
			st := r.side(qClient)
			e := st.q.pop(qid, st.agg)
			// Blocking may have held it back.
			e.time = max(e.time, add(r.now, q))
			return e, true

		case i <= s:
			r.fireTimer(add(r.now, i))

		default:
			r.fireAction(add(r.now, s))
		}
		if r.err != nil {
			return simEvent{}, false
		}
	}
}

// peekActions returns how long from now the next scheduled action falls
// due, or never. Actions scheduled before now are never due (none are).
func (r *runner) peekActions() time.Duration {
	at := r.actions.at
	if !r.actions.valid || at < r.now {
		at = r.findActions()
	}
	return sinceNow(at, r.now)
}

// findActions finds the earliest action again, and returns it.
func (r *runner) findActions() time.Duration {
	r.actions = earliest{at: never, valid: true}
	for _, st := range [2]*side{&r.client, &r.server} {
		for i := range st.actions {
			if a := &st.actions[i]; a.set && a.at >= r.now && a.at < r.actions.at {
				r.actions.at = a.at
			}
		}
	}
	return r.actions.at
}

// peekTimers returns how long from now the next internal timer fires, or
// never.
func (r *runner) peekTimers() time.Duration {
	at := r.timers.at
	if !r.timers.valid || at < r.now {
		at = r.findTimers()
	}
	return sinceNow(at, r.now)
}

// findTimers finds the earliest internal timer again, and returns it.
func (r *runner) findTimers() time.Duration {
	r.timers = earliest{at: never, valid: true}
	for _, st := range [2]*side{&r.client, &r.server} {
		for i := range st.timers {
			if t := &st.timers[i]; t.set && t.at >= r.now && t.at < r.timers.at {
				r.timers.at = t.at
			}
		}
	}
	return r.timers.at
}

// sinceNow returns at − now, or never for never.
func sinceNow(at, now time.Duration) time.Duration {
	if at == never {
		return never
	}
	return at - now
}

// peekBlockingExpiry returns how long from now blocking expires, and at
// which side (the server's on a tie), or never.
func (r *runner) peekBlockingExpiry() (time.Duration, bool) {
	c, s := &r.client, &r.server
	switch {
	case c.blocked && s.blocked:
		if c.until < s.until {
			return satSub(c.until, r.now), true
		}
		return satSub(s.until, r.now), false
	case c.blocked:
		return satSub(c.until, r.now), true
	case s.blocked:
		return satSub(s.until, r.now), false
	}
	return never, true
}

// fireTimer fires the internal timer due at target (the client's first,
// then by machine): it queues TimerEnd.
func (r *runner) fireTimer(target time.Duration) {
	for _, st := range [2]*side{&r.client, &r.server} {
		for m := range st.timers {
			if t := &st.timers[m]; t.set && t.at == target {
				t.set = false
				r.timers.clear(t.at)
				st.q.push(simEvent{time: target, event: maybenot.TimerEnd, machine: int32(m), flags: st.flag})
				return
			}
		}
	}
	r.err = fmt.Errorf("sim: internal error: no timer at %v", target)
}

// fireAction carries out the scheduled action due at target (the
// client's first, then by machine): padding is queued as PaddingSent
// after the action delay; blocking starts, or replaces or extends the
// blocking in place as rules.Takes says, and BlockingBegin is queued after
// the action and reporting delays.
func (r *runner) fireAction(target time.Duration) {
	for _, st := range [2]*side{&r.client, &r.server} {
		for m := range st.actions {
			sa := &st.actions[m]
			if !sa.set || sa.at != target {
				continue
			}
			sa.set = false
			r.actions.clear(sa.at)
			a := &sa.action
			switch a.Kind {
			case maybenot.ActionSendPadding:
				flags := st.flag | fPadding
				if a.Bypass {
					flags |= fBypass
				}
				if a.Replace {
					flags |= fReplace
				}
				st.q.push(simEvent{time: sa.at, delay: st.delays.actionDelay(), event: maybenot.PaddingSent, machine: int32(m), flags: flags})
			case maybenot.ActionBlockOutgoing:
				delay := st.delays.actionDelay()
				delay += st.delays.reportingDelay()
				var remaining time.Duration
				if st.blocked {
					remaining = satSub(st.until, sa.at)
				}
				if rules.Takes(remaining, a.Duration, a.Replace) {
					st.blocked, st.until, st.bypassable = true, add(sa.at, a.Duration), a.Bypass
				}
				st.q.push(simEvent{time: add(sa.at, delay), delay: delay, event: maybenot.BlockingBegin, machine: int32(m), flags: st.flag})
			}
			return
		}
	}
	r.err = fmt.Errorf("sim: internal error: no action at %v", target)
}

// triggerUpdate reports the event e to the framework of st and carries out
// the actions it returns: cancels at once, padding and blocking scheduled
// after their timeout plus the trigger delay, timers set as rules.Takes
// says (then TimerBegin is queued).
func (r *runner) triggerUpdate(st *side, e *simEvent) {
	td := st.delays.triggerDelay()
	st.events[0] = maybenot.TriggerEvent{Event: e.event, Machine: maybenot.MachineID(e.machine)}
	for _, a := range st.fw.TriggerEvents(st.events[:], r.nowTime) {
		m := int(a.Machine)
		switch a.Kind {
		case maybenot.ActionCancel:
			if sa := &st.actions[m]; sa.set && (a.Timer == maybenot.TimerAction || a.Timer == maybenot.TimerAll) {
				sa.set = false
				r.actions.clear(sa.at)
			}
			if t := &st.timers[m]; t.set && (a.Timer == maybenot.TimerInternal || a.Timer == maybenot.TimerAll) {
				t.set = false
				r.timers.clear(t.at)
			}
		case maybenot.ActionSendPadding, maybenot.ActionBlockOutgoing:
			sa := &st.actions[m]
			at := add(add(r.now, a.Timeout), td)
			r.actions.set(sa.set, sa.at, at)
			*sa = scheduledAction{set: true, at: at, action: a}
		case maybenot.ActionUpdateTimer:
			t := &st.timers[m]
			var remaining time.Duration
			if t.set {
				remaining = satSub(t.at, r.now)
			}
			if rules.Takes(remaining, a.Duration, a.Replace) {
				at := add(r.now, a.Duration)
				r.timers.set(t.set, t.at, at)
				t.set, t.at = true, at
				st.q.push(simEvent{time: r.now, event: maybenot.TimerBegin, machine: int32(m), flags: st.flag})
			}
		}
	}
}

// peekQueue returns how long from now the next queued event is due, its
// heap and side, taking blocking into account; or never when nothing is
// queued or the first queued event, blocking aside, is due after
// earliest (then something else comes first anyway).
func (r *runner) peekQueue(earliest time.Duration) (time.Duration, queueID, bool) {
	if r.client.q.len()+r.server.q.len() == 0 {
		return never, qBlocking, false
	}
	peek, id, d, pc := r.peekSides()
	if d > earliest {
		return never, qBlocking, false
	}
	if peek.event != maybenot.TunnelSent {
		return d, id, pc
	}
	st := r.side(pc)
	if !st.blocked || rules.Bypasses(peek.bypass(), st.blocked, st.bypassable) {
		return d, id, pc
	}
	cd, cq := r.client.earliest(r.now)
	sd, sq := r.server.earliest(r.now)
	if cd <= sd {
		return cd, cq, true
	}
	return sd, sq, false
}

// peekSides returns the first queued event of both sides, blocking aside:
// the one due first, the client's on a tie of time and rank.
func (r *runner) peekSides() (*simEvent, queueID, time.Duration, bool) {
	c, cq, cd := r.client.q.peek(r.client.agg, r.now)
	s, sq, sd := r.server.q.peek(r.server.agg, r.now)
	switch {
	case s == nil:
		return c, cq, cd, true
	case c == nil:
		return s, sq, sd, false
	case cd < sd || cd == sd && rank[c.event] <= rank[s.event]:
		return c, cq, cd, true
	}
	return s, sq, sd, false
}

// earliest returns how long from now the side's next queued event is due,
// blocking included, and its heap; never if nothing is queued. A packet
// held back is due when blocking ends; on a tie with an event that is not
// held back, the held-back packet goes first unless the other is of the
// base trace.
func (st *side) earliest(now time.Duration) (time.Duration, queueID) {
	pb, bq := st.q.peekBlocking(st.bypassable)
	pn, nq := st.q.peekNonBlocking(st.bypassable, st.agg)
	if pb == nil && pn == nil {
		return never, qBlocking
	}
	until := now
	if st.blocked {
		until = st.until
	}
	var nt time.Duration
	if pn != nil {
		nt = pn.time
		if nq == qBase {
			nt = add(nt, st.agg)
		}
	}
	if pb == nil {
		return satSub(nt, now), nq
	}
	bt := max(pb.time, until)
	if pn == nil || bt < nt || bt == nt && nq != qBase {
		return satSub(bt, now), bq
	}
	return satSub(nt, now), nq
}
