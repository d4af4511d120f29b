package defense

import (
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/internal/rules"
)

// at20 is when the action of each case of rules.TakesCases hits the
// blocking or timer in place.
const at20 = 20 * ms

func TestTakesCasesBlocking(t *testing.T) {
	// Machine 0 blocks at 0, not bypassably, so that Remaining is left at
	// 20ms (nothing when Remaining is 0); machine 1's BlockOutgoing fires
	// at 20ms, bypassable, with the case's duration and Replace.
	for _, tt := range rules.TakesCases {
		t.Run(tt.Name, func(t *testing.T) {
			var machines []maybenot.Machine
			if tt.Remaining > 0 {
				machines = append(machines, machine(t,
					state(nil, on(maybenot.NormalSent, 1)),
					state(blocking(0, at20+tt.Remaining, false, false)),
				))
			} else {
				machines = append(machines, machine(t, state(nil)))
			}
			machines = append(machines, machine(t,
				state(nil, on(maybenot.NormalSent, 1)),
				state(blocking(at20, tt.D, true, tt.Replace)),
			))
			h := newHarness(t, Config{Machines: machines})
			h.d.NormalQueued()
			h.at(at20 - time.Microsecond)
			h.log = nil
			h.at(at20)
			blocked, bypassable := h.d.Blocked()
			var want []string
			switch {
			case tt.Takes:
				if tt.Remaining == 0 {
					want = append(want, "20ms BlockingBegin(1)", "20ms blocked")
				} else {
					want = append(want, "20ms BlockingBegin(1)")
				}
				if tt.D > 0 && (!blocked || !bypassable) {
					t.Errorf("Blocked() = %v, %v, want true, true: the blocking took the action's bypass", blocked, bypassable)
				}
			default:
				want = append(want, "20ms BlockingBegin(1)") // heard in every case
				if blocked != (tt.Remaining > 0) || bypassable {
					t.Errorf("Blocked() = %v, %v, want %v, false: the blocking in place is kept", blocked, bypassable, tt.Remaining > 0)
				}
			}
			end := at20 + tt.Remaining
			if tt.Takes {
				end = at20 + tt.D
			}
			h.at(time.Second)
			if tt.Takes || tt.Remaining > 0 {
				want = append(want, end.String()+" BlockingEnd", end.String()+" unblocked")
			}
			h.check(want...)
		})
	}
}

func TestTakesCasesTimer(t *testing.T) {
	// Machine 0 sets its internal timer at 0 so that Remaining is left at
	// 20ms (none when Remaining is 0); at 20ms a received packet makes it
	// ask for the case's duration and Replace.
	for _, tt := range rules.TakesCases {
		t.Run(tt.Name, func(t *testing.T) {
			first := state(nil, on(maybenot.NormalSent, 2))
			if tt.Remaining > 0 {
				first = state(updateTimer(at20+tt.Remaining, false), on(maybenot.NormalRecv, 2))
			}
			m := machine(t,
				state(nil, on(maybenot.NormalSent, 1), on(maybenot.NormalRecv, 2)),
				first,
				state(updateTimer(tt.D, tt.Replace)),
			)
			h := newHarness(t, Config{Machines: []maybenot.Machine{m}})
			if tt.Remaining > 0 {
				h.d.NormalQueued()
			}
			h.at(at20)
			h.log = nil
			h.d.NormalReceived()
			h.at(time.Second)
			action := "20ms NormalRecv -> UpdateTimer(machine 0, duration " + tt.D.String()
			if tt.Replace {
				action += ", replace"
			}
			want := []string{action + ")"}
			end := at20 + tt.Remaining
			if tt.Takes {
				want = append(want, "20ms TimerBegin(0)")
				end = at20 + tt.D
			}
			if tt.Takes || tt.Remaining > 0 {
				want = append(want, end.String()+" TimerEnd(0)")
			}
			h.check(want...)
		})
	}
}
