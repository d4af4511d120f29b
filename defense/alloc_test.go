package defense

import (
	"math"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
)

// busyMachines returns machines that act on every packet event: one
// re-arms its padding timer, one re-arms its internal timer (so each event
// also feeds back a TimerBegin), and one does nothing. The timers are far
// off, so nothing fires while measuring.
func busyMachines(t testing.TB) []maybenot.Machine {
	packetEvents := []maybenot.Event{
		maybenot.NormalSent, maybenot.TunnelSent, maybenot.TunnelRecv,
		maybenot.NormalRecv, maybenot.PaddingRecv,
	}
	loop := func(a maybenot.Action) maybenot.Machine {
		var edges []edge
		for _, e := range packetEvents {
			edges = append(edges, on(e, 1))
		}
		return machine(t, state(nil, edges...), state(a, edges...))
	}
	return []maybenot.Machine{
		loop(padding(time.Hour, false, true)),
		loop(updateTimer(time.Hour, true)),
		machine(t, state(nil)),
	}
}

// newBusy returns a Defense running busyMachines with no cap on actions,
// so that every report carries out its actions.
func newBusy(t testing.TB, clock Clock) *Defense {
	d, err := New(Config{
		Machines:            busyMachines(t),
		Clock:               clock,
		MaxActionsPerSecond: math.Inf(1),
		SendPadding:         func(Padding) {},
		BlockingChanged:     func(bool) {},
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestReportDoesNotAllocate(t *testing.T) {
	for _, c := range []struct {
		name  string
		clock Clock
	}{
		{"real clock", nil},
		{"virtual clock", NewVirtualClock(epoch)},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := newBusy(t, c.clock)
			defer d.Close()
			reports := []struct {
				name string
				f    func()
			}{
				{"NormalQueued", d.NormalQueued},
				{"PacketSent", d.PacketSent},
				{"PacketReceived", d.PacketReceived},
				{"NormalReceived", d.NormalReceived},
				{"PaddingReceived", d.PaddingReceived},
			}
			for _, r := range reports {
				if n := testing.AllocsPerRun(200, r.f); n != 0 {
					t.Errorf("%s: %v allocations per call, want 0", r.name, n)
				}
			}
		})
	}
}

func TestTimersDoNotAllocate(t *testing.T) {
	// The timer path on a VirtualClock: padding, blocking that begins and
	// ends, the internal timer, and the callbacks they cause, with the
	// integrator reporting the padding it sends; and EndBlocking.
	pad := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(100*time.Microsecond, true, true), on(maybenot.PaddingSent, 1), on(maybenot.NormalSent, 1)),
	)
	block := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(blocking(300*time.Microsecond, 200*time.Microsecond, true, false), on(maybenot.BlockingEnd, 1)),
	)
	timer := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(updateTimer(50*time.Microsecond, true), on(maybenot.TimerEnd, 1)),
	)
	clock := NewVirtualClock(epoch)
	var d *Defense
	pads, changes := 0, 0
	d, err := New(Config{
		Machines:            []maybenot.Machine{pad, block, timer},
		MaxActionsPerSecond: math.Inf(1),
		Clock:               clock,
		SendPadding:         func(Padding) { pads++; d.PacketSent() },
		BlockingChanged:     func(bool) { changes++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.NormalQueued()
	step := func() {
		clock.Advance(50 * time.Microsecond)
		d.EndBlocking()
		d.Blocked()
	}
	for range 100 {
		step()
	}
	if n := testing.AllocsPerRun(1000, step); n != 0 {
		t.Errorf("%v allocations per step, want 0", n)
	}
	if pads == 0 || changes == 0 {
		t.Errorf("%d paddings and %d changes of blocking: the timers did not run", pads, changes)
	}
}

func TestDeployedDoNotAllocate(t *testing.T) {
	// The deployed machines, on both clocks, reports in downloadCycle.
	machines := deployedMachines(t)
	for _, c := range []struct {
		name  string
		clock *VirtualClock
	}{
		{"real clock", nil},
		{"virtual clock", NewVirtualClock(epoch)},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := Config{Machines: machines, SendPadding: func(Padding) {}, BlockingChanged: func(bool) {}}
			if c.clock != nil {
				cfg.Clock = c.clock
			}
			d, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			i := 0
			cycle := func() {
				downloadCycle[i%len(downloadCycle)](d)
				if i++; c.clock != nil && i%2 == 0 {
					c.clock.Advance(20 * time.Microsecond)
				}
			}
			for range 1000 {
				cycle()
			}
			if n := testing.AllocsPerRun(10_000, cycle); n != 0 {
				t.Errorf("%v allocations per report, want 0", n)
			}
		})
	}
}

// BenchmarkDefensePacketEvent measures one reported packet event (the
// methods in turn) with machines that re-arm a timer on every event; ns/op
// is ns per reported event.
func BenchmarkDefensePacketEvent(b *testing.B) {
	run := func(b *testing.B, clock Clock) {
		d := newBusy(b, clock)
		defer d.Close()
		reports := []func(){d.NormalQueued, d.PacketSent, d.PacketReceived, d.NormalReceived}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			reports[i&3]()
			i++
		}
	}
	b.Run("clock=real", func(b *testing.B) { run(b, nil) })
	b.Run("clock=virtual", func(b *testing.B) { run(b, NewVirtualClock(epoch)) })
	b.Run("clock=real/parallel", func(b *testing.B) {
		d := newBusy(b, nil)
		defer d.Close()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				d.NormalQueued()
			}
		})
	})
}
