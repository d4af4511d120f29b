package sim

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
)

func mustBinDist(t testing.TB, s string) BinDist {
	t.Helper()
	d, err := ParseBinDist(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// runIntegration is the reference's run_sim of integration_delay.rs: a
// machine at the client pads once 5 ms after a packet is sent, over a
// short trace with 5 ms of delay, with the given integrations; it returns
// the packets of one side.
func runIntegration(t *testing.T, client, server *Integration, atClient bool) []Event {
	t.Helper()
	m := mustMachine(t, 0, 0, 0, 0,
		state(nil, ns, 1),
		state(maybenot.SendPadding{Timeout: maybenot.Dist{Type: maybenot.Uniform{}, Start: 5000}}))
	const raw = "0,s,100\n10000000,r,100\n20000000,s,100\n32000000,r,100\n56000000,s,100\n100000000,s,100"
	n := Network{Delay: 5 * time.Millisecond}
	tr, err := ParseTrace(strings.NewReader(raw), n, client, server)
	if err != nil {
		t.Fatal(err)
	}
	events, err := Run(one(m), nil, tr, Options{Network: n, MaxTraceLength: 100, OnlyNetworkActivity: true,
		ClientIntegration: client, ServerIntegration: server})
	if err != nil {
		t.Fatal(err)
	}
	var side []Event
	for _, e := range events {
		if e.Client == atClient {
			side = append(side, e)
		}
	}
	return side
}

// TestIntegrationDelays ports the reference's integration_delay.rs: each
// delay at the client postpones the padding packet, as the client sends
// it and as the server receives it, by exactly that delay; the same
// integration at the server, which runs no machine, changes nothing.
func TestIntegrationDelays(t *testing.T) {
	const ms = time.Millisecond
	for _, tt := range []struct {
		name                       string
		action, reporting, trigger string
		shift                      time.Duration
	}{
		{"action", "1.0", "0.0", "0.0", 1 * ms},
		{"reporting", "0.0", "1.0", "0.0", 1 * ms},
		{"trigger", "0.0", "0.0", "1.0", 1 * ms},
		{"action and reporting", "1.0", "1.0", "0.0", 2 * ms},
		{"action, reporting and trigger", "1.0", "1.0", "1.0", 3 * ms},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bin := func(v string) BinDist { return mustBinDist(t, `{"(`+v+`, `+v+`)": 1.0}`) }
			in := &Integration{ActionDelay: bin(tt.action), ReportingDelay: bin(tt.reporting), TriggerDelay: bin(tt.trigger)}

			base := runIntegration(t, nil, nil, true)
			delayed := runIntegration(t, in, nil, true)
			if len(base) != len(delayed) {
				t.Fatalf("%d client packets with the delays, %d without", len(delayed), len(base))
			}
			if base[1].Event != maybenot.TunnelSent || !base[1].Padding || delayed[1].Event != base[1].Event {
				t.Fatalf("second client packet %+v, with delays %+v; want padding sent", base[1], delayed[1])
			}
			if got := (delayed[1].Time - delayed[0].Time) - (base[1].Time - base[0].Time); got != tt.shift {
				t.Errorf("the padding moved by %v, want %v", got, tt.shift)
			}

			server := runIntegration(t, in, nil, false)
			if len(server) != len(base) {
				t.Fatalf("%d server packets, want %d", len(server), len(base))
			}
			if server[2].Event != maybenot.TunnelRecv || !server[2].Padding {
				t.Fatalf("third server packet %+v, want padding received", server[2])
			}
			// The server's first packet arrives 5 ms in.
			if got, want := server[2].Time-server[0].Time+5*ms, 10*ms+tt.shift; got != want {
				t.Errorf("padding received at %v, want %v", got, want)
			}

			base = runIntegration(t, nil, nil, false)
			same := runIntegration(t, nil, in, false)
			if len(base) != len(same) {
				t.Fatalf("%d server packets with a server integration, %d without", len(same), len(base))
			}
			for i := range base {
				if base[i].Event != same[i].Event || base[i].Time-base[0].Time != same[i].Time-same[0].Time {
					t.Errorf("server packet %d: %+v with the integration at the server, %+v without", i, same[i], base[i])
				}
			}
		})
	}
}

