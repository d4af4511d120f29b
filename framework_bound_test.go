package maybenot

import (
	"testing"
	"time"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// longListStates is the length of the transition list in
// TestLongTransitionListCost.
const longListStates = 30_000

// maxLongListRatio bounds what an event costs a framework whose machine
// picks from a list of longListStates transitions, as a multiple of what
// one event of BenchmarkWorkload costs with the deployed machines.
const maxLongListRatio = 30

// longListMachine returns a machine of n states whose state 0, on
// TunnelRecv, goes to any of them with probability 1/(2n) each (so half the
// events make no transition), state 0 itself last in the list so that a
// walk down the list would go through all of it; every other state goes
// back to state 0 on TunnelRecv.
func longListMachine(n int) Machine {
	m := Machine{States: make([]State, n)}
	all := make([]Trans, n)
	for i := range all {
		all[i] = Trans{State: uint32(i + 1), Probability: 1 / float32(2*n)}
	}
	all[n-1].State = 0
	m.States[0].Transitions[TunnelRecv] = all
	back := []Trans{{State: 0, Probability: 1}}
	for i := 1; i < n; i++ {
		m.States[i].Transitions[TunnelRecv] = back
	}
	return m
}

// TestLongTransitionListCost requires an event to cost a machine with a
// list of longListStates transitions at most maxLongListRatio times what
// an event of the benchmark workload costs the deployed machines: the
// transition is found by binary search, not by a walk down the list. Both
// are timed in alternating rounds and the fastest round of each counts, so
// that a loaded machine slows both alike.
func TestLongTransitionListCost(t *testing.T) {
	deployed := deployedMachines(t)
	long := []Machine{longListMachine(longListStates)}
	if err := long[0].Validate(); err != nil {
		t.Fatal(err)
	}
	const events, rounds = 20_000, 7
	tunnelRecv := []TriggerEvent{{Event: TunnelRecv}}
	timeLong := func() time.Duration {
		f, err := NewFramework(long, 0, 0, base, splitmix.New(1))
		if err != nil {
			t.Fatal(err)
		}
		now := base
		start := time.Now()
		for range events {
			now = now.Add(100 * time.Microsecond)
			f.TriggerEvents(tunnelRecv, now)
		}
		return time.Since(start)
	}
	timeDeployed := func() time.Duration {
		f, err := NewFramework(deployed, 0, 0, base, splitmix.New(1))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		runPattern(f, benchPattern(len(deployed)), base, events)
		return time.Since(start)
	}
	bestLong, bestDeployed := time.Duration(1<<62), time.Duration(1<<62)
	for range rounds {
		bestLong = min(bestLong, timeLong())
		bestDeployed = min(bestDeployed, timeDeployed())
	}
	ratio := float64(bestLong) / float64(bestDeployed)
	t.Logf("per event: %v with a list of %d transitions, %v for the deployed machines (%.1f×)",
		bestLong/events, longListStates, bestDeployed/events, ratio)
	if ratio > maxLongListRatio {
		t.Errorf("a list of %d transitions costs %.1f times the deployed machines per event, want at most %d",
			longListStates, ratio, maxLongListRatio)
	}
}
