package sim

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
)

// FuzzParseTrace checks that ParseTrace never panics, fails only with its
// documented errors, and that what it accepts runs.
func FuzzParseTrace(f *testing.F) {
	f.Add([]byte("0,s,514\n1000,r,514\n"), uint16(10))
	f.Add([]byte("5,sp\n\nx\n+7,rn\r\n"), uint16(0))
	f.Add([]byte(shortTrace(be000, time.Millisecond)), uint16(50))
	f.Fuzz(func(t *testing.T, data []byte, delayMs uint16) {
		n := Network{Delay: time.Duration(delayMs) * time.Millisecond}
		tr, err := ParseTrace(bytes.NewReader(data), n, nil, nil)
		if err != nil {
			if !errors.Is(err, ErrInvalidTrace) && !errors.Is(err, ErrTraceTooLarge) && !errors.Is(err, ErrInvalidOptions) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if tr.Len() == 0 {
			t.Fatal("a trace without packets")
		}
		events, err := Run(nil, nil, tr, Options{Network: n, MaxIterations: 10 * tr.Len()})
		if err != nil {
			t.Fatal(err)
		}
		// Without machines each packet is sent and received once.
		if len(events) > 6*tr.Len() {
			t.Fatalf("%d events for %d packets", len(events), tr.Len())
		}
	})
}

// FuzzParseBinDist checks that ParseBinDist never panics and that what it
// accepts samples within its bounds.
func FuzzParseBinDist(f *testing.F) {
	f.Add(`{"(1.0, 1.0)": 1.0}`)
	f.Add(`{"(0, 0.5)": 0.9, "(0.5, 2)": 0.1}`)
	f.Add(`{"(2, 1)": 1}`)
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseBinDist(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidBinDist) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		rng := Xoshiro256StarStar(1)
		for range 10 {
			if v := d.Sample(rng); v < 0 || v > MaxBinDelay {
				t.Fatalf("sample %v out of [0, %v]", v, MaxBinDelay)
			}
		}
	})
}

// fuzzMachines are the machines FuzzRun picks from: the ones the
// reference's tests build, which block, pad, bypass, replace, count and
// set timers.
func fuzzMachines(t testing.TB) []maybenot.Machine {
	return []maybenot.Machine{
		ratio3(t), blockEvery5(t), constantRate(t, true, true, 5), constantRate(t, false, false, 3),
		blockThenPad(t, true, true), timerMachine(t, 10, 2, true), blockingMachine(t, 5*time.Millisecond, time.Millisecond),
	}
}

// FuzzRun runs random traces with machines and options drawn from the
// input, checking that Run never panics or fails, and returns events in
// time order within the limits.
func FuzzRun(f *testing.F) {
	f.Add([]byte(shortTrace(be000, time.Millisecond)), uint64(0x0102030405), uint16(10))
	f.Add([]byte("0,s\n1,s\n2,r\n3,r\n"), uint64(0xffffffffffff), uint16(0))
	f.Fuzz(func(t *testing.T, trace []byte, choice uint64, delayUs uint16) {
		n := Network{Delay: time.Duration(delayUs) * time.Microsecond, PacketsPerSecond: int(choice>>40) & 0xff}
		in := &Integration{ActionDelay: mustBinDist(t, `{"(0, 0.1)": 0.5, "(0.2, 0.2)": 0.5}`),
			ReportingDelay: mustBinDist(t, `{"(0, 0.05)": 1}`), TriggerDelay: mustBinDist(t, `{"(0.01, 0.01)": 1}`),
			Rand: Xoshiro256StarStar(choice)}
		var ci, si *Integration
		if choice&(1<<20) != 0 {
			ci = in
		}
		if choice&(1<<21) != 0 {
			si = in
		}
		tr, err := ParseTrace(bytes.NewReader(trace), n, ci, si)
		if err != nil {
			return
		}
		ms := fuzzMachines(t)
		var client, server []maybenot.Machine
		for i := range ms {
			if choice>>i&1 != 0 {
				client = append(client, ms[i])
			}
			if choice>>(i+8)&1 != 0 {
				server = append(server, ms[i])
			}
		}
		o := Options{
			Network: n, MaxIterations: 2000, MaxTraceLength: int(choice>>48) & 0xfff,
			ContinueAfterTrace: choice&(1<<22) != 0, OnlyClientEvents: choice&(1<<23) != 0, OnlyNetworkActivity: choice&(1<<24) != 0,
			ClientIntegration: ci, ServerIntegration: si,
			ClientRand: Xoshiro256StarStar(choice), ServerRand: Xoshiro256StarStar(choice + 1),
		}
		events, err := Run(client, server, tr, o)
		if err != nil {
			t.Fatal(err)
		}
		if o.MaxTraceLength > 0 && len(events) > o.MaxTraceLength || len(events) > o.MaxIterations {
			t.Fatalf("%d events beyond the limits", len(events))
		}
		for i := 1; i < len(events); i++ {
			if events[i].Time < events[i-1].Time {
				t.Fatalf("event %d at %v before %v", i, events[i].Time, events[i-1].Time)
			}
		}
	})
}