func TestParseBinDist(t *testing.T) {
	for _, tt := range []struct {
		in   string
		bins []bin
		cum  []float64
	}{
		{`{"(1.0, 1.0)": 1.0}`, []bin{{1, 1}}, []float64{1}},
		{`{"(0.5,2)": 0.25, "(0, 0.5)": 0.75}`, []bin{{0, 0.5}, {0.5, 2}}, []float64{0.75, 1}},
		{`{"((3, 4))": 1}`, []bin{{3, 4}}, []float64{1}},
		// The last of repeated keys counts.
		{`{"(1, 2)": 0.5, "(1, 2)": 1}`, []bin{{1, 2}}, []float64{1}},
		// Same min: ordered by max.
		{`{"(1, 3)": 0.5, "(1, 2)": 0.5}`, []bin{{1, 2}, {1, 3}}, []float64{0.5, 1}},
		{`{"( 1e1 , +2e1 )": 2}`, []bin{{10, 20}}, []float64{2}},
		{`{"(0, 86400000)": 1}`, []bin{{0, 86400000}}, []float64{1}},
	} {
		d, err := ParseBinDist(tt.in)
		if err != nil {
			t.Errorf("ParseBinDist(%s): %v", tt.in, err)
			continue
		}
		if !slicesEqual(d.bins, tt.bins) || !slicesEqual(d.cum, tt.cum) {
			t.Errorf("ParseBinDist(%s) = %v %v, want %v %v", tt.in, d.bins, d.cum, tt.bins, tt.cum)
		}
	}
	for _, in := range []string{
		``, `null`, `[]`, `{}`, `{"(1, 2)": 1} x`, `{"(1, 2)": null}`, `{"(1, 2)": "1"}`,
		`{"(1)": 1}`, `{"(1, 2, 3)": 1}`, `{"(a, 2)": 1}`, `{"(0x1, 2)": 1}`, `{"(1_0, 20)": 1}`,
		`{"(2, 1)": 1}`, `{"(-1, 1)": 1}`, `{"(0, 86400001)": 1}`, `{"(0, inf)": 1}`, `{"(nan, 1)": 1}`,
		`{"(1, 2)": -0.5}`, `{"(1, 2)": 0}`, `{"(1, 2)": 1e400}`, `{"(1, 2)": 1e308, "(2, 3)": 1e308}`,
		// Rust trims parentheses only at the very ends of the key.
		`{" (1, 2)": 1}`,
	} {
		if _, err := ParseBinDist(in); !errors.Is(err, ErrInvalidBinDist) {
			t.Errorf("ParseBinDist(%s) error %v, want ErrInvalidBinDist", in, err)
		}
	}
}

