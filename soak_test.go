package maybenot

import (
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// Sizes of TestSoak. go test runs the default size, the same machines as
// the full size with a tenth of the events; MAYBENOT_SOAK=full runs the
// full size (about 1.5 s on two cores), -short none.
const (
	soakMachines     = 1000
	soakEvents       = 10_000
	soakMachinesFull = 1000
	soakEventsFull   = 100_000
	// soakGroup machines run in each framework, so that they signal each
	// other and share the framework's budgets. Each sees all the events
	// of its framework.
	soakGroup = 4
)

// soakEventKinds lists the events TestSoak triggers, weighted by repetition
// towards the packet events of real traffic; the internal events and an
// unknown one must be ignored.
var soakEventKinds = []Event{
	NormalRecv, NormalRecv, NormalRecv, PaddingRecv, TunnelRecv, TunnelRecv, TunnelRecv,
	NormalSent, NormalSent, NormalSent, PaddingSent, PaddingSent, TunnelSent, TunnelSent, TunnelSent,
	BlockingBegin, BlockingEnd, TimerBegin, TimerEnd, TimerEnd,
	LimitReached, CounterZero, Signal, NumEvents,
}

// soakStep draws the time between two calls: mostly microseconds, at times
// milliseconds or seconds, rarely hours.
func soakStep(r *rand.Rand) time.Duration {
	switch n := r.IntN(1000); {
	case n < 700:
		return time.Duration(r.IntN(2000)) * time.Microsecond
	case n < 950:
		return time.Duration(r.IntN(100)) * time.Millisecond
	case n < 995:
		return time.Duration(r.IntN(60)) * time.Second
	default:
		return time.Duration(r.IntN(48)) * time.Hour
	}
}

// TestSoak runs random valid machines of every distribution type, with
// counters, signals, limits and budgets, through random events at random
// times, soakGroup machines to a framework (every other one rate
// limited), checking every call with a runChecker.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test skipped in short mode")
	}
	machines, events := soakMachines, soakEvents
	if os.Getenv("MAYBENOT_SOAK") == "full" {
		machines, events = soakMachinesFull, soakEventsFull
	}
	// Machines and seeds are drawn up front, so that each framework's run
	// does not depend on the scheduling of the workers.
	r := rand.New(splitmix.New(2026))
	type job struct {
		machines []Machine
		seed     uint64
	}
	var jobs []job
	for i := 0; i < machines; i += soakGroup {
		g := machineGen{r: r, noEnd: r.IntN(2) == 0, busy: r.IntN(3) == 0}
		group := make([]Machine, min(soakGroup, machines-i))
		for j := range group {
			group[j] = g.machine(1 + r.IntN(20))
		}
		jobs = append(jobs, job{group, r.Uint64()})
	}

	var next, calls, actions atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := int(next.Add(1)) - 1
				if n >= len(jobs) || t.Failed() {
					return
				}
				c, err := soakRun(jobs[n].machines, jobs[n].seed, events, n%2 == 1)
				if err != nil {
					t.Errorf("framework %d: %v", n, err)
					return
				}
				calls.Add(int64(c.calls))
				actions.Add(int64(c.actions))
			}
		}()
	}
	wg.Wait()
	t.Logf("%d machines in %d frameworks, %d events each: %d calls, %d actions in %v",
		machines, len(jobs), events, calls.Load(), actions.Load(), time.Since(start))
	if !t.Failed() && actions.Load() == 0 {
		t.Error("no machine took an action: the soak exercises nothing")
	}
}

// soakRun runs machines for events random events from a generator seeded
// with seed, in calls of one to four, and returns the checker.
func soakRun(machines []Machine, seed uint64, events int, rateLimited bool) (*runChecker, error) {
	r := rand.New(splitmix.New(seed))
	c, err := newRunChecker(machines, float64(r.IntN(11))/10, float64(r.IntN(11))/10, r.Uint64())
	if err != nil {
		return nil, err
	}
	if rateLimited {
		c.rateLimit(float64(1 + r.IntN(2000)))
	}
	batch := make([]TriggerEvent, 0, 4)
	now := base
	for sent := 0; sent < events; {
		batch = batch[:0]
		for range min(1+r.IntN(4), events-sent) {
			batch = append(batch, TriggerEvent{
				Event:   soakEventKinds[r.IntN(len(soakEventKinds))],
				Machine: MachineID(r.IntN(len(machines)+2) - 1),
			})
			sent++
		}
		now = now.Add(soakStep(r))
		if err := c.call(batch, now); err != nil {
			return nil, err
		}
	}
	return c, nil
}
