// Package ratewindow is the estimate of actions per second with which
// maybenot.RateLimitedFramework, and the defense runtime, cap the actions
// of their machines: a sliding window of one second, in the reference's
// arithmetic. It is written once here for both.
package ratewindow

import "time"

// Admit decides whether n actions, returned delta (>= 0) after the current
// window began, go out under a cap of max actions per second. prev and
// current are the actions let out in the previous and in the current
// window; Admit updates them. It returns how many actions go out, n or 0,
// and whether a new window begins now: then the caller starts it at the
// time of the actions.
//
// Within the window (delta < 1s) the rate is prev·(1s-delta)/1s + current,
// and the actions are dropped if it is >= max. At 1s or more a new window
// begins, whose prev is current if delta is under 2s and 0 otherwise, and
// the actions go out. Either way current then counts the actions let out.
func Admit(prev, current *float64, n int, delta time.Duration, max float64) (int, bool) {
	if delta >= time.Second {
		*prev = 0
		if delta < 2*time.Second {
			*prev = *current
		}
		*current = float64(n)
		return n, true
	}
	if n == 0 {
		return 0, false // nothing to drop, nothing to count
	}
	// For the (0, 1s] left of the window, float64(d)/1e9 is exactly the
	// reference's conversion of d to seconds (its whole seconds plus its
	// nanoseconds / 1e9). The conversion of the product keeps it from
	// being fused with the sum into one multiply-add, which rounds once
	// where the reference rounds twice: the comparison with the cap must
	// see the reference's rate, bit for bit.
	rate := float64(*prev*(float64(time.Second-delta)/1e9)) + *current
	if rate >= max {
		return 0, false
	}
	*current += float64(n)
	return n, false
}
