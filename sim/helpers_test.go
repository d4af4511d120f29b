package sim

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
)

// uni is the distribution that always gives v (Uniform{v, v}).
func uni(v float64) maybenot.Dist { return maybenot.Dist{Type: maybenot.Uniform{Low: v, High: v}} }

// on returns transitions, with probability 1, given as pairs of an event
// and a target state.
func on(pairs ...any) [maybenot.NumEvents][]maybenot.Trans {
	var ts [maybenot.NumEvents][]maybenot.Trans
	for i := 0; i < len(pairs); i += 2 {
		e := pairs[i].(maybenot.Event)
		ts[e] = []maybenot.Trans{{State: uint32(pairs[i+1].(int)), Probability: 1}}
	}
	return ts
}

// state returns a state with the action a (nil for none) and the
// transitions given as pairs for on.
func state(a maybenot.Action, pairs ...any) maybenot.State {
	return maybenot.State{Action: a, Transitions: on(pairs...)}
}

func mustMachine(t testing.TB, allowedPadding uint64, maxPaddingFrac float64, allowedBlocked uint64, maxBlockingFrac float64, states ...maybenot.State) maybenot.Machine {
	t.Helper()
	m, err := maybenot.NewMachine(allowedPadding, maxPaddingFrac, allowedBlocked, maxBlockingFrac, states)
	if err != nil {
		t.Fatal(err)
	}
	return *m
}

// eventCode is the reference's short name of an event ("sn", "st", ...).
func eventCode(e maybenot.Event) string {
	switch e {
	case maybenot.NormalRecv:
		return "rn"
	case maybenot.PaddingRecv:
		return "rp"
	case maybenot.TunnelRecv:
		return "rt"
	case maybenot.NormalSent:
		return "sn"
	case maybenot.PaddingSent:
		return "sp"
	case maybenot.TunnelSent:
		return "st"
	case maybenot.BlockingBegin:
		return "bb"
	case maybenot.BlockingEnd:
		return "be"
	case maybenot.TimerBegin:
		return "tb"
	case maybenot.TimerEnd:
		return "te"
	}
	return e.String()
}

// noBottleneck is the reference's test harness's network: a queue made by
// hand has no packets-per-second limit (the reference's u32::MAX). Any
// bottleneck above a billion packets a second delays no packet by a whole
// nanosecond, so the largest int of every GOARCH does the same.
const noBottleneck = math.MaxInt32

// shortTrace turns the reference tests' "0,sn 18,sn 25,rn" traces, in
// units of unit, into trace lines.
func shortTrace(s string, unit time.Duration) string {
	var b strings.Builder
	for _, f := range strings.Fields(s) {
		ts, dir, _ := strings.Cut(f, ",")
		var n int64
		fmt.Sscan(ts, &n)
		fmt.Fprintf(&b, "%d,%s\n", n*int64(unit), dir)
	}
	return b.String()
}

// runTestSim is the reference's run_test_sim: it simulates input (times in
// µs, or ms with asMS) with the delay, no bottleneck and no stop when the
// trace is through, up to maxLen events, and checks that the events at
// the client (or the server) formatted as "time,code" with times since the
// first event begin with output.
func runTestSim(t *testing.T, input, output string, delay time.Duration, client, server []maybenot.Machine,
	atClient bool, maxLen int, onlyPackets, asMS bool) {
	t.Helper()
	unit := time.Microsecond
	if asMS {
		unit = time.Millisecond
	}
	n := Network{Delay: delay, PacketsPerSecond: noBottleneck}
	tr, err := ParseTrace(strings.NewReader(shortTrace(input, unit)), n, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	events, err := Run(client, server, tr, Options{
		Network: n, MaxTraceLength: maxLen, ContinueAfterTrace: true, OnlyNetworkActivity: onlyPackets,
		ClientRand: Xoshiro256StarStar(0), ServerRand: Xoshiro256StarStar(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	got := formatTrace(events, atClient, unit)
	if len(got) > len(output) {
		got = got[:len(output)]
	}
	if got != output {
		t.Errorf("input %q at the client %v:\n got %s\nwant %s", input, atClient, got, output)
	}
}

// formatTrace formats the events of one side as the reference's tests do.
func formatTrace(events []Event, atClient bool, unit time.Duration) string {
	if len(events) == 0 {
		return ""
	}
	base := events[0].Time
	var parts []string
	for _, e := range events {
		if e.Client == atClient {
			parts = append(parts, fmt.Sprintf("%d,%s", satSub(e.Time, base)/unit, eventCode(e.Event)))
		}
	}
	return strings.Join(parts, " ")
}
