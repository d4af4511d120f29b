package defense

import (
	"math"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/internal/splitmix"
)

func TestDefaultCapBoundsSelfAnsweringMachine(t *testing.T) {
	// A machine that answers its own TimerBegin at once, restarted by
	// every received packet, 100 a second. On real time each of its
	// framework calls costs a few hundred nanoseconds, so the cap bounds
	// it to a few percent of a core.
	const (
		seconds   = 3
		packetsPS = 100
		// The calls the cap allows a second: its actions, plus the call
		// that finds the cap reached, for each packet.
		maxCallsPS = DefaultMaxActionsPerSecond + 2*packetsPS
	)
	loop := machine(t,
		state(nil, on(maybenot.TunnelRecv, 1)),
		state(updateTimer(ms, true), on(maybenot.TimerBegin, 1), on(maybenot.TunnelRecv, 1)),
	)
	clock := NewVirtualClock(epoch)
	d, err := New(Config{
		Machines:        []maybenot.Machine{loop},
		Clock:           clock,
		SendPadding:     func(Padding) {},
		BlockingChanged: func(bool) {},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	calls := 0
	d.observe = func(time.Time, []maybenot.TriggerEvent, []maybenot.TriggerAction) { calls++ }
	for range seconds * packetsPS {
		d.PacketReceived()
		clock.Advance(time.Second / packetsPS)
	}
	perSecond := calls / seconds
	t.Logf("%d framework calls a second", perSecond)
	if perSecond > maxCallsPS || perSecond < DefaultMaxActionsPerSecond/2 {
		t.Errorf("%d framework calls a second, want between %d and %d", perSecond, DefaultMaxActionsPerSecond/2, maxCallsPS)
	}
}

func TestDefaultCapLeavesDeployedUntouched(t *testing.T) {
	// The deployed machines on a download of 80,000 packets a second
	// (downloadCycle, two reports a packet) act exactly as without a cap.
	const (
		packetsPS = 80_000
		seconds   = 2
	)
	machines := deployedMachines(t)
	run := func(rate float64) (actions []maybenot.TriggerAction, n int) {
		clock := NewVirtualClock(epoch)
		var d *Defense
		d, err := New(Config{
			Machines:            machines,
			MaxActionsPerSecond: rate,
			Rand:                splitmix.New(7),
			Clock:               clock,
			SendPadding:         func(Padding) { d.PacketSent() },
			BlockingChanged:     func(bool) {},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		d.observe = func(_ time.Time, _ []maybenot.TriggerEvent, a []maybenot.TriggerAction) {
			actions = append(actions, a...)
		}
		for i := range 2 * packetsPS * seconds {
			downloadCycle[i%len(downloadCycle)](d)
			if i%2 == 1 {
				clock.Advance(time.Second / packetsPS)
			}
		}
		return actions, len(actions)
	}
	capped, n := run(0)
	free, m := run(math.Inf(1))
	t.Logf("%d actions a second", n/seconds)
	if n != m {
		t.Fatalf("%d actions under the default cap, %d without", n, m)
	}
	for i := range capped {
		if capped[i] != free[i] {
			t.Fatalf("action %d: %v under the default cap, %v without", i, capped[i], free[i])
		}
	}
}
