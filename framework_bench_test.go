package maybenot

import (
	"encoding/json"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// noopMachine is the machine with one state and nothing in it.
const noopMachine = "02eNpjYEAHjOgCAAA0AAI="

// benchPattern returns the workload of the performance comparison with the
// reference: for each machine k in turn, NormalSent, TunnelSent, five times
// TunnelRecv and NormalRecv, TunnelRecv, PaddingRecv, PaddingSent{k},
// TunnelSent.
func benchPattern(machines int) []TriggerEvent {
	var p []TriggerEvent
	for k := range max(machines, 1) {
		p = append(p, TriggerEvent{Event: NormalSent}, TriggerEvent{Event: TunnelSent})
		for range 5 {
			p = append(p, TriggerEvent{Event: TunnelRecv}, TriggerEvent{Event: NormalRecv})
		}
		p = append(p, TriggerEvent{Event: TunnelRecv}, TriggerEvent{Event: PaddingRecv},
			TriggerEvent{Event: PaddingSent, Machine: MachineID(k)}, TriggerEvent{Event: TunnelSent})
	}
	return p
}

// runPattern feeds the pattern to f one event per call, the clock advancing
// 100µs per call, n calls in all. It returns the number of actions.
func runPattern(f *Framework, pattern []TriggerEvent, now time.Time, n int) int {
	actions, j := 0, 0
	for range n {
		now = now.Add(100 * time.Microsecond)
		actions += len(f.TriggerEvents(pattern[j:j+1], now))
		if j++; j == len(pattern) {
			j = 0
		}
	}
	return actions
}

// uniformMachines returns the machines of decode.jsonl that use no
// distribution but Uniform, in file order, with their names.
func uniformMachines(tb testing.TB) ([]Machine, []string) {
	var ms []Machine
	var names []string
	for _, line := range conformanceLines(tb, "decode.jsonl") {
		var c struct{ Input, Name string }
		if err := json.Unmarshal(line, &c); err != nil {
			tb.Fatal(err)
		}
		m, err := ParseMachine(c.Input)
		if err != nil {
			tb.Fatal(err)
		}
		if uniformOnly(m) {
			ms = append(ms, *m)
			names = append(names, c.Name)
		}
	}
	return ms, names
}

func uniformOnly(m *Machine) bool {
	ok := func(d *Dist) bool {
		_, u := d.Type.(Uniform)
		return d == nil || u
	}
	for _, s := range m.States {
		switch a := s.Action.(type) {
		case SendPadding:
			if !ok(&a.Timeout) || (a.Limit != nil && !ok(a.Limit)) {
				return false
			}
		case BlockOutgoing:
			if !ok(&a.Timeout) || !ok(&a.Duration) || (a.Limit != nil && !ok(a.Limit)) {
				return false
			}
		case UpdateTimer:
			if !ok(&a.Duration) || (a.Limit != nil && !ok(a.Limit)) {
				return false
			}
		}
		for _, c := range []*Counter{s.CounterA, s.CounterB} {
			if c != nil && c.Dist != nil && !ok(c.Dist) {
				return false
			}
		}
	}
	return true
}

// randomBenchMachine is case (d): a 20-state machine of Uniform
// distributions with counters, limits and signals, fixed by its seed.
func randomBenchMachine() Machine {
	return machineGen{r: rand.New(splitmix.New(20)), uniformOnly: true, noEnd: true, busy: true}.machine(20)
}

// benchMachines runs the benchmark loop (runPattern) over a framework of
// ms with SplitMix64 seeded with 1, one event per op.
func benchMachines(b *testing.B, ms []Machine) {
	t0 := time.Now()
	f, err := NewFramework(ms, 0, 0, t0, splitmix.New(1))
	if err != nil {
		b.Fatal(err)
	}
	pattern := benchPattern(len(ms))
	b.ReportAllocs()
	b.ResetTimer()
	runPattern(f, pattern, t0, b.N)
}

func BenchmarkTriggerEvents(b *testing.B) {
	noop, err := ParseMachine(noopMachine)
	if err != nil {
		b.Fatal(err)
	}
	bench := func(name string, ms []Machine) { b.Run(name, func(b *testing.B) { benchMachines(b, ms) }) }
	bench("noop", []Machine{*noop})
	bench("random20", []Machine{randomBenchMachine()})
	ms, names := uniformMachines(b)
	for i, m := range ms {
		bench("uniform/"+strconv.Itoa(i)+"-"+names[i][:8], []Machine{m})
	}
	bench("four", ms[:4])
}

// deployedMachines returns the four machines of
// ../shared/conformance/deployed.txt, the set a VPN runs in production.
func deployedMachines(tb testing.TB) []Machine {
	var ms []Machine
	for _, line := range conformanceLines(tb, "deployed.txt") {
		m, err := ParseMachine(string(line))
		if err != nil {
			tb.Fatal(err)
		}
		ms = append(ms, *m)
	}
	return ms
}

// BenchmarkWorkload is the per-event comparison with the reference, on
// the machines that matter: the no-op machine and the deployed set. One op
// is one event in one TriggerEvents call (see runPattern), its clock
// arithmetic included; clock is that loop without the framework.
func BenchmarkWorkload(b *testing.B) {
	noop, err := ParseMachine(noopMachine)
	if err != nil {
		b.Fatal(err)
	}
	bench := func(name string, ms []Machine) { b.Run(name, func(b *testing.B) { benchMachines(b, ms) }) }
	bench("noop", []Machine{*noop})
	bench("deployed", deployedMachines(b))
}

// BenchmarkWorkloadClock measures the benchmark loop of
// BenchmarkTriggerEvents without the framework: advancing a time.Time by
// 100µs and picking the next event. Subtract it from those figures to get
// the framework's own cost per event.
func BenchmarkWorkloadClock(b *testing.B) {
	pattern := benchPattern(4)
	now := time.Now()
	sum, j := 0, 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		now = now.Add(100 * time.Microsecond)
		sum += int(pattern[j : j+1][0].Event)
		if j++; j == len(pattern) {
			j = 0
		}
	}
	if sum < 0 || now.IsZero() {
		b.Fatal("unreachable: keeps the loop's work alive")
	}
}

// BenchmarkParseMachine parses the real machines of decode.jsonl in turn,
// one per iteration.
func BenchmarkParseMachine(b *testing.B) {
	var inputs []string
	for _, line := range conformanceLines(b, "decode.jsonl") {
		var c struct{ Input string }
		if err := json.Unmarshal(line, &c); err != nil {
			b.Fatal(err)
		}
		inputs = append(inputs, c.Input)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := ParseMachine(inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewFramework makes frameworks of the deployed machines while
// one of them exists, so that their compiled program is shared: the cost
// of a framework per connection.
func BenchmarkNewFramework(b *testing.B) {
	ms := deployedMachines(b)
	keep, err := NewFramework(ms, 0, 0, time.Now(), splitmix.New(1))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewFramework(ms, 0, 0, time.Now(), splitmix.New(1)); err != nil {
			b.Fatal(err)
		}
	}
	runtime.KeepAlive(keep)
}
