package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/internal/rules"
)

// takesAfter is when, after the first packet, the action of a TakesCase
// comes.
const takesAfter = 10 * time.Millisecond

func micros(d time.Duration) float64 { return float64(d / time.Microsecond) }

// runTakes runs m at the client over one packet sent at 0 and returns
// the client's events of kind e (and their times).
func runTakes(t *testing.T, m maybenot.Machine, kinds ...maybenot.Event) []Event {
	t.Helper()
	n := Network{Delay: time.Millisecond}
	tr, err := ParseTrace(strings.NewReader("0,s\n"), n, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	events, err := Run(one(m), nil, tr, Options{Network: n, ContinueAfterTrace: true, MaxIterations: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []Event
	for _, e := range events {
		for _, k := range kinds {
			if e.Client && e.Event == k {
				got = append(got, e)
			}
		}
	}
	return got
}

// TestTakesCasesBlocking replays the shared cases of rules.Takes through
// the simulator's blocking: blocking with Remaining left (none if 0) is
// hit by a BlockOutgoing of duration D; blocking then ends after D when
// the rule says it takes, else when it would have.
func TestTakesCasesBlocking(t *testing.T) {
	for _, tc := range rules.TakesCases {
		second := maybenot.BlockOutgoing{Replace: tc.Replace, Timeout: uni(micros(takesAfter)), Duration: uni(micros(tc.D))}
		var states []maybenot.State
		if tc.Remaining == 0 {
			states = []maybenot.State{
				state(nil, ns, 1),
				state(second, bb, 2),
				state(nil),
			}
		} else {
			first := maybenot.BlockOutgoing{Timeout: uni(0), Duration: uni(micros(takesAfter + tc.Remaining))}
			states = []maybenot.State{
				state(nil, ns, 1),
				state(first, bb, 2),
				state(second, bb, 3),
				state(nil),
			}
		}
		ends := runTakes(t, mustMachine(t, 0, 0, 0, 0, states...), be)
		var want []time.Duration
		switch {
		case tc.Takes:
			want = []time.Duration{takesAfter + tc.D}
		case tc.Remaining > 0:
			want = []time.Duration{takesAfter + tc.Remaining}
		}
		var got []time.Duration
		for _, e := range ends {
			got = append(got, e.Time)
		}
		if !slicesEqual(got, want) {
			t.Errorf("%s: blocking ended at %v, want %v", tc.Name, got, want)
		}
	}
}

// TestTakesCasesTimer replays the shared cases of rules.Takes through the
// simulator's internal timers: a timer with Remaining left (none if 0) is
// hit by an UpdateTimer of duration D; when the rule says it takes, the
// machine hears TimerBegin again and the timer ends after D, else it ends
// when it would have.
func TestTakesCasesTimer(t *testing.T) {
	for _, tc := range rules.TakesCases {
		// The padding that comes takesAfter after the first state marks
		// the moment of the second UpdateTimer.
		wait := state(maybenot.SendPadding{Timeout: uni(micros(takesAfter))}, ps, 3)
		update := state(maybenot.UpdateTimer{Replace: tc.Replace, Duration: uni(micros(tc.D))})
		var states []maybenot.State
		if tc.Remaining == 0 {
			states = []maybenot.State{state(nil, ns, 2), state(nil), wait, update}
		} else {
			states = []maybenot.State{
				state(nil, ns, 1),
				state(maybenot.UpdateTimer{Duration: uni(micros(takesAfter + tc.Remaining))}, tb, 2),
				wait, update,
			}
		}
		events := runTakes(t, mustMachine(t, 0, 0, 0, 0, states...), tb, te)
		var got, want []string
		for _, e := range events {
			got = append(got, eventCode(e.Event)+"@"+e.Time.String())
		}
		if tc.Remaining > 0 {
			want = append(want, "tb@0s")
		}
		switch {
		case tc.Takes:
			want = append(want, "tb@"+takesAfter.String(), "te@"+(takesAfter+tc.D).String())
		case tc.Remaining > 0:
			want = append(want, "te@"+(takesAfter+tc.Remaining).String())
		}
		if !slicesEqual(got, want) {
			t.Errorf("%s: timer events %v, want %v", tc.Name, got, want)
		}
	}
}
