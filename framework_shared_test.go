package maybenot

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// sharedTestMachines builds, afresh on every call, machines that use every
// action, every distribution type, both counters with all operations and
// copying, probabilistic transitions, signals and the end state.
func sharedTestMachines(t testing.TB) []Machine {
	t.Helper()
	dist := func(d DistType, start, maxValue float64) *Dist {
		return &Dist{Type: d, Start: start, Max: maxValue}
	}
	trans := func(ts ...Trans) []Trans { return ts }

	var a0, a1, a2, a3 State
	a0.Action = SendPadding{Bypass: true, Replace: true,
		Timeout: *dist(Normal{Mean: 1000, Stdev: 200}, 0, 0),
		Limit:   dist(Poisson{Lambda: 5}, 0, 0)}
	a0.CounterA = &Counter{Operation: CounterIncrement, Dist: dist(Uniform{Low: 1, High: 3}, 0, 0)}
	a0.Transitions[PaddingSent] = trans(Trans{1, 0.3}, Trans{0, 0.6})
	a0.Transitions[NormalSent] = trans(Trans{2, 0.5}, Trans{StateSignal, 0.1})
	a0.Transitions[LimitReached] = trans(Trans{2, 1})
	a0.Transitions[Signal] = trans(Trans{1, 1})
	a0.Transitions[CounterZero] = trans(Trans{0, 1})

	a1.Action = BlockOutgoing{Bypass: true,
		Timeout:  *dist(LogNormal{Mu: 2, Sigma: 0.5}, 0, 0),
		Duration: *dist(Weibull{Scale: 1000, Shape: 1.5}, 0, 0),
		Limit:    dist(Uniform{Low: 1, High: 10}, 0, 0)}
	a1.CounterB = &Counter{Operation: CounterDecrement, Copy: true}
	a1.Transitions[BlockingBegin] = trans(Trans{1, 0.5}, Trans{0, 0.5})
	a1.Transitions[BlockingEnd] = trans(Trans{0, 1})
	a1.Transitions[TimerEnd] = trans(Trans{3, 1})

	a2.Action = UpdateTimer{Replace: true,
		Duration: *dist(Gamma{Scale: 100, Shape: 2}, 0, 0),
		Limit:    dist(Binomial{Trials: 10, Probability: 0.5}, 1, 0)}
	a2.CounterB = &Counter{Operation: CounterSet, Dist: dist(Geometric{Probability: 0.3}, 0, 0)}
	a2.Transitions[TimerBegin] = trans(Trans{2, 0.7})
	a2.Transitions[TimerEnd] = trans(Trans{0, 0.5}, Trans{3, 0.5})
	a2.Transitions[NormalRecv] = trans(Trans{1, 1})
	a2.Transitions[CounterZero] = trans(Trans{3, 1})

	a3.Action = Cancel{Timer: TimerAll}
	a3.CounterA = &Counter{Operation: CounterDecrement}
	a3.CounterB = &Counter{Operation: CounterDecrement, Copy: true}
	a3.Transitions[NormalRecv] = trans(Trans{0, 1})
	a3.Transitions[TunnelRecv] = trans(Trans{3, 0.5})
	a3.Transitions[PaddingRecv] = trans(Trans{StateEnd, 0.002}, Trans{0, 0.5})
	a3.Transitions[CounterZero] = trans(Trans{1, 1})

	var b0, b1 State
	b0.Action = SendPadding{Timeout: *dist(Pareto{Scale: 10, Shape: 2}, 0, 5000)}
	b0.Transitions[TunnelSent] = trans(Trans{0, 0.9})
	b0.Transitions[Signal] = trans(Trans{1, 1})
	b0.Transitions[NormalSent] = trans(Trans{StateSignal, 0.2}, Trans{1, 0.2})
	b1.Action = BlockOutgoing{Replace: true,
		Timeout:  *dist(Beta{Alpha: 2, Beta: 5}, 10, 0),
		Duration: *dist(SkewNormal{Location: 500, Scale: 100, Shape: 2}, 0, 0)}
	b1.Transitions[BlockingBegin] = trans(Trans{0, 1})
	b1.Transitions[BlockingEnd] = trans(Trans{1, 0.5})
	b1.Transitions[PaddingSent] = trans(Trans{0, 1})

	return []Machine{
		newTestMachine(t, 20, 0.4, 5000, 0.3, a0, a1, a2, a3),
		newTestMachine(t, 0, 0, 0, 0, b0, b1),
		newTestMachine(t, 1000, 1, 0, 0, selfLoop(padAfter(1), NormalSent, PaddingSent)),
	}
}

