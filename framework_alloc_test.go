package maybenot

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// TestTriggerEventsAllocatesNothing runs busy machines of every
// distribution type and requires that TriggerEvents never allocates once
// the framework exists.
func TestTriggerEventsAllocatesNothing(t *testing.T) {
	noop, err := ParseMachine(noopMachine)
	if err != nil {
		t.Fatal(err)
	}
	gen := machineGen{r: rand.New(splitmix.New(7)), noEnd: true, busy: true}
	cases := []struct {
		name     string
		machines []Machine
		acts     bool // whether the machines take actions at all
	}{
		{"noop", []Machine{*noop}, false},
		{"random20", []Machine{randomBenchMachine()}, true},
		{"all-dists", []Machine{gen.machine(30), gen.machine(30), gen.machine(30)}, true},
	}
	// Every event kind, bad machine IDs included, in batches of one to four.
	events := []TriggerEvent{
		{Event: NormalSent}, {Event: TunnelSent}, {Event: TunnelRecv}, {Event: NormalRecv},
		{Event: PaddingRecv}, {Event: PaddingSent, Machine: 0}, {Event: BlockingBegin, Machine: 1},
		{Event: TimerBegin, Machine: 2}, {Event: TimerEnd, Machine: 0}, {Event: BlockingEnd},
		{Event: PaddingSent, Machine: 9}, {Event: LimitReached}, {Event: Signal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now := time.Unix(1_700_000_000, 0)
			f, err := NewFramework(c.machines, 0.5, 0.5, now, splitmix.New(3))
			if err != nil {
				t.Fatal(err)
			}
			i, actions := 0, 0
			allocs := testing.AllocsPerRun(20_000, func() {
				now = now.Add(137 * time.Microsecond)
				n := 1 + i%4
				if i+n > len(events) {
					i = 0
				}
				actions += len(f.TriggerEvents(events[i:i+n], now))
				i += n
			})
			if allocs != 0 {
				t.Errorf("TriggerEvents allocates %v times per call", allocs)
			}
			if c.acts && actions == 0 {
				t.Error("the machines took no action: the test exercises nothing")
			}
		})
	}
}

// TestWorkloadAllocatesNothing requires BenchmarkWorkload's loop, one event
// per call, to allocate nothing, for the no-op machine and the deployed
// machines.
func TestWorkloadAllocatesNothing(t *testing.T) {
	noop, err := ParseMachine(noopMachine)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		machines func(testing.TB) []Machine
	}{
		{"noop", func(testing.TB) []Machine { return []Machine{*noop} }},
		{"deployed", deployedMachines},
	} {
		t.Run(c.name, func(t *testing.T) {
			ms := c.machines(t)
			f, err := NewFramework(ms, 0, 0, base, splitmix.New(1))
			if err != nil {
				t.Fatal(err)
			}
			pattern := benchPattern(len(ms))
			now := base
			if allocs := testing.AllocsPerRun(100, func() {
				runPattern(f, pattern, now, 10*len(pattern))
			}); allocs != 0 {
				t.Errorf("%v allocations per %d calls", allocs, 10*len(pattern))
			}
		})
	}
}
