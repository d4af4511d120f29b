package machines

import (
	"math/rand/v2"

	"github.com/maybenot-go/maybenot"
)

// InterspaceClient returns the client's machine of Interspace, from
// "Towards Effective and Efficient Padding Machines for Tor" by Pulls,
// arXiv 2011.13471, 2020 (its phase-3 machine for Tor's circuit padding
// framework, ported to Maybenot).
//
// Interspace randomizes itself: each call draws a variant, so that
// connections do not share one fingerprintable defense. On the client,
// after the first padding packet received it waits for a normal packet
// received (in one variant, or any packet received in the other), then
// sends padding at Pareto-distributed intervals (scale 3.3, shape 7.2, at
// most 9,445 µs), a Pareto-distributed number of packets at a time (scale
// 4.7, shape 4.8, plus 1), going back to waiting when a normal packet is
// sent (or, in one variant, received). Padding is limited to 1,500
// packets, then to half of the packets sent.
//
// rng gives the two coin flips that pick the variant, as the reference's
// random_bool(0.5) makes them, so the same source gives the reference's
// machine. Nil draws from math/rand/v2's top-level generator. The error is
// always nil.
func InterspaceClient(rng rand.Source) ([]maybenot.Machine, error) {
	rng = orDefault(rng)
	wait := maybenot.State{Transitions: transitions{maybenot.NormalRecv: to(2)}}
	if !coin(rng) {
		wait.Transitions[maybenot.PaddingRecv] = to(2)
	}
	padding := maybenot.State{
		Action: maybenot.SendPadding{
			Timeout: maybenot.Dist{Type: maybenot.Pareto{Scale: 3.3, Shape: 7.2}, Max: 9445},
			Limit:   ptr(maybenot.Dist{Type: maybenot.Pareto{Scale: 4.7, Shape: 4.8}, Start: 1}),
		},
		Transitions: transitions{
			maybenot.NormalSent:  to(1),
			maybenot.PaddingSent: to(2),
		},
	}
	if !coin(rng) {
		padding.Transitions[maybenot.NormalRecv] = to(1)
	}
	states := []maybenot.State{
		{Transitions: transitions{maybenot.PaddingRecv: to(1)}},
		wait,
		padding,
	}
	return interspaceMachine(states)
}

// InterspaceServer returns the server's machine of Interspace (see
// InterspaceClient for the paper).
//
// On the server, Interspace draws one of two designs, and within it its
// distributions, so every call gives a different machine:
//   - manual (on the first normal packet received): either extends real
//     bursts, padding at Pareto-distributed intervals while normal packets
//     are sent, or injects fake bursts after a Gamma-distributed wait
//     (standing for a log-logistic one; at most 100,000 µs); the Pareto
//     scales and shapes are drawn from [0, 10), the Gamma's from the
//     log-logistic parameters alpha in [0.01, 1000) and beta in
//     [0.01, 10000) as shape 1/beta and scale alpha·beta.
//   - spring (from the start): four padding states with Gamma-distributed
//     timeouts (at most 10,000, 31,443, 100,000 and 55,878 µs) and
//     limits, each Gamma's parameters drawn from log-logistic alpha and
//     beta in [0.01, 10), moving between them as packets are sent and
//     received.
//
// Padding is limited to 1,500 packets, then to half of the packets sent.
//
// rng gives the coin flips that pick the design and variant and the
// uniform draws of the parameters, in the reference's order and as its
// random_bool(0.5) and random_range make them, so the same source gives
// the reference's machine. Nil draws from math/rand/v2's top-level
// generator. The error is not nil only if a Pareto parameter is drawn as
// exactly 0 (a chance of 2^-52 per draw), where the reference panics.
func InterspaceServer(rng rand.Source) ([]maybenot.Machine, error) {
	rng = orDefault(rng)
	if coin(rng) {
		return interspaceManual(rng)
	}
	return interspaceSpring(rng)
}

// interspaceMachine is an Interspace machine of the given states: 1,500
// padding packets, then at most half of the packets.
func interspaceMachine(states []maybenot.State) ([]maybenot.Machine, error) {
	m, err := machine("interspace", 1500, 0.5, 0, 0, states)
	if err != nil {
		return nil, err
	}
	return []maybenot.Machine{m}, nil
}

