package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// The built-in machines and trace of simulate, for trying the command
// without files of one's own. defaultsDoc describes them for the usage.
const defaultsDoc = `Without -client and -server, simulate runs two built-in machines at the
client, and none at the server:
  - a padder: after a normal packet is sent, it sends a padding packet
    0.5-2 ms later, and again 0.5-2 ms after each padding packet, 1 to 3
    in a row (a normal packet sent meanwhile restarts the wait, not the
    count); then it waits for the next normal packet. After its first 20
    padding packets it pads only while padding stays under half of the
    packets it has seen sent.
  - a blocker: each normal packet received has a 5% chance of making it
    block outgoing traffic at once for 2-8 ms (blocking already on is
    extended to last at least that long), while blocking stays under 10%
    of the time since the start.
Without -trace or -dataset, it uses a synthetic page load, the same in
every run: a request, the page arriving over a few tens of milliseconds,
then a burst of requests for the page's resources, answered over a few
hundred milliseconds, with the client acknowledging every second packet
received.
`

// exactly is a distribution that always gives v, drawing no randomness.
func exactly(v float64) maybenot.Dist {
	return maybenot.Dist{Type: maybenot.Uniform{Low: v, High: v}}
}

// between is the uniform distribution on [low, high).
func between(low, high float64) maybenot.Dist {
	return maybenot.Dist{Type: maybenot.Uniform{Low: low, High: high}}
}

// to is a list of one transition, with probability p.
func to(state uint32, p float32) []maybenot.Trans {
	return []maybenot.Trans{{State: state, Probability: p}}
}

// mustMachine returns a machine with the given limits and states, and
// panics if it is invalid: the built-in machines are fixed, and a test
// checks that they are valid.
func mustMachine(allowedPadding uint64, maxPaddingFrac float64, allowedBlocked uint64, maxBlockingFrac float64, states ...maybenot.State) maybenot.Machine {
	m, err := maybenot.NewMachine(allowedPadding, maxPaddingFrac, allowedBlocked, maxBlockingFrac, states)
	if err != nil {
		panic(err)
	}
	return *m
}

// defaultMachines returns the padder and the blocker that defaultsDoc
// describes, and their names for the summary.
func defaultMachines() ([]maybenot.Machine, []string) {
	ms := []maybenot.Machine{defaultPadder(), defaultBlocker()}
	return ms, []string{"padder " + ms[0].Name(), "blocker " + ms[1].Name()}
}

// defaultPadder waits in state 0 for a normal packet to be sent, then pads
// in state 1. A limit of 1 to 3 (a sample in [0.5, 3.5) rounded) bounds
// the padding packets in a row: each PaddingSent that keeps the machine in
// state 1 counts against it, and LimitReached takes it back to state 0. A
// NormalSent in state 1 is a transition to state 1 as well, which restarts
// the timeout but keeps the limit.
func defaultPadder() maybenot.Machine {
	var wait, pad maybenot.State
	wait.Transitions[maybenot.NormalSent] = to(1, 1)

	limit := between(0.5, 3.5)
	pad.Action = maybenot.SendPadding{Timeout: between(500, 2000), Limit: &limit}
	pad.Transitions[maybenot.NormalSent] = to(1, 1)
	pad.Transitions[maybenot.PaddingSent] = to(1, 1)
	pad.Transitions[maybenot.LimitReached] = to(0, 1)

	return mustMachine(20, 0.5, 0, 0, wait, pad)
}

// defaultBlocker waits in state 0 and, on 5% of the normal packets
// received, moves to state 1, which blocks outgoing traffic for 2 to 8 ms
// without delay; once the blocking begins it returns to state 0.
func defaultBlocker() maybenot.Machine {
	var wait, block maybenot.State
	wait.Transitions[maybenot.NormalRecv] = to(1, 0.05)

	block.Action = maybenot.BlockOutgoing{Timeout: exactly(0), Duration: between(2000, 8000)}
	block.Transitions[maybenot.BlockingBegin] = to(0, 1)

	return mustMachine(0, 0, 0, 0.1, wait, block)
}

// pageLoadSeed seeds the synthetic page load, so that it is the same in
// every run whatever -seed says.
const pageLoadSeed = 2025

// pageLoad generates the synthetic page load that defaultsDoc describes,
// a few hundred packets over about a third of a second, as a trace.
func pageLoad() string { return generatePageLoad(pageLoadSeed) }

// generatePageLoad generates a page load as pageLoad does, from seed. (The
// traces of the repository's examples folder are its seeds 1 to 3.)
func generatePageLoad(seed uint64) string {
	g := &traceGen{rng: splitmix.New(seed)}
	const rtt = 24 * time.Millisecond

	// The request for the page, and the page itself.
	g.add(0, false)
	g.add(g.micros(50, 200), false)
	pageEnd := g.response(rtt+g.millis(5, 15), g.pick(18, 26))

	// The browser reads the page, then asks for its resources in a burst;
	// each answer starts a round trip and some server time later.
	at := pageEnd + g.millis(5, 20)
	for range g.pick(8, 12) {
		for range g.pick(1, 2) {
			at += g.micros(30, 300)
			g.add(at, false)
		}
		g.response(at+rtt+g.millis(10, 250), g.pick(4, 40))
	}

	slices.SortStableFunc(g.packets, func(a, b basePacket) int { return cmp.Compare(a.at, b.at) })
	var b strings.Builder
	for _, p := range g.packets {
		dir := "s"
		if p.received {
			dir = "r"
		}
		fmt.Fprintf(&b, "%d,%s,%d\n", p.at.Nanoseconds(), dir, defaultPacketSize)
	}
	return b.String()
}

// basePacket is one packet of a generated trace.
type basePacket struct {
	at       time.Duration
	received bool
}

// traceGen builds a synthetic trace from a deterministic random source.
type traceGen struct {
	rng     *splitmix.Source
	packets []basePacket
}

// pick returns a whole number in [lo, hi].
func (g *traceGen) pick(lo, hi int) int {
	return lo + int(g.rng.Uint64()%uint64(hi-lo+1))
}

// micros and millis return a time in [lo, hi] microseconds or
// milliseconds, in whole microseconds or milliseconds.
func (g *traceGen) micros(lo, hi int) time.Duration {
	return time.Duration(g.pick(lo, hi)) * time.Microsecond
}

func (g *traceGen) millis(lo, hi int) time.Duration {
	return time.Duration(g.pick(lo, hi)) * time.Millisecond
}

func (g *traceGen) add(at time.Duration, received bool) {
	g.packets = append(g.packets, basePacket{at: at, received: received})
}

// response adds n packets received from start on, 0.08 to 0.6 ms apart,
// each second one acknowledged by a packet sent 20 to 80 µs after it, and
// returns the time of the last packet received.
func (g *traceGen) response(start time.Duration, n int) time.Duration {
	at := start
	for i := range n {
		at += g.micros(80, 600)
		g.add(at, true)
		if i%2 == 1 {
			g.add(at+g.micros(20, 80), false)
		}
	}
	return at
}