// callerEvents are the events a caller may trigger.
var callerEvents = []Event{NormalRecv, PaddingRecv, TunnelRecv, NormalSent,
	PaddingSent, TunnelSent, BlockingBegin, BlockingEnd, TimerBegin, TimerEnd}

// runShared runs a framework over machines for calls calls of one to three
// random caller events (machine IDs from -1 to one past the last), checking
// each result, and returns a digest of all actions and how many of each
// kind there were. With maxRate > 0 a RateLimitedFramework allowing maxRate
// actions per second wraps the framework, and dropped counts the calls
// whose actions it withheld. The framework and the events are determined
// by seed.
func runShared(machines []Machine, seed uint64, calls int, maxRate float64) (digest uint64, kinds [ActionUpdateTimer + 1]int, dropped int, err error) {
	f, err := NewFramework(machines, 0.3, 0.3, base, splitmix.New(seed))
	if err != nil {
		return 0, kinds, 0, err
	}
	trigger := f.TriggerEvents
	if maxRate > 0 {
		r := NewRateLimitedFramework(f)
		trigger = func(events []TriggerEvent, now time.Time) []TriggerAction {
			return r.TriggerEvents(events, maxRate, now)
		}
	}
	gen := rand.New(splitmix.New(^seed))
	h := fnv.New64a()
	var buf []byte
	events := make([]TriggerEvent, 0, 3)
	now := base
	for c := range calls {
		events = events[:0]
		for range 1 + gen.IntN(3) {
			events = append(events, TriggerEvent{
				Event:   callerEvents[gen.IntN(len(callerEvents))],
				Machine: MachineID(gen.IntN(len(machines)+2) - 1),
			})
		}
		now = now.Add(time.Duration(gen.IntN(2000)) * us)
		actions := trigger(events, now)
		if len(actions) == 0 && f.pending > 0 {
			dropped++
		}
		last := MachineID(-1)
		for _, a := range actions {
			if a.Machine <= last || int(a.Machine) >= len(machines) ||
				a.Kind < ActionCancel || a.Kind > ActionUpdateTimer ||
				a.Timeout < 0 || a.Timeout > 24*time.Hour || a.Duration < 0 || a.Duration > 24*time.Hour {
				return 0, kinds, 0, fmt.Errorf("call %d: bad action %v", c, a)
			}
			last = a.Machine
			kinds[a.Kind]++
			buf = binary.LittleEndian.AppendUint64(buf[:0], uint64(a.Kind)<<48|uint64(a.Machine)<<16|uint64(a.Timer))
			buf = binary.LittleEndian.AppendUint64(buf, uint64(a.Timeout))
			buf = binary.LittleEndian.AppendUint64(buf, uint64(a.Duration))
			buf = append(buf, boolByte(a.Bypass), boolByte(a.Replace))
			h.Write(buf)
		}
	}
	return h.Sum64(), kinds, dropped, nil
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// TestSharedMachinesConcurrently runs 64 frameworks on their own
// goroutines over one []Machine. Run under the race detector (go test
// -race) it shows the frameworks only read the machines; afterwards the
// machines must equal a fresh copy, and each run must match the same run
// done alone.
func TestSharedMachinesConcurrently(t *testing.T) {
	const goroutines = 64
	calls := 2000
	if testing.Short() {
		calls = 200
	}
	shared := sharedTestMachines(t)
	serialized := make([]string, len(shared))
	for i := range shared {
		serialized[i] = shared[i].Serialize()
	}

	digests := make([]uint64, goroutines)
	kinds := make([][ActionUpdateTimer + 1]int, goroutines)
	errs := make([]error, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			digests[g], kinds[g], _, errs[g] = runShared(shared, uint64(g), calls, 0)
		}()
	}
	wg.Wait()
	for g, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", g, err)
		}
	}
	// The runs exercise every kind of action.
	for k := ActionCancel; k <= ActionUpdateTimer; k++ {
		n := 0
		for g := range kinds {
			n += kinds[g][k]
		}
		if n == 0 {
			t.Fatalf("no %v action in %d runs of %d calls", k, goroutines, calls)
		}
	}

	if fresh := sharedTestMachines(t); !reflect.DeepEqual(shared, fresh) {
		t.Fatal("the shared machines changed while frameworks ran them")
	}
	for i := range shared {
		if s := shared[i].Serialize(); s != serialized[i] {
			t.Fatalf("machine %d serializes to %q after the runs, %q before", i, s, serialized[i])
		}
	}
	distinct := make(map[uint64]bool)
	for g := range 4 {
		alone, _, _, err := runShared(sharedTestMachines(t), uint64(g), calls, 0)
		if err != nil {
			t.Fatalf("seed %d alone: %v", g, err)
		}
		if alone != digests[g] {
			t.Fatalf("seed %d: digest %x alone, %x among %d goroutines", g, alone, digests[g], goroutines)
		}
		distinct[alone] = true
	}
	if len(distinct) != 4 {
		t.Fatalf("4 seeds gave %d distinct runs", len(distinct))
	}
}

