// Package defense runs Maybenot machines for one connection and carries out
// their actions, so that an integrator (a VPN, a proxy, a simulator) only
// reports its own packets and sends what it is asked to. It owns a
// maybenot.Framework, the two timers of each machine, and the blocking of
// outgoing traffic, and it triggers every event these cause.
//
// # The integrator's part
//
// The integrator reports its packets as they go through:
//
//	NormalQueued     a normal packet is queued to be sent   (NormalSent)
//	PacketSent       any packet, normal or padding, is written (TunnelSent)
//	PacketReceived   a packet arrived, its kind still unknown (TunnelRecv)
//	NormalReceived   that packet turned out to be normal data (NormalRecv)
//	PaddingReceived  that packet turned out to be padding     (PaddingRecv)
//
// and supplies two callbacks: Config.SendPadding, asked to queue one padding
// packet, and Config.BlockingChanged, told when outgoing traffic becomes
// blocked and unblocked. The Defense triggers the other events itself:
// PaddingSent, BlockingBegin, BlockingEnd, TimerBegin and TimerEnd.
//
// # Two timers per machine
//
// The action timer holds the machine's pending SendPadding or BlockOutgoing.
// A new action of either kind takes its place and restarts the timer with
// the new timeout; Cancel with TimerAction or TimerAll stops it. When it
// fires, a SendPadding hands a padding packet to SendPadding and triggers
// PaddingSent; a BlockOutgoing blocks outgoing traffic (below) and triggers
// BlockingBegin.
//
// The internal timer is the machine's own clock. UpdateTimer sets it to run
// for the action's duration if the action has Replace, or if that duration
// outlasts the time remaining (0 when the timer is not running); otherwise
// it leaves the timer as it was. So an UpdateTimer of duration 0 without
// Replace does nothing, and one with Replace ends the timer at once. Only
// an UpdateTimer that sets the timer triggers TimerBegin. When the timer
// expires it triggers TimerEnd; a timer stopped by Cancel (TimerInternal or
// TimerAll) triggers nothing. (This is the rule of the reference
// simulator, shared with package sim.)
//
// A machine that ends keeps its timers: what it left pending still happens
// and is still reported, and the framework ignores it.
//
// # Blocking
//
// Blocking holds back all outgoing traffic of the connection, whichever
// machine asked for it. A BlockOutgoing that fires follows the same rule as
// UpdateTimer: with Replace, or with a duration that outlasts the time the
// blocking in place has left (0 when nothing is blocked), it sets the
// blocking to last its duration from now, starting it if nothing was
// blocked; otherwise it leaves the blocking as it was. So one of duration 0
// without Replace starts nothing, and one with Replace ends the blocking in
// place at once. Blocking that is started, replaced or extended takes the
// action's Bypass flag and so becomes bypassable or not; blocking left as it
// was keeps its flag. Every BlockOutgoing that fires triggers BlockingBegin
// for its machine, even one that changed nothing, and the end of blocking
// triggers BlockingEnd.
//
// # Padding, blocking, bypass and replace
//
// Padding may pass blocking only when both agree: the SendPadding has
// Bypass and the blocking is bypassable. The Defense works that out and
// tells the integrator in Padding.Bypass; the integrator applies the rule
// that Padding describes to its queue of packets waiting to be written.
// Together this gives, for each kind of blocking and padding flags:
//
//	blocking        padding          result
//	none            -, bypass        padding sent
//	none            replace          padding sent, unless a packet is waiting
//	non-bypassable  -, bypass        padding waits for the blocking to end
//	non-bypassable  replace          padding waits, unless a packet is waiting
//	bypassable      -                padding waits for the blocking to end
//	bypassable      bypass           padding sent at once
//	bypassable      replace          padding waits, unless a packet is waiting
//	bypassable      bypass, replace  the first waiting packet is sent at once,
//	                                 or the padding if none is waiting
//
// ("replace" in the non-bypassable rows includes bypass, which changes
// nothing there.) In every case PaddingSent is triggered when the padding is
// handed over, also when a waiting packet took its place.
//
// # Event order
//
// Events reach the framework in the order they happen. The actions of a
// call are carried out in the order the framework returned them; then the
// TimerBegin events that its UpdateTimer actions call for are triggered
// together in the next call, in the same order, and its actions are carried
// out likewise. A report makes at most a few such rounds; if machines keep
// answering their own TimerBegin, the rounds go on from the clock timer (at
// the same instant), so no caller is held up. PaddingSent is triggered
// before SendPadding is called, so before the integrator can report the
// padding's PacketSent. The integrator keeps the order of its own events:
// NormalQueued before that packet's PacketSent, PacketReceived before
// NormalReceived or PaddingReceived.
//
// # Concurrency and time
//
// A Defense may be used from any number of goroutines. A mutex serializes
// the framework and the timers; the reporting methods take it briefly,
// never call a callback, and do not allocate.
//
// All timers of a Defense live in one schedule, ordered by deadline and,
// for equal deadlines, by the order they were set. A single timer of the
// Clock fires for the earliest; when it does, every timer due by then is
// handled in that order, so timers that fell due together (say, on a busy
// machine) never overtake one another. On real time that clock timer is a
// time.AfterFunc: an idle Defense has no goroutine, and one runs only while
// timers are handled. The runtime starts a goroutine for each firing; that
// goroutine hands the work to an idle goroutine that has handled firings
// before, if there is one (its stack has grown already, which saves time),
// or does it itself and then waits a second for more, up to four such
// goroutines per CPU, shared by all Defenses.
//
// A timer that a machine sets with no delay while timers are handled waits
// for the next round, with the lock released in between, so a machine that
// acts without pause cannot hold the Defense's lock for good. On a
// VirtualClock the next round is the clock timer's next firing; on other
// clocks, when no callback waits, the goroutine handling timers goes on
// with it at once, which saves a firing.
//
// The Defense calls the Clock's AfterFunc, and its Timer's Reset and Stop,
// only with its lock released, so a Clock may run a due function inside
// Reset, on the calling goroutine (then a reporting method can make
// callbacks, through that function). It calls Now with its lock held: Now
// must not call into the Defense.
//
// # Callbacks
//
// Callbacks are made after the timers that caused them were handled, one at
// a time and in the order they arose, with no lock of the Defense held, so
// they may call back into the Defense. Keep them short: a slow callback
// delays the ones after it.
//
// The callbacks waiting to be made take a fixed room, made by New: while a
// callback is slow or stuck, later ones are merged so that the queue never
// grows. A padding due while one of the same machine still waits merges
// into it (the machine hears PaddingSent for each; the integrator is asked
// for one padding packet, with the flags of the later one). Two changes of
// blocking may wait; a third cancels the second, as the blocking came and
// went (or went and came back) while the integrator was busy: the
// integrator does not hear of it, and a padding that was to bypass that
// blocking loses its Bypass flag. Changes of blocking still alternate. At
// most 3n+2 callbacks wait for n machines; they are never merged while the
// integrator keeps up, and on a VirtualClock driven from one goroutine
// never at all (unless a callback itself advances the clock).
//
// A callback that panics is not recovered: the panic goes on up the stack
// of the goroutine that made the callback, so on real time it ends the
// program, as a panic in a goroutine does. The Defense is left as if the
// callback had returned: if the panic is recovered (by the caller of
// VirtualClock.Advance, say, or by a Clock that recovers), the Defense
// keeps working, and the callbacks still waiting are made at the next
// firing of the clock timer, which is armed to fire at once.
//
// Close ends the Defense. If the integrator was told that outgoing traffic
// is blocked, Close makes one last call, BlockingChanged(false), so that no
// packet stays held for good: before it returns, or, if a callback is
// under way (say, Close was called from inside it), right after that
// callback returns, on its goroutine. No other callback follows.
//
// With a VirtualClock, timers and callbacks all run inside
// VirtualClock.Advance and VirtualClock.AdvanceTo, on the caller's
// goroutine, so a test or simulation is deterministic.
package defense
