package sim

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
)

// tracesDir holds the 50 real traces beside the repository.
const tracesDir = "../../shared/traces"

// benchSetup is the workload the reference simulator was timed on: the 50
// real traces, the four deployed machines at the client, 10 ms of delay,
// seed 1, only network activity.
type benchSetup struct {
	raw      [][]byte
	traces   []*Trace
	machines []maybenot.Machine
	network  Network
	packets  int
}

func loadBench(tb testing.TB) *benchSetup {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join(tracesDir, "*.log"))
	if err != nil || len(paths) == 0 {
		tb.Skipf("no real traces in %s: they live beside the repository, not in it", tracesDir)
	}
	dep, err := os.ReadFile(filepath.Join(conformanceDir, "deployed.txt"))
	if errors.Is(err, fs.ErrNotExist) {
		tb.Skipf("no deployed machines: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	s := &benchSetup{network: Network{Delay: 10 * time.Millisecond}}
	sc := bufio.NewScanner(bytes.NewReader(dep))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			m, err := maybenot.ParseMachine(line)
			if err != nil {
				tb.Fatal(err)
			}
			s.machines = append(s.machines, *m)
		}
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		tr, err := ParseTrace(bytes.NewReader(b), s.network, nil, nil)
		if err != nil {
			tb.Fatalf("%s: %v", p, err)
		}
		s.raw = append(s.raw, b)
		s.traces = append(s.traces, tr)
		s.packets += tr.Len()
	}
	return s
}

// runAll runs every trace once and returns the number of events.
func (s *benchSetup) runAll(tb testing.TB) int {
	n := 0
	for _, tr := range s.traces {
		events, err := Run(s.machines, nil, tr, Options{Network: s.network, OnlyNetworkActivity: true,
			ClientRand: Xoshiro256StarStar(1), ServerRand: Xoshiro256StarStar(2)})
		if err != nil {
			tb.Fatal(err)
		}
		n += len(events)
	}
	return n
}

// BenchmarkRun times Run over the real traces; one op is all 50 traces.
// ns/event is per event returned.
func BenchmarkRun(b *testing.B) {
	s := loadBench(b)
	events := 0
	b.ReportAllocs()
	for b.Loop() {
		events = s.runAll(b)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(events), "ns/event")
	b.ReportMetric(float64(events), "events")
	b.ReportMetric(float64(s.packets), "packets")
}

// BenchmarkParseTrace times ParseTrace over the real traces; one op is all
// 50 of them.
func BenchmarkParseTrace(b *testing.B) {
	s := loadBench(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, raw := range s.raw {
			if _, err := ParseTrace(bytes.NewReader(raw), s.network, nil, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(s.packets), "ns/packet")
}

// TestRunAllocs checks that Run's allocations do not grow with the events
// it simulates: a trace 16 times longer costs only the few more
// allocations of slices that double (the result, the queues).
func TestRunAllocs(t *testing.T) {
	// Pads 0.5 ms after each packet sent.
	m := mustMachine(t, 0, 0, 0, 0,
		state(nil, ns, 1),
		state(maybenot.SendPadding{Timeout: uni(500)}, ps, 0, ns, 1))
	client, server := one(m), one(blockingMachine(t, 2*time.Millisecond, time.Millisecond))
	// Frameworks that live through the measurement keep the machines'
	// compiled programs, which a collection during a run could otherwise
	// drop, to be compiled again (and counted) by the next run.
	var keep []*maybenot.Framework
	for _, ms := range [][]maybenot.Machine{client, server} {
		f, err := maybenot.NewFramework(ms, 0, 0, time.Now(), nil)
		if err != nil {
			t.Fatal(err)
		}
		keep = append(keep, f)
	}
	defer runtime.KeepAlive(keep)
	allocs := func(packets int) float64 {
		var b strings.Builder
		for i := range packets {
			dir := "s"
			if i%3 != 0 {
				dir = "r"
			}
			b.WriteString(itoa(int64(i)*1_000_000) + "," + dir + "\n")
		}
		n := Network{Delay: 5 * time.Millisecond}
		tr, err := ParseTrace(strings.NewReader(b.String()), n, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return testing.AllocsPerRun(3, func() {
			if _, err := Run(client, server, tr, Options{Network: n, ClientRand: Xoshiro256StarStar(1), ServerRand: Xoshiro256StarStar(2)}); err != nil {
				t.Fatal(err)
			}
		})
	}
	// 16 times the packets: 4 more doublings of each of the few slices
	// that grow with the run (more on 386, whose smaller words put slices
	// in other size classes).
	const maxAllocs, maxMore = 80, 24
	short, long := allocs(1000), allocs(16000)
	t.Logf("%v allocations for 1000 packets, %v for 16000", short, long)
	if short > maxAllocs || long > short+maxMore {
		t.Errorf("%v allocations for 1000 packets, %v for 16000; want at most %d and %d more", short, long, maxAllocs, maxMore)
	}
}