// TestSharedMachinesRateLimited is TestSharedMachinesConcurrently with a
// RateLimitedFramework per goroutine, tight enough to withhold actions:
// under the race detector it shows that rate limiters, like frameworks,
// share nothing but the read-only machines. Each run must match the same
// run done alone.
func TestSharedMachinesRateLimited(t *testing.T) {
	const (
		goroutines = 32
		maxRate    = 50 // actions per second; the runs ask for more
	)
	calls := 2000
	if testing.Short() {
		calls = 200
	}
	shared := sharedTestMachines(t)
	digests := make([]uint64, goroutines)
	returned := make([]int, goroutines)
	dropped := make([]int, goroutines)
	errs := make([]error, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var kinds [ActionUpdateTimer + 1]int
			digests[g], kinds, dropped[g], errs[g] = runShared(shared, uint64(g), calls, maxRate)
			for _, n := range kinds {
				returned[g] += n
			}
		}()
	}
	wg.Wait()
	var allReturned, allDropped int
	for g, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", g, err)
		}
		allReturned += returned[g]
		allDropped += dropped[g]
	}
	t.Logf("%d actions returned; %d calls had theirs withheld", allReturned, allDropped)
	if allReturned == 0 || allDropped == 0 {
		t.Fatalf("%d actions returned, %d calls' actions withheld: want both", allReturned, allDropped)
	}
	if fresh := sharedTestMachines(t); !reflect.DeepEqual(shared, fresh) {
		t.Fatal("the shared machines changed while rate-limited frameworks ran them")
	}
	for g := range 4 {
		alone, _, _, err := runShared(sharedTestMachines(t), uint64(g), calls, maxRate)
		if err != nil {
			t.Fatalf("seed %d alone: %v", g, err)
		}
		if alone != digests[g] {
			t.Fatalf("seed %d: digest %x alone, %x among %d goroutines", g, alone, digests[g], goroutines)
		}
	}
	unlimited, _, _, err := runShared(sharedTestMachines(t), 0, calls, 0)
	if err != nil {
		t.Fatal(err)
	}
	if unlimited == digests[0] {
		t.Fatal("rate limiting changed nothing")
	}
}
