package ratewindow

import (
	"testing"
	"time"
)

func TestAdmit(t *testing.T) {
	tests := []struct {
		name                  string
		prev, current         float64
		n                     int
		delta                 time.Duration
		max                   float64
		out                   int
		restart               bool
		wantPrev, wantCurrent float64
	}{
		{"under the cap", 0, 0, 1, 0, 10, 1, false, 0, 1},
		{"reaches the cap", 0, 10, 2, 500 * time.Millisecond, 10, 0, false, 0, 10},
		{"just under the cap", 0, 9, 3, 500 * time.Millisecond, 10, 3, false, 0, 12},
		// prev counts for the half of the last second that overlaps it:
		// 10·0.5 + 4 = 9 < 10, but 10·0.6 + 4 = 10.
		{"prev half over", 10, 4, 1, 500 * time.Millisecond, 10, 1, false, 10, 5},
		{"prev more than half over", 10, 4, 1, 400 * time.Millisecond, 10, 0, false, 10, 4},
		{"no actions", 100, 100, 0, 0, 1, 0, false, 100, 100},
		{"new window after 1s", 3, 7, 2, time.Second, 1, 2, true, 7, 2},
		{"new window after 2s forgets", 3, 7, 2, 2 * time.Second, 1, 2, true, 0, 2},
		{"new window with no actions", 3, 7, 0, 1500 * time.Millisecond, 1, 0, true, 7, 0},
	}
	for _, tt := range tests {
		prev, current := tt.prev, tt.current
		out, restart := Admit(&prev, &current, tt.n, tt.delta, tt.max)
		if out != tt.out || restart != tt.restart || prev != tt.wantPrev || current != tt.wantCurrent {
			t.Errorf("%s: Admit = %d, %v with (prev, current) = (%v, %v); want %d, %v with (%v, %v)",
				tt.name, out, restart, prev, current, tt.out, tt.restart, tt.wantPrev, tt.wantCurrent)
		}
	}
}

// TestRemainingSeconds checks the claim Admit relies on: for every d in
// (0, 1s], float64(d)/1e9 equals the reference's conversion, whole seconds
// plus nanoseconds/1e9, each converted on its own.
func TestRemainingSeconds(t *testing.T) {
	check := func(d time.Duration) {
		want := float64(d/time.Second) + float64(d%time.Second)/1e9
		if got := float64(d) / 1e9; got != want {
			t.Fatalf("%v: %v, want %v", d, got, want)
		}
	}
	check(time.Second)
	for d := time.Duration(1); d < time.Second; d = d*3/2 + 7 {
		check(d)
		check(time.Second - d)
	}
}