func slicesEqual[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// countingSource counts the draws from a source.
type countingSource struct {
	rand.Source
	n int
}

func (c *countingSource) Uint64() uint64 { c.n++; return c.Source.Uint64() }

func TestBinDistSample(t *testing.T) {
	src := &countingSource{Source: rand.NewPCG(1, 2)}
	// A constant: truncated to whole µs as the reference does, no draw.
	for _, tt := range []struct {
		ms   string
		want time.Duration
	}{{"2.5", 2500 * us}, {"2.3", 2300 * us}, {"1.001", 1000 * us}, {"0.1", 100 * us}, {"0.0005", 0}} {
		if got := mustBinDist(t, `{"(`+tt.ms+`, `+tt.ms+`)": 1}`).Sample(src); got != tt.want {
			t.Errorf("constant %s ms: %v, want %v", tt.ms, got, tt.want)
		}
	}
	if got := (BinDist{}).Sample(src); got != 0 {
		t.Errorf("zero BinDist: %v", got)
	}
	if src.n != 0 {
		t.Errorf("constants drew %d times", src.n)
	}

	// Two bins, 1:3, of constants: the first bin's share is about 1/4,
	// one draw each.
	d := mustBinDist(t, `{"(1, 1)": 0.25, "(2, 2)": 0.75}`)
	const n = 40000
	ones := 0
	for range n {
		switch d.Sample(src) {
		case time.Millisecond:
			ones++
		case 2 * time.Millisecond:
		default:
			t.Fatal("a value outside the bins")
		}
	}
	if ones < n/4-600 || ones > n/4+600 || src.n != n {
		t.Errorf("first bin %d of %d times with %d draws, want about %d with %d", ones, n, src.n, n/4, n)
	}

	// A range: uniform in [min, max), two draws with two bins.
	src.n = 0
	d = mustBinDist(t, `{"(1, 3)": 0.5, "(10, 10)": 0.5}`)
	var sum time.Duration
	k := 0
	for range n {
		v := d.Sample(src)
		if v == 10*time.Millisecond {
			continue
		}
		if v < time.Millisecond || v >= 3*time.Millisecond || v%time.Microsecond != 0 {
			t.Fatalf("%v outside [1 ms, 3 ms) or not in whole µs", v)
		}
		sum += v
		k++
	}
	if mean := sum / time.Duration(k); mean < 1980*us || mean > 2020*us {
		t.Errorf("mean %v of the range bin, want about 2 ms", mean)
	}
	if src.n != n+k {
		t.Errorf("%d draws, want %d", src.n, n+k)
	}

	// Probabilities summing to less than 1: the last bin takes the rest.
	d = mustBinDist(t, `{"(1, 1)": 0.1, "(2, 2)": 0.1}`)
	for range 1000 {
		if v := d.Sample(src); v != time.Millisecond && v != 2*time.Millisecond {
			t.Fatalf("sum < 1: %v", v)
		}
	}
}

// TestIntegrationRand checks that integration delays draw from
// Integration.Rand only: the same seeds give the same run, the
// frameworks' streams are not touched (a run with delays drawing from a
// seeded source is reproducible), and different delay seeds give
// different delays.
func TestIntegrationRand(t *testing.T) {
	m := mustMachine(t, 0, 0, 0, 0,
		state(nil, ns, 1),
		state(maybenot.SendPadding{Timeout: maybenot.Dist{Type: maybenot.Uniform{Low: 100, High: 2000}}}, ps, 1, ns, 1))
	raw := shortTrace(be000, time.Millisecond)
	run := func(delaySeed uint64) []Event {
		in := &Integration{
			ActionDelay:    mustBinDist(t, `{"(0, 1)": 0.5, "(1, 2)": 0.5}`),
			ReportingDelay: mustBinDist(t, `{"(0, 0.5)": 1}`),
			TriggerDelay:   mustBinDist(t, `{"(0, 0.2)": 1}`),
			Rand:           Xoshiro256StarStar(delaySeed),
		}
		n := Network{Delay: 10 * time.Millisecond}
		tr, err := ParseTrace(strings.NewReader(raw), n, in, in)
		if err != nil {
			t.Fatal(err)
		}
		// Padding forever at both sides never lets the trace be through.
		events, err := Run(one(m), one(m), tr, Options{Network: n, MaxTraceLength: 5000, ClientIntegration: in, ServerIntegration: in,
			ClientRand: Xoshiro256StarStar(5), ServerRand: Xoshiro256StarStar(6)})
		if err != nil {
			t.Fatal(err)
		}
		return events
	}
	a, b, c := run(1), run(1), run(2)
	if !slicesEqual(a, b) {
		t.Error("two runs with the same seeds differ")
	}
	if slicesEqual(a, c) {
		t.Error("runs with different delay seeds are the same")
	}
	// Nil Rand: a secure source, runs differ but are valid.
	in := &Integration{ActionDelay: mustBinDist(t, `{"(0, 5)": 1}`)}
	n := Network{Delay: time.Millisecond}
	tr, err := ParseTrace(strings.NewReader(raw), n, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(one(m), nil, tr, Options{Network: n, MaxIterations: 5000, ClientIntegration: in}); err != nil {
		t.Fatal(err)
	}
}
