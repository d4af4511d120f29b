// Package sim is a two-sided simulator of Maybenot defenses: it runs
// machines at the client and at the server of a connection over a
// recorded trace of the connection's traffic and returns the traffic the
// defense would have produced. It reproduces the reference simulator
// (the crate maybenot-simulator 2.2.1) event for event: ParseTrace is its
// parse_trace_advanced and Run its sim_advanced.
//
// # The model
//
// A base trace is the undefended traffic seen at the client: packets it
// sent and received, with their times. ParseTrace turns it into packets
// the client sends (at their times) and packets the server sends (one
// network delay before the client received them). Run then simulates both
// sides, each with its own maybenot.Framework: a packet queued to send
// (NormalSent, or PaddingSent for padding) becomes a packet sent
// (TunnelSent) unless blocking holds it back, crosses the network in
// Network.Delay, and is received (TunnelRecv, then NormalRecv or
// PaddingRecv) at the other side. Every event is reported to the
// framework of its side, and the actions it returns are carried out:
// padding and blocking after their timeouts, internal timers, cancels.
//
// Blocking holds back the side's outgoing packets until it ends, except
// padding with bypass while the blocking is bypassable. Padding with
// replace is not sent when a normal packet is waiting; with bypass too,
// the waiting packet is sent in its place. How a BlockOutgoing or an
// UpdateTimer changes the blocking or timer in place is the rule that
// package defense, the real-time runtime, follows too.
//
// Packets held back delay the rest of the trace: when blocking expires
// (or bypassing padding sends a packet that waited), the time the packets
// waited is added, after a delay modelling how long the effect takes to
// reach each side, to an aggregate delay that shifts the base trace's
// remaining packets at each side. The bottleneck of Network delays
// packets beyond so many a second, and its delay feeds the aggregate
// delay too. The rules deciding which waits count (windows of 1 ms and
// 100 ms around bursts) are the reference's.
//
// Integrations (Integration) add the delays of a real integration:
// reporting events to the framework late, carrying actions out late, and
// scheduled actions firing late.
//
// # Order and ties
//
// Events happen in time order. Events at the same time go by kind, in the
// order TunnelSent, NormalSent, PaddingSent, TunnelRecv, NormalRecv,
// PaddingRecv, BlockingBegin, BlockingEnd, TimerBegin, TimerEnd; events
// tied in both leave the simulator's queues in the order of the
// reference's (Rust's binary heap algorithm, reproduced step for step). Run returns the events sorted by
// their time on the network (stable, so ties keep the order they were
// simulated in).
//
// # Differences from the reference
//
// Where the reference panics (a malformed trace line, a network or bin
// distribution out of range, an invalid machine) this package returns an
// error. Integration delays draw from Integration.Rand instead of an
// unseeded source (see Integration); seeded runs with integration delays
// are then reproducible, and with integration delays of one value each,
// all of the reference's results, the machines' random streams included,
// are reproduced exactly. Inputs are bounded (MaxTracePackets,
// MaxTraceLine, MaxTraceTime, MaxDelay, MaxBinDelay) and simulated time
// stops at MaxTime. Nothing else differs.
//
// The reference's insecure_rng_seed s is
//
//	Options{ClientRand: sim.Xoshiro256StarStar(s), ServerRand: sim.Xoshiro256StarStar(s + 1)}
package sim
