package maybenot

import (
	"slices"
	"testing"
	"time"
)

// The tests in this file follow the reference implementation's rate limiter
// unit tests, asserting the same window fields.

// newRateTestFramework returns a framework, created at base, whose one
// machine pads immediately after every PaddingSent: each such event yields
// exactly one action.
func newRateTestFramework(t *testing.T) *Framework {
	t.Helper()
	m := newTestMachine(t, 1_000_000, 0, 0, 0,
		newState(padAfter(0), edge{PaddingSent, 0}))
	return newTestFramework(t, []Machine{m}, 0, 0)
}

// rateStep calls r.TriggerEvents with one PaddingSent for machine 0 and
// requires the padding action (pass true) or nothing.
func rateStep(t *testing.T, r *RateLimitedFramework, maxRate float64, now time.Time, allowed bool) {
	t.Helper()
	var want []TriggerAction
	if allowed {
		want = acts(padding(0, 0))
	}
	got := r.TriggerEvents(evs(paddingSent(0)), maxRate, now)
	if !slices.Equal(got, want) {
		t.Fatalf("TriggerEvents(max %v, +%v):\ngot  %v\nwant %v", maxRate, now.Sub(base), got, want)
	}
}

// wantWindow requires the limiter's window counts.
func wantWindow(t *testing.T, r *RateLimitedFramework, prev, current float64) {
	t.Helper()
	if r.prev != prev || r.current != current {
		t.Fatalf("window (prev, current) = (%v, %v), want (%v, %v)", r.prev, r.current, prev, current)
	}
}

func TestRateLimitedNew(t *testing.T) {
	r := NewRateLimitedFramework(newRateTestFramework(t))
	wantWindow(t, r, 0, 0)
	if !r.tick.Equal(base) {
		t.Fatalf("tick = %v, want the framework's creation time %v", r.tick, base)
	}

	// A framework that has run starts the window at its last call.
	f := newRateTestFramework(t)
	f.TriggerEvents(nil, at(5_000_000))
	if r := NewRateLimitedFramework(f); !r.tick.Equal(at(5_000_000)) {
		t.Fatalf("tick = +%v, want +5s", r.tick.Sub(base))
	}
}

func TestRateLimitedFrameworkAccessor(t *testing.T) {
	f := newRateTestFramework(t)
	r := NewRateLimitedFramework(f)
	if r.Framework() != f {
		t.Fatal("Framework() does not return the wrapped framework")
	}
	// The wrapped framework is the one that runs: its machine moves.
	rateStep(t, r, 10, base, true)
	if got := r.Framework().runtime[0].paddingSent; got != 1 {
		t.Fatalf("wrapped framework counted %d padding packets, want 1", got)
	}
}

func TestRateLimitingUnderLimit(t *testing.T) {
	r := NewRateLimitedFramework(newRateTestFramework(t))
	rateStep(t, r, 10, base, true)
	wantWindow(t, r, 0, 1)
}

func TestRateLimitingOverLimit(t *testing.T) {
	r := NewRateLimitedFramework(newRateTestFramework(t))
	r.current = 1
	// 1 action in this window already reaches 0.5 per second.
	rateStep(t, r, 0.5, base, false)
	wantWindow(t, r, 0, 1)
}

func TestSlidingWindowWithinCurrentWindow(t *testing.T) {
	r := NewRateLimitedFramework(newRateTestFramework(t))
	r.prev, r.current = 2, 1
	// Half a second in, half of the previous window still counts:
	// 2*0.5 + 1 = 2, which reaches the maximum of 2.
	rateStep(t, r, 2, r.tick.Add(500*time.Millisecond), false)
	wantWindow(t, r, 2, 1)
	if !r.tick.Equal(base) {
		t.Fatalf("tick moved to +%v within the window", r.tick.Sub(base))
	}
}

func TestSlidingWindowNextWindow(t *testing.T) {
	r := NewRateLimitedFramework(newRateTestFramework(t))
	r.current = 5
	now := r.tick.Add(1500 * time.Millisecond)
	rateStep(t, r, 10, now, true)
	wantWindow(t, r, 5, 1)
	if !r.tick.Equal(now) {
		t.Fatalf("tick = +%v, want +%v", r.tick.Sub(base), now.Sub(base))
	}
}

func TestSlidingWindowLongDurationReset(t *testing.T) {
	r := NewRateLimitedFramework(newRateTestFramework(t))
	r.current = 5
	now := r.tick.Add(3 * time.Second)
	rateStep(t, r, 10, now, true)
	wantWindow(t, r, 0, 1)
	if !r.tick.Equal(now) {
		t.Fatalf("tick = +%v, want +%v", r.tick.Sub(base), now.Sub(base))
	}
}

func TestMultipleEventsIncrementCurrent(t *testing.T) {
	r := NewRateLimitedFramework(newRateTestFramework(t))
	for range 3 {
		rateStep(t, r, 10, base, true)
	}
	wantWindow(t, r, 0, 3)
}

func TestActionsReturnedWhenUnderRateLimit(t *testing.T) {
	r := NewRateLimitedFramework(newRateTestFramework(t))
	rateStep(t, r, 10, base, true)
	wantWindow(t, r, 0, 1)
}

func TestActionsBlockedWhenOverRateLimit(t *testing.T) {
	r := NewRateLimitedFramework(newRateTestFramework(t))
	r.current = 2
	rateStep(t, r, 1, base, false)
	wantWindow(t, r, 0, 2)
	// The events were still processed.
	if got := r.Framework().runtime[0].paddingSent; got != 1 {
		t.Fatalf("framework counted %d padding packets, want 1", got)
	}
}

func TestRateLimitingWithSlidingWindowCalculation(t *testing.T) {
	r := NewRateLimitedFramework(newRateTestFramework(t))
	r.prev, r.current = 3, 1
	// A quarter second in: 3*0.75 + 1 = 3.25 >= 2.5.
	rateStep(t, r, 2.5, r.tick.Add(250*time.Millisecond), false)
	wantWindow(t, r, 3, 1)
}

func TestRepeatedTriggersWithRateLimit5(t *testing.T) {
	r := NewRateLimitedFramework(newRateTestFramework(t))
	for i := 1; i <= 5; i++ {
		rateStep(t, r, 5, base, true)
		wantWindow(t, r, 0, float64(i))
	}
	rateStep(t, r, 5, base, false)
	wantWindow(t, r, 0, 5)
}

func TestSlidingWindowWeighsPreviousWindow(t *testing.T) {
	// The previous window's 4 actions count in proportion to how much of
	// it still lies within the last second; the maximum is 2.
	tests := []struct {
		delta   time.Duration
		allowed bool
	}{
		{0, false},                      // 4
		{250 * time.Millisecond, false}, // 3
		{500 * time.Millisecond, false}, // 2
		{501 * time.Millisecond, true},  // 1.996
		{750 * time.Millisecond, true},  // 1
		{999 * time.Millisecond, true},  // 0.004
	}
	for _, tt := range tests {
		r := NewRateLimitedFramework(newRateTestFramework(t))
		r.prev = 4
		rateStep(t, r, 2, r.tick.Add(tt.delta), tt.allowed)
		want := 0.0
		if tt.allowed {
			want = 1
		}
		wantWindow(t, r, 4, want)
	}
}
