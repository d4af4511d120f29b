package machines

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/maybenot-go/maybenot"
)

// Front returns the machine of FRONT, from "Zero-delay Lightweight Defenses
// against Website Fingerprinting" by Gong and Wang, USENIX Security 2020,
// as Maybenot approximates it ("State Machine Frameworks for Website
// Fingerprinting Defenses: Maybe Not", Pulls).
//
// FRONT obfuscates the front of a connection, where most of what identifies
// a page lies, with padding that never delays a packet: it draws a padding
// budget and a padding window, and sends the budget's padding packets at
// times that follow a Rayleigh distribution whose scale is the window, so
// the padding is densest around the window and thins out after it. The
// machine approximates the Rayleigh curve with numStates padding states,
// each covering an equal share of its area (and of the budget), sending its
// share at normally distributed intervals centred on the state's mean
// interval. It starts on the first normal packet sent or received and ends
// after the last state's share.
//
// Parameters:
//   - paddingBudgetMax: the budget, in padding packets, is drawn uniformly
//     from [1, paddingBudgetMax); at least 2. The paper's budgets are
//     1,200 to 1,700 packets.
//   - windowMin, windowMax: the window is drawn uniformly from
//     [windowMin, windowMax); windowMin < windowMax, both finite. The
//     padding times come out in the unit of the window, and the machine
//     takes them as microseconds: a window of 14 spreads the padding over
//     about 56 µs, one of 14e6 over about 56 s. (The paper draws windows
//     of 1 to 14 seconds.)
//   - numStates: the number of padding states, 1 to 4,231 (0 is accepted
//     as the reference accepts it: it makes one padding state that returns
//     to the start state on every padding packet). The curve is
//     approximated better with more; 5 to 10 are usual. Beyond 4,231 the
//     parts of the curve the last states need lie beyond where the
//     reference's search can reach, and it never returns: Front returns an
//     error (after time linear in numStates, about a second for the most a
//     machine may have, StateMax-1).
//   - rng: the random source of the two draws, the budget first (one or two
//     32-bit draws), then the window (one 64-bit draw), as the reference
//     makes them, so the same source gives the reference's machine. Nil
//     draws from math/rand/v2's top-level generator (ChaCha8, seeded by
//     the runtime), which is what defending real traffic needs.
//
// Front returns an error wrapping ErrInvalidParameter exactly where the
// reference panics or never returns: an empty range to draw from, more
// states than a machine may have or its search can handle, or a drawn
// window so small or so large (below about 1e-154 or above about 1e154 in
// size, or exactly 0) that the curve cannot be computed. Its time is
// linear in numStates: each state takes about 50 evaluations of the curve,
// some 10 µs, and a search that does not converge gives up after 2,200.
func Front(paddingBudgetMax uint32, windowMin, windowMax float64, numStates int, rng rand.Source) ([]maybenot.Machine, error) {
	const name = "front"
	switch {
	case paddingBudgetMax < 2:
		return nil, paramError(name, "padding_budget_max", "%d: must be at least 2, as the budget is drawn from [1, padding_budget_max)", paddingBudgetMax)
	case !(windowMin < windowMax):
		return nil, paramError(name, "window_min", "%v: must be less than window_max %v, as the window is drawn from [window_min, window_max)", windowMin, windowMax)
	case math.IsInf(windowMax-windowMin, 0):
		return nil, paramError(name, "window_max", "%v: the range [window_min, window_max) from %v must have a finite width", windowMax, windowMin)
	case numStates < 0 || numStates > maxFrontStates:
		return nil, numStatesError(numStates)
	}
	rng = orDefault(rng)
	budget := rangeUint32(rng, 1, paddingBudgetMax)
	window := rangeFloat64(rng, windowMin, windowMax)
	m, err := frontMachine(window, budget, numStates)
	if err != nil {
		return nil, err
	}
	return []maybenot.Machine{m}, nil
}

// maxFrontStates is the most padding states a FRONT machine may have: with
// its start state, StateMax.
const maxFrontStates = maybenot.StateMax - 1

// numStatesError is the error for a num_states out of range.
func numStatesError[T int | uint64](n T) error {
	return paramError("front", "num_states", "%d: must be from 0 to %d (the machine has one more state)", n, maxFrontStates)
}

