package defense

import (
	"math/rand/v2"
	"os"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/internal/race"
)

// deployedPath holds the four machines a VPN deploys, one string a line.
const deployedPath = "../../shared/conformance/deployed.txt"

// deployedMachines returns the deployed machines of the conformance data,
// or skips tb when the data is absent.
func deployedMachines(tb testing.TB) []maybenot.Machine {
	tb.Helper()
	b, err := os.ReadFile(deployedPath)
	if err != nil {
		tb.Skipf("conformance data not found (%v): put ../shared beside the repository", err)
	}
	ms, err := maybenot.ParseMachines(string(b))
	if err != nil {
		tb.Fatal(err)
	}
	return ms
}

// downloadCycle is a download-heavy cycle of reports, the integrator's
// side of the framework benchmark's 16-event pattern: a normal packet sent,
// five normal packets received, then a padding packet received.
var downloadCycle = [...]func(*Defense){
	(*Defense).NormalQueued, (*Defense).PacketSent,
	(*Defense).PacketReceived, (*Defense).NormalReceived,
	(*Defense).PacketReceived, (*Defense).NormalReceived,
	(*Defense).PacketReceived, (*Defense).NormalReceived,
	(*Defense).PacketReceived, (*Defense).NormalReceived,
	(*Defense).PacketReceived, (*Defense).NormalReceived,
	(*Defense).PacketReceived, (*Defense).PaddingReceived,
}

// newDeployed returns a Defense running machines on the real clock with
// callbacks that do nothing.
func newDeployed(tb testing.TB, machines []maybenot.Machine) *Defense {
	tb.Helper()
	d, err := New(Config{
		Machines:        machines,
		SendPadding:     func(Padding) {},
		BlockingChanged: func(bool) {},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// BenchmarkDefenseDeployed measures one reported packet event (ns/op) with
// the deployed machines on the real clock, the reports following
// downloadCycle. The machines' padding timers fire meanwhile, on the
// clock's goroutines, and count in the time.
//
// clock=virtual: the same on a VirtualClock that stays put, so that no
// timer fires and the clock costs a lock instead of a system call.
//
// parallel: 1,000 Defenses on the real clock, 8 goroutines each reporting
// to its own eighth of them in turn; ns/op is wall time per report of all
// goroutines together, so 1e9/(ns/op) is the aggregate rate.
// reportCycle reports downloadCycle to d over and over, one report per op.
func reportCycle(b *testing.B, d *Defense) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		downloadCycle[i](d)
		if i++; i == len(downloadCycle) {
			i = 0
		}
	}
}

func BenchmarkDefenseDeployed(b *testing.B) {
	machines := deployedMachines(b)
	b.Run("clock=real", func(b *testing.B) {
		d := newDeployed(b, machines)
		defer d.Close()
		reportCycle(b, d)
	})
	b.Run("clock=virtual", func(b *testing.B) {
		// The clock does not move, so no timer fires: only the reports
		// count, and with a seeded source of the same kind as the
		// default the figures are the same from run to run.
		d, err := New(Config{
			Machines:        machines,
			Rand:            rand.NewChaCha8([32]byte{1}),
			Clock:           NewVirtualClock(epoch),
			SendPadding:     func(Padding) {},
			BlockingChanged: func(bool) {},
		})
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		reportCycle(b, d)
	})
	b.Run("parallel", func(b *testing.B) {
		const defenses, goroutines = 1000, 8
		ds := make([]*Defense, defenses)
		for i := range ds {
			ds[i] = newDeployed(b, machines)
		}
		defer func() {
			for _, d := range ds {
				d.Close()
			}
		}()
		var next atomic.Int64
		b.SetParallelism(max(1, goroutines/runtime.GOMAXPROCS(0)))
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			g := int(next.Add(1)-1) % goroutines
			own := ds[g*defenses/goroutines : (g+1)*defenses/goroutines]
			j, k := 0, 0
			for pb.Next() {
				downloadCycle[k](own[j])
				if j++; j == len(own) {
					j = 0
					if k++; k == len(downloadCycle) {
						k = 0
					}
				}
			}
		})
	})
}

// BenchmarkNew makes a Defense of the deployed machines: B/op is the
// memory a Defense holds (for the real clock, with callbacks that need
// none), and framework is the share of it that its Framework holds.
func BenchmarkNew(b *testing.B) {
	machines := deployedMachines(b)
	b.Run("defense", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			newDeployed(b, machines)
		}
	})
	b.Run("framework", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := maybenot.NewFramework(machines, 0, 0, epoch, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// maxDefenseBytes bounds the memory a Defense of the deployed machines
// holds beyond its Framework's.
const maxDefenseBytes = 1450

func TestDefenseMemory(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector makes sync.Pool drop buffers, so what NewFramework allocates varies")
	}
	machines := deployedMachines(t)
	bytes := func(f func()) int64 {
		const n = 200
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range n {
			f()
		}
		runtime.ReadMemStats(&after)
		return int64(after.TotalAlloc-before.TotalAlloc) / n
	}
	var sink []*Defense
	total := bytes(func() { sink = append(sink[:0], newDeployed(t, machines)) })
	fw := bytes(func() {
		if _, err := maybenot.NewFramework(machines, 0, 0, epoch, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("a Defense of the %d deployed machines: %d bytes, of which its Framework %d", len(machines), total, fw)
	if total-fw > maxDefenseBytes {
		t.Errorf("a Defense holds %d bytes beyond its Framework, want at most %d", total-fw, maxDefenseBytes)
	}
}