func interspaceManual(rng rand.Source) ([]maybenot.Machine, error) {
	states := []maybenot.State{{Transitions: transitions{maybenot.NormalRecv: to(1)}}}
	if coin(rng) {
		// Wait to extend a real burst.
		states = append(states, maybenot.State{Transitions: transitions{maybenot.NormalSent: to(2)}})
	} else {
		// Wait to inject a fake burst.
		alpha := rangeFloat64(rng, 0.01, 1000)
		beta := rangeFloat64(rng, 0.01, 10000)
		states = append(states, maybenot.State{
			Action: maybenot.SendPadding{
				Timeout: maybenot.Dist{Type: maybenot.Gamma{Scale: alpha * beta, Shape: 1 / beta}, Max: 100000},
			},
			Transitions: transitions{maybenot.PaddingSent: to(3)},
		})
	}
	extendTimeout := randomPareto(rng, 0, 10000)
	extendLimit := randomPareto(rng, 1, 0)
	fakeTimeout := randomPareto(rng, 0, 10000)
	fakeLimit := randomPareto(rng, 1, 4)
	states = append(states,
		// Extend: pad while normal packets are sent.
		maybenot.State{
			Action: maybenot.SendPadding{Timeout: extendTimeout, Limit: &extendLimit},
			Transitions: transitions{
				maybenot.NormalSent:  to(1),
				maybenot.PaddingSent: to(2),
			},
		},
		// Fake: a burst of padding.
		maybenot.State{
			Action: maybenot.SendPadding{Timeout: fakeTimeout, Limit: &fakeLimit},
			Transitions: transitions{
				maybenot.NormalSent:  to(1),
				maybenot.PaddingSent: to(3),
			},
		},
	)
	return interspaceMachine(states)
}

func interspaceSpring(rng rand.Source) ([]maybenot.Machine, error) {
	// The draws in the reference's order: each state's timeout, then its
	// limit.
	timeout0 := randomLogLogistic(rng, 0, 10000)
	timeout1 := randomLogLogistic(rng, 0, 31443)
	timeout2 := randomLogLogistic(rng, 0, 100000)
	limit2 := randomLogLogistic(rng, 5, 0)
	timeout3 := randomLogLogistic(rng, 0, 55878)
	limit3 := randomLogLogistic(rng, 5, 0)
	states := []maybenot.State{
		{
			Action: maybenot.SendPadding{Timeout: timeout0},
			Transitions: transitions{
				maybenot.NormalRecv:  to(1),
				maybenot.PaddingRecv: to(1),
			},
		},
		{
			Action:      maybenot.SendPadding{Timeout: timeout1},
			Transitions: transitions{maybenot.NormalSent: to(2)},
		},
		{
			Action: maybenot.SendPadding{Timeout: timeout2, Limit: &limit2},
			Transitions: transitions{
				maybenot.PaddingSent: to(2),
				maybenot.PaddingRecv: to(3),
			},
		},
		{
			Action: maybenot.SendPadding{Timeout: timeout3, Limit: &limit3},
			Transitions: transitions{
				maybenot.NormalRecv:  to(3),
				maybenot.NormalSent:  to(0),
				maybenot.PaddingRecv: to(2),
			},
		},
	}
	return interspaceMachine(states)
}

// randomPareto is a Pareto distribution with scale and shape drawn from
// [0, 10), in that order.
func randomPareto(rng rand.Source, start, max float64) maybenot.Dist {
	scale := rangeFloat64(rng, 0, 10)
	shape := rangeFloat64(rng, 0, 10)
	return maybenot.Dist{Type: maybenot.Pareto{Scale: scale, Shape: shape}, Start: start, Max: max}
}

// randomLogLogistic stands for a log-logistic distribution, which Maybenot
// lacks, with a Gamma distribution: from alpha and beta drawn from
// [0.01, 10), in that order, shape 1/beta and scale alpha·beta.
func randomLogLogistic(rng rand.Source, start, max float64) maybenot.Dist {
	alpha := rangeFloat64(rng, 0.01, 10)
	beta := rangeFloat64(rng, 0.01, 10)
	return maybenot.Dist{Type: maybenot.Gamma{Scale: alpha * beta, Shape: 1 / beta}, Start: start, Max: max}
}
