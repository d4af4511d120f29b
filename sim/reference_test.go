package sim

// The tests of the reference simulator (tests/simulator.rs,
// tests/network.rs, tests/integration_delay.rs and tests/example.rs of
// maybenot-simulator 2.2.1), with the same machines, traces and
// expectations.

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
)

const us = time.Microsecond

var (
	ns  = maybenot.NormalSent
	ps  = maybenot.PaddingSent
	nr  = maybenot.NormalRecv
	tr  = maybenot.TunnelRecv
	tsn = maybenot.TunnelSent
	bb  = maybenot.BlockingBegin
	be  = maybenot.BlockingEnd
	tb  = maybenot.TimerBegin
	te  = maybenot.TimerEnd
	cz  = maybenot.CounterZero
)

func none() []maybenot.Machine { return nil }

func one(m maybenot.Machine) []maybenot.Machine { return []maybenot.Machine{m} }

func TestRefNoMachine(t *testing.T) {
	input := "0,sn 18,sn 25,rn 25,rn 30,sn 35,rn"
	runTestSim(t, input, "0,st 18,st 25,rt 25,rt 30,st 35,rt", 5*us, none(), none(), true, 0, true, false)
	runTestSim(t, input, "5,rt 20,st 20,st 23,rt 30,st 35,rt", 5*us, none(), none(), false, 0, true, false)
}

func TestRefSimplePadMachine(t *testing.T) {
	// Pads every 8 µs.
	m := mustMachine(t, 0, 1, 0, 1,
		state(nil, ns, 1),
		state(maybenot.SendPadding{Timeout: uni(8)}, ps, 1))
	input := "0,sn 18,sn 25,rn 25,rn 30,sn 35,rn"
	runTestSim(t, input,
		"0,sn 0,st 8,sp 8,st 16,sp 16,st 18,sn 18,st 24,sp 24,st 25,rt 25,rt 25,rn 25,rn 30,sn 30,st 32,sp 32,st 35,rt 35,rn",
		5*us, one(m), none(), true, 40, false, false)
	runTestSim(t, input,
		"5,rt 5,rn 13,rt 13,rp 20,sn 20,st 20,sn 20,st 21,rt 21,rp 23,rt 23,rn 29,rt 29,rp 30,sn 30,st 35,rt 35,rn 37,rt 37,rp 45,rt 45,rp",
		5*us, one(m), none(), false, 50, false, false)
	runTestSim(t, input,
		"0,sn 0,st 18,sn 18,st 25,rt 25,rt 25,rn 25,rn 30,sn 30,st 33,rt 33,rp 35,rt 35,rn",
		5*us, none(), one(m), true, 50, false, false)
	runTestSim(t, input,
		"5,rt 5,rn 20,sn 20,st 20,sn 20,st 23,rt 23,rn 28,sp 28,st 30,sn 30,st 35,rt 35,rn 36,sp 36,st 44,sp 44,st",
		5*us, none(), one(m), false, 100, false, false)
}

// blockEvery5 waits 5 µs, blocks for 5 µs, and repeats forever.
func blockEvery5(t testing.TB) maybenot.Machine {
	return mustMachine(t, 0, 0, 0, 0,
		state(nil, ns, 1),
		state(maybenot.BlockOutgoing{Timeout: uni(5), Duration: uni(5)}, be, 1))
}

func TestRefSimpleBlockMachine(t *testing.T) {
	m := blockEvery5(t)
	input := "0,sn 18,sn 25,rn 25,rn 30,sn 35,rn"
	// 18,sn is held back until 20 by the blocking.
	runTestSim(t, input,
		"0,sn 0,st 5,bb 10,be 15,bb 18,sn 20,be 20,st 25,rt 25,rt 25,rn 25,rn 25,bb 30,be 30,sn 30,st 35,rt 35,rn 35,bb",
		5*us, one(m), none(), true, 100, false, false)
	runTestSim(t, input,
		"5,rt 5,rn 20,sn 20,st 20,sn 20,st 23,rt 23,rn 25,bb 30,be 30,sn 30,st 35,rt 35,rn 35,bb 40,be",
		5*us, none(), one(m), false, 100, false, false)
}

