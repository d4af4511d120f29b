package main

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
)

const ms1 = time.Millisecond

// blocker returns a machine that, on every normal packet received, blocks
// outgoing traffic at once for the given time, with the given bypass flag.
func blocker(d time.Duration, bypass bool) maybenot.Machine {
	var wait, block maybenot.State
	wait.Transitions[maybenot.NormalRecv] = to(1, 1)
	block.Action = maybenot.BlockOutgoing{Bypass: bypass, Timeout: exactly(0), Duration: exactly(float64(d / time.Microsecond))}
	block.Transitions[maybenot.BlockingBegin] = to(0, 1)
	return mustMachine(0, 0, 0, 0, wait, block)
}

// padder returns a machine that sends one padding packet the given time
// after every normal packet sent, with the given flags.
func padder(after time.Duration, bypass, replace bool) maybenot.Machine {
	var wait, pad maybenot.State
	wait.Transitions[maybenot.NormalSent] = to(1, 1)
	pad.Action = maybenot.SendPadding{Bypass: bypass, Replace: replace, Timeout: exactly(float64(after / time.Microsecond))}
	pad.Transitions[maybenot.PaddingSent] = to(0, 1)
	return mustMachine(0, 0, 0, 0, wait, pad)
}

// repeater returns a machine that, after the first normal packet sent,
// pads every interval forever.
func repeater(interval time.Duration) maybenot.Machine {
	var wait, pad maybenot.State
	wait.Transitions[maybenot.NormalSent] = to(1, 1)
	pad.Action = maybenot.SendPadding{Timeout: exactly(float64(interval / time.Microsecond))}
	pad.Transitions[maybenot.PaddingSent] = to(1, 1)
	return mustMachine(0, 0, 0, 0, wait, pad)
}

// trace builds a trace from "s" and "r" packets at the given times.
func trace(packets ...any) []tracePacket {
	var tr []tracePacket
	for i := 0; i < len(packets); i += 2 {
		dir := sent
		if packets[i+1].(string) == "r" {
			dir = received
		}
		tr = append(tr, tracePacket{at: packets[i].(time.Duration), dir: dir})
	}
	return tr
}

func mustSimulate(t *testing.T, tr []tracePacket, machines ...maybenot.Machine) *simResult {
	t.Helper()
	res, err := simulate(simConfig{machines: machines, seed: 1, tail: time.Second, maxSteps: 1000}, tr)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func checkRecords(t *testing.T, got, want []record) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("defended trace:\n\t%v\nwant\n\t%v", got, want)
	}
}

func TestBlockingDelaysSentPackets(t *testing.T) {
	// Blocking from 0 to 10ms holds back the packets sent at 2ms and 5ms
	// for the rest of it, and leaves the one at 15ms alone.
	res := mustSimulate(t, trace(0*ms1, "r", 2*ms1, "s", 5*ms1, "s", 15*ms1, "s"), blocker(10*ms1, false))
	checkRecords(t, res.records, []record{
		{at: 0, dir: received},
		{at: 10 * ms1, dir: sent, delay: 8 * ms1},
		{at: 10 * ms1, dir: sent, delay: 5 * ms1},
		{at: 15 * ms1, dir: sent},
	})
	if res.blockings != 1 || res.blocked != 10*ms1 {
		t.Errorf("blocked %d times for %v, want once for 10ms", res.blockings, res.blocked)
	}
	s := summarize(res)
	if s.delayed != 2 || s.totalDelay != 13*ms1 || s.maxDelay != 8*ms1 {
		t.Errorf("summary: %d delayed, %v in total, %v at most; want 2, 13ms, 8ms", s.delayed, s.totalDelay, s.maxDelay)
	}
}

func TestPaddingIsCounted(t *testing.T) {
	res := mustSimulate(t, trace(0*ms1, "s", 10*ms1, "s"), padder(ms1, false, false))
	checkRecords(t, res.records, []record{
		{at: 0, dir: sent},
		{at: 1 * ms1, dir: sent, padding: true},
		{at: 10 * ms1, dir: sent},
		{at: 11 * ms1, dir: sent, padding: true},
	})
	s := summarize(res)
	if pct, ok := s.overhead(); s.sentNormal != 2 || s.sentPadding != 2 || !ok || pct != 100 {
		t.Errorf("summary: %d normal, %d padding, overhead %v%% (%v); want 2, 2, 100%%", s.sentNormal, s.sentPadding, pct, ok)
	}
}