// frontMachine builds the FRONT machine for a drawn window and budget.
func frontMachine(window float64, budget uint32, numStates int) (maybenot.Machine, error) {
	const name = "front"
	// Each padding state covers this share of the Rayleigh curve's area.
	area := 1 / float64(numStates)
	maxT := rayleighMaxT(window)
	sqrtPi := math.Sqrt(math.Pi)

	states := make([]maybenot.State, 0, numStates+1)
	// The start state: the first normal packet starts the padding.
	states = append(states, maybenot.State{Transitions: transitions{
		maybenot.NormalRecv: to(1),
		maybenot.NormalSent: to(1),
	}})

	t1 := 0.0      // where the next state's part of the curve starts
	covered := 0.0 // the share of the area the states so far cover
	for i := 1; i < numStates; i++ {
		width, ok := intervalWidth(t1, maxT, area, window)
		if !ok {
			return maybenot.Machine{}, fmt.Errorf("%w: %s: the drawn window %v: the search for padding state %d's part of the curve does not converge", ErrInvalidParameter, name, window, i)
		}
		count := area * float64(budget)
		states = append(states, frontPaddingState(index(i), index(i+1), t1, width, count, window, sqrtPi))
		t1 += width
		covered += area
	}
	// The last state covers the rest of the curve, to maxT, and ends the
	// machine.
	count := (1 - covered) * float64(budget)
	states = append(states, frontPaddingState(index(numStates), maybenot.StateEnd, t1, maxT-t1, count, window, sqrtPi))

	m, err := machine(name, unlimited, 0, 0, 0, states)
	if err != nil {
		return maybenot.Machine{}, fmt.Errorf("%w (the drawn window is %v)", err, window)
	}
	return m, nil
}

// frontPaddingState is the padding state for the part of the curve of the
// given width from t1 on, sending count packets: it pads again after each
// padding packet (self), and moves on to next when its limit is reached.
func frontPaddingState(self, next uint32, t1, width, count, window, sqrtPi float64) maybenot.State {
	middle := t1 + float64(width/2)
	timeout := width / count
	stdev := window * window / (count * middle * sqrtPi)
	return maybenot.State{
		Action: maybenot.SendPadding{
			Timeout: maybenot.Dist{Type: maybenot.Normal{Mean: timeout, Stdev: stdev}, Max: timeout * 2},
			Limit:   ptr(maybenot.Dist{Type: maybenot.Uniform{Low: 1, High: atLeastOne(count)}}),
		},
		Transitions: transitions{
			maybenot.PaddingSent:  to(self),
			maybenot.LimitReached: to(next),
		},
	}
}

// atLeastOne is max(x, 1) as the reference computes it: 1 when x is NaN.
func atLeastOne(x float64) float64 {
	if x > 1 {
		return x
	}
	return 1
}

// maxSearchSteps bounds the search in intervalWidth. Its step starts
// finite and halves each time, so after 2,100 steps it is 0 or infinite:
// the search can no longer move and, unconverged, would never end.
const maxSearchSteps = 2200

// intervalWidth returns the width of the part of the Rayleigh curve with
// scale scale that starts at a and has the given area, by the reference's
// search: from maxT, step up or down by half the distance to a, halving
// the step each time, until the area is within machine epsilon. ok is
// false if the search does not converge (the reference would loop for
// ever).
func intervalWidth(a, maxT, area, scale float64) (width float64, ok bool) {
	b := maxT
	step := (b - a) / 2
	cdfA := rayleighCDF(a, scale) // the reference recomputes it, to the same value
	diff := area - (rayleighCDF(b, scale) - cdfA)
	for steps := 0; math.Abs(diff) > epsilon; steps++ {
		if steps == maxSearchSteps {
			return 0, false
		}
		if diff < 0 {
			b -= step
		} else {
			b += step
		}
		step /= 2
		diff = area - (rayleighCDF(b, scale) - cdfA)
	}
	return b - a, true
}

// epsilon is the difference between 1 and the next float64.
const epsilon = 0x1p-52

// rayleighCDF is the Rayleigh distribution's CDF at t, 1 - e^(-t²/2σ²),
// computed as the reference does.
func rayleighCDF(t, scale float64) float64 {
	x := -float64(t*t) / (2 * float64(scale*scale))
	return 1 - powE(x)
}

// rayleighMaxT is where the Rayleigh CDF with the given scale reaches
// 0.9996645373720975 (a bit more than six standard deviations): where the
// reference ends FRONT's curve.
func rayleighMaxT(scale float64) float64 {
	tail := 1 - rayleighCoverage
	return math.Sqrt(-2 * (scale * scale) * (log(tail) / log(math.E)))
}

// rayleighCoverage is the share of the Rayleigh curve that FRONT covers. It
// is a variable so that 1 - rayleighCoverage is computed in float64, as in
// the reference, not exactly as constant arithmetic would.
var rayleighCoverage = 0.9996645373720975