func TestRefBothBlockMachine(t *testing.T) {
	m := blockEvery5(t)
	// Blocking starts at the client at 5 and the server at 7, until 10
	// and 12; the client's delay of 8 until 10 adds 2 of aggregate delay
	// at 25, the server's of 9 until 12 adds 3 at 15, so 18,sn becomes
	// 21,sn.
	runTestSim(t, "0,sn 7,rn 8,sn 14,rn 18,sn",
		"0,sn 0,st 5,bb 7,rt 7,rn 8,sn 10,be 10,st 15,bb 17,rt 17,rn 20,be 21,sn 21,st",
		5*us, one(m), one(m), true, 100, false, false)
}

// blockThenPad blocks for 10 µs after 5 µs, then pads three times 1 µs
// apart, with the given bypass flags.
func blockThenPad(t testing.TB, blockBypass, padBypass bool) maybenot.Machine {
	limit := uni(3)
	return mustMachine(t, 0, 0, 0, 0,
		state(nil, ns, 1),
		state(maybenot.BlockOutgoing{Bypass: blockBypass, Timeout: uni(5), Duration: uni(10)}, bb, 2),
		state(maybenot.SendPadding{Bypass: padBypass, Timeout: uni(1), Limit: &limit}, ps, 2))
}

func TestRefBlockAndPadding(t *testing.T) {
	m := blockThenPad(t, false, false)
	runTestSim(t, "0,sn 6,rn 14,sn",
		"0,sn 0,st 5,bb 6,rt 6,rn 6,sp 7,sp 8,sp 14,sn 15,be 15,st 15,st 15,st 15,st",
		5*us, one(m), none(), true, 20, false, false)
	runTestSim(t, "0,sn 6,rn 14,sn",
		"1,sn 1,st 5,rt 5,rn 20,rt 20,rt 20,rt 20,rt 20,rn 20,rp 20,rp 20,rp",
		5*us, one(m), none(), false, 40, false, false)
}

func TestRefBypassMachine(t *testing.T) {
	input := "0,sn 6,rn 14,sn"
	blockedClient := "0,sn 0,st 5,bb 6,rt 6,rn 6,sp 7,sp 8,sp 14,sn 15,be 15,st 15,st 15,st 15,st"
	blockedServer := "1,sn 1,st 5,rt 5,rn 20,rt 20,rt 20,rt 20,rt 20,rn 20,rp 20,rp 20,rp"
	for _, tt := range []struct {
		blockBypass, padBypass bool
		clientLen              int
		client, server         string
	}{
		{true, true, 40,
			"0,sn 0,st 5,bb 6,rt 6,rn 6,sp 6,st 7,sp 7,st 8,sp 8,st 14,sn 15,be 15,st",
			"1,sn 1,st 5,rt 5,rn 11,rt 11,rp 12,rt 12,rp 13,rt 13,rp 20,rt 20,rn"},
		{false, true, 40, blockedClient, blockedServer},
		{true, false, 20, blockedClient, blockedServer},
		{false, false, 40, blockedClient, blockedServer},
	} {
		m := blockThenPad(t, tt.blockBypass, tt.padBypass)
		runTestSim(t, input, tt.client, 5*us, one(m), none(), true, tt.clientLen, false, false)
		runTestSim(t, input, tt.server, 5*us, one(m), none(), false, 40, false, false)
	}
}

// constantRate blocks for 1000 µs after 1 µs and then pads every 2 µs,
// limit times.
func constantRate(t testing.TB, bypass, replace bool, limit float64) maybenot.Machine {
	l := uni(limit)
	return mustMachine(t, 0, 0, 0, 0,
		state(nil, ns, 1),
		state(maybenot.BlockOutgoing{Bypass: bypass, Timeout: uni(1), Duration: uni(1000)}, bb, 2),
		state(maybenot.SendPadding{Bypass: bypass, Replace: replace, Timeout: uni(2), Limit: &l}, ps, 2))
}