func TestPaddingAndBlocking(t *testing.T) {
	// Outgoing traffic is blocked from 0 to 10ms; a normal packet is
	// queued at 1ms, and padding falls due at 4ms.
	tr := trace(0*ms1, "r", 1*ms1, "s")
	for _, tc := range []struct {
		name           string
		bypassBlocking bool
		bypass         bool
		replace        bool
		want           []record
		replaced       int
	}{
		{
			name: "padding waits for the blocking to end",
			want: []record{{at: 10 * ms1, dir: sent, delay: 9 * ms1}, {at: 10 * ms1, dir: sent, padding: true, delay: 6 * ms1}},
		},
		{
			name: "bypass padding waits for non-bypassable blocking", bypass: true,
			want: []record{{at: 10 * ms1, dir: sent, delay: 9 * ms1}, {at: 10 * ms1, dir: sent, padding: true, delay: 6 * ms1}},
		},
		{
			name: "padding waits for bypassable blocking", bypassBlocking: true,
			want: []record{{at: 10 * ms1, dir: sent, delay: 9 * ms1}, {at: 10 * ms1, dir: sent, padding: true, delay: 6 * ms1}},
		},
		{
			name: "bypass padding goes through bypassable blocking", bypassBlocking: true, bypass: true,
			want: []record{{at: 4 * ms1, dir: sent, padding: true}, {at: 10 * ms1, dir: sent, delay: 9 * ms1}},
		},
		{
			name: "a held packet replaces the padding and waits", replace: true, replaced: 1,
			want: []record{{at: 10 * ms1, dir: sent, delay: 9 * ms1}},
		},
		{
			name: "a held packet replaces bypass padding and goes now", bypassBlocking: true, bypass: true, replace: true, replaced: 1,
			want: []record{{at: 4 * ms1, dir: sent, delay: 3 * ms1}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustSimulate(t, tr, blocker(10*ms1, tc.bypassBlocking), padder(3*ms1, tc.bypass, tc.replace))
			checkRecords(t, res.records, append([]record{{at: 0, dir: received}}, tc.want...))
			if res.replaced != tc.replaced {
				t.Errorf("%d padding packets replaced, want %d", res.replaced, tc.replaced)
			}
		})
	}
}

func TestTail(t *testing.T) {
	// Padding every ms after the packet at 0, for 5ms after it.
	res, err := simulate(simConfig{machines: []maybenot.Machine{repeater(ms1)}, tail: 5 * ms1, maxSteps: 1000}, trace(0*ms1, "s"))
	if err != nil {
		t.Fatal(err)
	}
	if s := summarize(res); s.sentPadding != 5 || s.duration != 5*ms1 {
		t.Errorf("%d padding packets over %v, want 5 over 5ms", s.sentPadding, s.duration)
	}
}

func TestMachineThatNeverLetsTimePass(t *testing.T) {
	// Padding with no timeout after every padding packet: valid, and it
	// would go on at time 0 forever.
	start := time.Now()
	_, err := simulate(simConfig{machines: []maybenot.Machine{repeater(0)}, tail: time.Second, maxSteps: 1_000_000}, trace(0*ms1, "s"))
	if err == nil || !strings.Contains(err.Error(), "without letting time pass") {
		t.Errorf("error = %v, want one about time not passing", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v to give up", d)
	}
}

func TestMaxSteps(t *testing.T) {
	_, err := simulate(simConfig{machines: []maybenot.Machine{repeater(time.Microsecond)}, tail: time.Second, maxSteps: 100}, trace(0*ms1, "s"))
	if err == nil || !strings.Contains(err.Error(), "more than 100 timer firings") {
		t.Errorf("error = %v, want one about 100 timer firings", err)
	}
}

func TestSimulateIsReproducible(t *testing.T) {
	cfg := simConfig{machines: defaultMachines(), seed: 1, tail: time.Second, maxSteps: 1_000_000}
	a, err := simulate(cfg, pageLoad())
	if err != nil {
		t.Fatal(err)
	}
	b, err := simulate(cfg, pageLoad())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("two runs with the same seed differ")
	}
	cfg.seed = 2
	c, err := simulate(cfg, pageLoad())
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(a, c) {
		t.Error("runs with seeds 1 and 2 are the same")
	}
}

func TestSummarize(t *testing.T) {
	res := &simResult{
		records: []record{
			{at: 0, dir: sent},
			{at: 1 * ms1, dir: received},
			{at: 2 * ms1, dir: sent, padding: true},
			{at: 3 * ms1, dir: received, padding: true},
			{at: 4 * ms1, dir: sent, delay: 3 * ms1},
			{at: 4 * ms1, dir: sent, padding: true, delay: 10 * ms1}, // padding delays do not count
			{at: 6 * ms1, dir: sent, delay: 1 * ms1},
			{at: 7 * ms1, dir: sent},
		},
		replaced:  2,
		blockings: 1,
		blocked:   4 * ms1,
	}
	want := summary{
		sentNormal: 4, sentPadding: 2, recvNormal: 1, recvPadding: 1,
		replaced: 2, delayed: 2, totalDelay: 4 * ms1, maxDelay: 3 * ms1,
		blockings: 1, blocked: 4 * ms1, duration: 7 * ms1,
	}
	got := summarize(res)
	if got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
	if pct, ok := got.overhead(); !ok || pct != 50 {
		t.Errorf("overhead = %v, %v; want 50, true", pct, ok)
	}
	if _, ok := (summary{sentPadding: 3}).overhead(); ok {
		t.Error("overhead with no normal packet sent is defined")
	}
}

func TestDefaults(t *testing.T) {
	for i, m := range defaultMachines() {
		if err := m.Validate(); err != nil {
			t.Errorf("built-in machine %d: %v", i, err)
		}
	}
	tr := pageLoad()
	if !slices.Equal(tr, pageLoad()) {
		t.Error("the page load differs from one call to the next")
	}
	if n := len(tr); n < 200 || n > 1000 {
		t.Errorf("the page load has %d packets, want a few hundred", n)
	}
	if end := tr[len(tr)-1].at; end < 100*ms1 || end > time.Second {
		t.Errorf("the page load lasts %v, want a few hundred ms", end)
	}
	if !slices.IsSortedFunc(tr, func(a, b tracePacket) int { return cmp.Compare(a.at, b.at) }) {
		t.Error("the page load is not in time order")
	}
	var n [2]int
	for _, p := range tr {
		n[p.dir]++
	}
	if n[sent] == 0 || n[received] <= n[sent] {
		t.Errorf("the page load sends %d and receives %d packets, want more received than sent", n[sent], n[received])
	}
}