func TestRefBypassReplaceMachine(t *testing.T) {
	in1 := "0,sn 4,sn 6,rn 6,rn 7,sn"
	in2 := "0,sn 2,sn 2,sn 6,rn 6,rn 7,sn"
	in3 := "0,sn 2,sn 2,sn 2,sn 2,sn 6,rn 6,rn 7,sn"
	for _, tt := range []struct {
		name          string
		m             maybenot.Machine
		input, output string
		atClient      bool
		maxLen        int
		onlyPackets   bool
	}{
		{"no bypass or replace", constantRate(t, false, false, 3), in1,
			"0,sn 0,st 1,bb 3,sp 4,sn 5,sp 6,rt 6,rt 6,rn 6,rn 7,sn 7,sp 1001,be 1001,st 1001,st 1001,st 1001,st 1001,st", true, 40, false},
		{"bypass", constantRate(t, true, false, 3), in1,
			"0,sn 0,st 1,bb 3,sp 3,st 4,sn 5,sp 5,st 6,rt 6,rt 6,rn 6,rn 7,sn 7,sp 7,st 1001,be 1001,st 1001,st", true, 100, false},
		{"bypass, packets", constantRate(t, true, false, 3), in1,
			"0,st 3,st 5,st 6,rt 6,rt 7,st 1001,st 1001,st", true, 40, true},
		// The padding at 5 is replaced by the 4,sn held back, the one at
		// 7 by 7,sn.
		{"bypass and replace, packets", constantRate(t, true, true, 3), in1,
			"0,st 3,st 5,st 6,rt 6,rt 7,st", true, 100, true},
		{"bypass and replace, all events", constantRate(t, true, true, 3), in1,
			"0,sn 0,st 1,bb 3,sp 3,st 4,sn 5,sp 5,st 6,rt 6,rt 6,rn 6,rn 7,sn 7,sp 7,st 1001,be", true, 40, false},
		// Packets queued earlier than the window replace padding too.
		{"earlier packets", constantRate(t, true, true, 3), in2,
			"0,st 3,st 5,st 6,rt 6,rt 7,st", true, 40, true},
		{"earlier packets, all events", constantRate(t, true, true, 3), in2,
			"0,sn 0,st 1,bb 2,sn 2,sn 3,sp 3,st 5,sp 5,st 6,rt 6,rt 6,rn 6,rn 7,sn 7,sp 7,st 1001,be", true, 40, false},
		// Three padding packets do not carry five normal ones.
		{"more packets", constantRate(t, true, true, 3), in3,
			"0,st 3,st 5,st 6,rt 6,rt 7,st 1001,st 1001,st", true, 40, true},
		{"more packets, limit 5", constantRate(t, true, true, 5), in3,
			"0,st 3,st 5,st 6,rt 6,rt 7,st 9,st 11,st", true, 40, true},
		{"server, packets", constantRate(t, true, true, 5), in3,
			"1,st 1,st 5,rt 8,rt 10,rt 12,rt 14,rt 16,rt", false, 40, true},
		{"server, all events", constantRate(t, true, true, 5), in3,
			"1,sn 1,st 1,sn 1,st 5,rt 5,rn 8,rt 8,rn 10,rt 10,rn 12,rt 12,rn 14,rt 14,rn 16,rt 16,rn", false, 40, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			runTestSim(t, tt.input, tt.output, 5*us, one(tt.m), none(), tt.atClient, tt.maxLen, tt.onlyPackets, false)
		})
	}
}

// timerMachine starts a timer of first µs after a packet is sent; when
// it ends it sets it to second µs (with replace, or not; second < 0: no
// second timer), then pads 1 µs later.
func timerMachine(t testing.TB, first, second float64, replace bool) maybenot.Machine {
	pad := state(maybenot.SendPadding{Timeout: uni(1)})
	if second < 0 {
		return mustMachine(t, 0, 0, 0, 0,
			state(nil, ns, 1),
			state(maybenot.UpdateTimer{Duration: uni(first)}, tb, 2),
			state(nil, te, 3),
			pad)
	}
	return mustMachine(t, 0, 0, 0, 0,
		state(nil, ns, 1),
		state(maybenot.UpdateTimer{Duration: uni(first)}, tb, 2),
		state(maybenot.UpdateTimer{Duration: uni(second), Replace: replace}, te, 3),
		pad)
}

func TestRefTimerAction(t *testing.T) {
	input := "0,sn 3,sn 6,rn 6,rn 7,sn"
	t.Run("basic", func(t *testing.T) {
		runTestSim(t, input, "0,sn 0,st 0,tb 2,te 3,sn 3,st 3,sp 3,st 6,rt 6,rt 6,rn 6,rn 7,sn 7,st",
			5*us, one(timerMachine(t, 2, -1, false)), none(), true, 100, false, false)
	})
	t.Run("longest", func(t *testing.T) {
		runTestSim(t, input, "0,sn 0,st 0,tb 3,sn 3,st 6,rt 6,rt 6,rn 6,rn 7,sn 7,st 10,te 11,sp 11,st",
			5*us, one(timerMachine(t, 10, 2, false)), none(), true, 100, false, false)
	})
	t.Run("replace", func(t *testing.T) {
		runTestSim(t, input, "0,sn 0,st 0,tb 0,tb 2,te 3,sn 3,st 3,sp 3,st 6,rt 6,rt 6,rn 6,rn 7,sn 7,st",
			5*us, one(timerMachine(t, 10, 2, true)), none(), true, 100, false, false)
	})
}

func TestRefActionCancel(t *testing.T) {
	input := "0,sn 1,sn 6,rn 7,sn"
	for _, tt := range []struct {
		timer  maybenot.Timer
		output string
	}{
		// The timer is cancelled, the padding comes.
		{maybenot.TimerInternal, "0,sn 0,st 1,sn 1,st 1,tb 4,sp 4,st 6,rt 6,rn 7,sn 7,st"},
		// The padding is cancelled, the timer ends.
		{maybenot.TimerAction, "0,sn 0,st 1,sn 1,st 1,tb 3,te 6,rt 6,rn 7,sn 7,st"},
		// Both are cancelled.
		{maybenot.TimerAll, "0,sn 0,st 1,sn 1,st 1,tb 6,rt 6,rn 7,sn 7,st"},
	} {
		m := mustMachine(t, 0, 0, 0, 0,
			state(nil, ns, 1),
			state(maybenot.SendPadding{Timeout: uni(4)}, ns, 2),
			state(maybenot.UpdateTimer{Duration: uni(2)}, tb, 3),
			state(maybenot.Cancel{Timer: tt.timer}))
		runTestSim(t, input, tt.output, 5*us, one(m), none(), true, 100, false, false)
	}
}

func TestRefCounterMachine(t *testing.T) {
	// Add 5 to a counter in state 1, subtract 2 in state 2, then 1 on
	// each packet sent in state 3 until CounterZero takes the machine to
	// state 4, which pads.
	counter := func(op maybenot.Operation, v float64) *maybenot.Counter {
		d := uni(v)
		return &maybenot.Counter{Operation: op, Dist: &d}
	}
	build := func(useB, zeroInB, set bool) maybenot.Machine {
		s1 := state(nil, nr, 2)
		s2 := state(nil, nr, 3)
		s3 := state(nil, ns, 3, cz, 4)
		op1 := maybenot.CounterIncrement
		if set {
			op1 = maybenot.CounterSet
		}
		if useB {
			s1.CounterB, s2.CounterB = counter(op1, 5), counter(maybenot.CounterDecrement, 2)
		} else {
			s1.CounterA, s2.CounterA = counter(op1, 5), counter(maybenot.CounterDecrement, 2)
		}
		dec := &maybenot.Counter{Operation: maybenot.CounterDecrement}
		if zeroInB {
			s3.CounterB = dec
		} else {
			s3.CounterA = dec
		}
		return mustMachine(t, 0, 0, 0, 0,
			state(nil, ns, 1), s1, s2, s3, state(maybenot.SendPadding{Timeout: uni(3)}))
	}
	input := "0,sn 6,rn 6,rn 7,sn 7,sn 7,sn"
	padded := "0,sn 0,st 6,rt 6,rt 6,rn 6,rn 7,sn 7,st 7,sn 7,st 7,sn 7,st 10,sp 10,st"
	unpadded := "0,sn 0,st 6,rt 6,rt 6,rn 6,rn 7,sn 7,st 7,sn 7,st 7,sn 7,st"
	runTestSim(t, input, padded, 5*us, one(build(false, false, false)), none(), true, 100, false, false)
	// Decrementing counter B in state 3 never zeroes it.
	runTestSim(t, input, unpadded, 5*us, one(build(false, true, false)), none(), true, 100, false, false)
	// All on counter B.
	runTestSim(t, input, padded, 5*us, one(build(true, true, false)), none(), true, 100, false, false)
	// Set instead of increment makes no difference.
	runTestSim(t, input, padded, 5*us, one(build(true, true, true)), none(), true, 100, false, false)
}

// earlyTrace stands in for the reference's EARLY_TEST_TRACE.log (21574
// packets of a page load, most of them received, over a few seconds): a
// trace of as many packets over 4 s, two of every three received.
func earlyTrace() string {
	var b strings.Builder
	for i := range 21574 {
		dir := "r"
		if i%3 == 0 {
			dir = "s"
		}
		b.WriteString(shortTrace(strings.Repeat(" ", 0)+itoa(int64(i)*185)+","+dir, time.Microsecond))
	}
	return b.String()
}

func itoa(n int64) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(buf[i:])
		}
	}
}

func clientEvents(events []Event) int {
	n := 0
	for _, e := range events {
		if e.Client {
			n++
		}
	}
	return n
}

// simple is the reference's sim(): no stop when the trace is through is
// not set, only network activity as given.
func simple(t *testing.T, trace string, delay time.Duration, client []maybenot.Machine, maxLen int, onlyNetwork bool) []Event {
	t.Helper()
	n := Network{Delay: delay}
	tr, err := ParseTrace(strings.NewReader(trace), n, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	events, err := Run(client, nil, tr, Options{Network: n, MaxTraceLength: maxLen, OnlyNetworkActivity: onlyNetwork,
		ClientRand: Xoshiro256StarStar(0), ServerRand: Xoshiro256StarStar(1)})
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func TestRefNetworkExcessiveDelay(t *testing.T) {
	trace := earlyTrace()
	if n := clientEvents(simple(t, trace, 10*time.Millisecond, nil, 10000, true)); n == 0 {
		t.Error("10 ms delay: no event at the client")
	}
	// With a delay of 10 s the first 10000 events all happen at the
	// server.
	if n := clientEvents(simple(t, trace, 10*time.Second, nil, 10000, true)); n != 0 {
		t.Errorf("10 s delay, 10000 events: %d at the client, want 0", n)
	}
	if n := clientEvents(simple(t, trace, 10*time.Second, nil, 100000, true)); n != 21574 {
		t.Errorf("10 s delay, 100000 events: %d at the client, want 21574", n)
	}
}

func TestRefNetworkBottleneck(t *testing.T) {
	// Six packets sent at once through a bottleneck of 3 packets per
	// second: the 4th to 6th arrive 1/3 s apart.
	n := Network{Delay: 3 * time.Millisecond, PacketsPerSecond: 3}
	tr, err := ParseTrace(strings.NewReader(strings.Repeat("0,sn\n", 6)), n, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	events, err := Run(nil, nil, tr, Options{Network: n, MaxTraceLength: 20, OnlyNetworkActivity: true})
	if err != nil {
		t.Fatal(err)
	}
	var client, server []Event
	for _, e := range events {
		if e.Client {
			client = append(client, e)
		} else {
			server = append(server, e)
		}
	}
	if len(client) != 6 || len(server) != 6 {
		t.Fatalf("%d events at the client and %d at the server, want 6 and 6", len(client), len(server))
	}
	if client[0].Time != client[5].Time {
		t.Errorf("client sent at %v and %v, want one time", client[0].Time, client[5].Time)
	}
	if server[0].Time != server[2].Time {
		t.Errorf("server received the first three at %v and %v, want one time", server[0].Time, server[2].Time)
	}
	for i := 3; i < 6; i++ {
		if d := server[i].Time - server[i-1].Time; d != time.Second/3 {
			t.Errorf("packet %d arrived %v after the one before, want %v", i+1, d, time.Second/3)
		}
	}
}

// ratio3 blocks all outgoing traffic after the first packet, for as long
// as blocking may last, bypassably, and then sends one packet for every
// three received: a queued one if any, else padding.
func ratio3(t testing.TB) maybenot.Machine {
	const maxSampledBlockDuration = 24 * 60 * 60 * 1e6
	states := []maybenot.State{
		state(nil, tsn, 1),
		state(maybenot.BlockOutgoing{Bypass: true, Replace: true, Timeout: uni(0),
			Duration: maybenot.Dist{Type: maybenot.Uniform{}, Start: maxSampledBlockDuration}}, bb, 2),
	}
	states[0].Transitions[tr] = states[0].Transitions[tsn]
	for i := range 3 {
		states = append(states, state(nil, tr, 3+i))
	}
	states = append(states, state(maybenot.SendPadding{Bypass: true, Replace: true, Timeout: uni(0)}, ps, 2))
	return mustMachine(t, math.MaxUint64, 0, math.MaxUint64, 0, states...)
}

// be000 is the reference's BE000.log, the first 40 cells of a trace of
// the BigEnough dataset (Mathews et al., SP 2023), as times in ms and
// directions.
const be000 = "0,r 170,r 180,s 430,r 430,s 690,r 700,s 700,s 990,r 990,r 990,r 990,r 990,r 990,r 990,r " +
	"1120,r 1120,r 1120,r 1120,s 1380,r 1380,s 1680,r 1680,r 1930,s 1930,s 2200,r 2200,s 2300,r " +
	"2430,r 2430,r 2430,r 2430,s 2880,s 3220,r 3220,r 3220,r 3220,r 3300,r 3300,r 3300,r"

func TestRefBlockingPacketReordering(t *testing.T) {
	// A constant-rate defense at the client, ratio3, with a delay of
	// 50 ms reorders the client's packets.
	events := simple(t, shortTrace(be000, time.Millisecond), 50*time.Millisecond, one(ratio3(t)), 10000, true)
	var c []Event
	for _, e := range events {
		if e.Client {
			c = append(c, e)
		}
	}
	if len(c) != 40 {
		t.Fatalf("%d events at the client, want 40", len(c))
	}
	recv := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			if c[i].Event != tr {
				t.Errorf("client event %d is %v, want TunnelRecv", i, c[i].Event)
			}
		}
	}
	sentNormal := func(i int) {
		t.Helper()
		if c[i].Event != tsn || c[i].Padding {
			t.Errorf("client event %d is %v (padding %v), want a normal TunnelSent", i, c[i].Event, c[i].Padding)
		}
	}
	recv(0, 4) // the sends are blocked
	sentNormal(4)
	recv(5, 12) // seven received at one time
	sentNormal(12)
	recv(13, 16)
	if c[16].Event != tsn {
		t.Errorf("client event 16 is %v, want TunnelSent", c[16].Event)
	}
	recv(17, 20)
	sentNormal(20)
	recv(21, 26)
	sentNormal(26)
	recv(27, 31)
	sentNormal(31)
	recv(32, 35)
}

// blockingMachine blocks bypassably at once for the given time, then
// pads with bypass and replace after the given time.
func blockingMachine(t testing.TB, block, pad time.Duration) maybenot.Machine {
	return mustMachine(t, 0, 0, 0, 0,
		state(nil, ns, 1),
		state(maybenot.BlockOutgoing{Bypass: true, Timeout: uni(0), Duration: uni(float64(block / us))}, bb, 2),
		state(maybenot.SendPadding{Bypass: true, Replace: true, Timeout: uni(float64(pad / us))}))
}

func TestRefNetworkAggregateDelay(t *testing.T) {
	const ms = time.Millisecond
	blockShort := blockingMachine(t, 5*ms, 100*ms) // block 5 ms, pad after 100 ms
	blockLong := blockingMachine(t, 100*ms, 5*ms)  // block 100 ms, pad after 5 ms
	blockLong2 := blockingMachine(t, 100*ms, 2*ms) // block 100 ms, pad after 2 ms
	for _, tt := range []struct {
		name          string
		m             maybenot.Machine
		both          bool // the machine at the server too
		input, output string
		asMS          bool
	}{
		// Blocking at 0 delays 1 by 4 until 5: in effect at 41 at the
		// client, 31 at the server.
		{"blocking, one packet", blockShort, false, "0,sn 1,sn 40,sn 40,rn 41,sn 41,rn", "0,st 5,st 40,st 40,rt 45,st 45,rt", true},
		// At the server, blocking at 20 delays 21 until 25: in effect at
		// 31 at the client, 61 at the server.
		{"blocking, one packet, both", blockShort, true, "0,sn 1,sn 30,rn 31,rn 40,sn 41,sn 41,rn 80,rn", "0,st 5,st 30,rt 35,rt 45,rt 48,st 49,st 88,rt", true},
		// The burst 1-2 is delayed by 3 (its tail, 1 ms window) until 5.
		{"blocking, many packets", blockShort, false, "0,sn 1,sn 2,sn 2,sn 3,sn 40,sn 40,rn 42,sn 42,rn", "0,st 5,st 5,st 5,st 5,st 40,st 40,rt 45,st 45,rt", true},
		{"blocking, many packets, both", blockShort, true, "0,sn 1,sn 2,sn 2,sn 3,sn 29,rn 30,rn 31,rn 42,sn 80,rn", "0,st 5,st 5,st 5,st 5,st 29,rt 34,rt 34,rt 49,st 87,rt", true},
		// 4 is held back, but 5 is normal: no delay.
		{"blocking, normal, no delay", blockShort, false, "0,sn 4,sn 5,sn 45,sn 45,rn 47,sn 47,rn", "0,st 5,st 5,st 45,st 45,rt 47,st 47,rt", true},
		{"blocking, normal, no delay, both", blockShort, true, "0,sn 4,sn 5,sn 45,sn 45,rn 47,sn 49,rn 50,rn", "0,st 5,st 5,st 45,st 45,rt 47,st 50,rt 50,rt", true},
		// The padding at 5 sends 1 in its place, delayed by 4.
		{"bypass replace, one packet", blockLong, false, "0,sn 1,sn 40,sn 40,rn 41,sn 41,rn", "0,st 5,st 40,rt 45,rt 100,st 100,st", true},
		// 1,sn is delayed by 4, 40,sn until 100 by 60, and 100,rn, queued
		// at the server at 94, until 130 by 36: 100 in all.
		{"bypass replace, one packet, both", blockLong, true, "0,sn 1,sn 40,sn 40,rn 41,sn 41,rn 100,rn 100,sn", "0,st 5,st 40,rt 45,rt 100,st 100,st 140,rt 200,st", true},
		// 2499 is within 1000 µs of 1500, which the padding at 2000
		// sends: no delay.
		{"bypass replace, normal", blockLong2, false, "0,sn 1500,sn 2499,sn 40000,sn 40000,rn 41000,sn 41000,rn", "0,st 2000,st 40000,rt 41000,rt 100000,st 100000,st 100000,st", false},
		{"bypass replace, normal, both", blockLong2, true, "0,sn 1500,sn 2499,sn 40000,sn 40000,rn 41000,sn 41500,rn 42499,rn", "0,st 2000,st 40000,rt 42000,rt 100000,st 100000,st 100000,st 140000,rt", false},
		{"bypass replace, many packets", blockLong, false, "0,sn 1,sn 40,sn 40,rn 41,sn 41,rn", "0,st 5,st 40,rt 45,rt 100,st 100,st", true},
		{"bypass replace, many packets, both", blockLong, true, "0,sn 1,sn 40,sn 41,rn 42,sn 42,rn 50,rn 70,sn", "0,st 5,st 45,rt 50,rt 100,st 100,st 100,st 145,rt", true},
		{"bypass replace, window", blockLong, false, "0,sn 1,sn 2,sn 40,sn 40,rn 41,sn 41,rn", "0,st 5,st 40,rt 41,rt 100,st 100,st 100,st", true},
		{"bypass replace, window, both", blockLong, true, "0,sn 1,sn 2,sn 40,sn 40,rn 41,sn 41,rn 42,rn", "0,st 5,st 40,rt 45,rt 100,st 100,st 100,st 140,rt", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			server := none()
			if tt.both {
				server = one(tt.m)
			}
			runTestSim(t, tt.input, tt.output, 10*ms, one(tt.m), server, true, 50, true, tt.asMS)
		})
	}
}
