package machines

import (
	"math"

	"github.com/maybenot-go/maybenot"
)

// BreakPadClient returns the client's machine of Break-Pad (its "October"
// version), from "Break-Pad: effective padding machines for tor with break
// burst padding" by Huang and Du, Cybersecurity 2024.
//
// Break-Pad breaks up bursts: it counts the packets received since the
// last normal packet sent and, when the count reaches a threshold, sends a
// burst of padding, so a long run of incoming packets is interrupted by
// outgoing ones. The client starts on its first normal packet sent; the
// threshold is drawn from a Weibull distribution (scale 1.383, shape
// 8.767) each time a normal packet is sent; the padding is sent 1 µs
// apart, a number of packets drawn from a Pareto distribution (from Tor's
// generalized Pareto with parameters 1.967 and 0.0528), after which it
// starts over. Padding is limited to 1,500 packets, then to half of the
// packets sent.
//
// The machine is fixed; the error is always nil.
func BreakPadClient() ([]maybenot.Machine, error) {
	return breakPad(maybenot.NormalSent,
		maybenot.Weibull{Scale: 1.3832926042292748, Shape: 8.766888541863576},
		torPareto(1.9667283364576538, 0.05282296143414936))
}

// BreakPadServer returns the server's machine of Break-Pad (see
// BreakPadClient). The server starts on its first normal packet received;
// its threshold is drawn from a Weibull distribution (scale 1.194, shape
// 2.239) and its bursts' lengths from a Pareto distribution (from Tor's
// generalized Pareto with parameters 7.010 and -1.752, the sign dropped).
// Padding is limited to 1,500 packets, then to half of the packets sent.
//
// The machine is fixed; the error is always nil.
func BreakPadServer() ([]maybenot.Machine, error) {
	return breakPad(maybenot.NormalRecv,
		maybenot.Weibull{Scale: 1.1939537311219628, Shape: 2.2388583813756533},
		torPareto(7.009539453953314, -1.7523848634883286))
}

// breakPad is the Break-Pad machine that starts on the event start, draws
// its threshold from threshold and the length of its bursts from burst.
func breakPad(start maybenot.Event, threshold maybenot.Weibull, burst maybenot.Dist) ([]maybenot.Machine, error) {
	var first transitions
	first[start] = to(1)
	states := []maybenot.State{
		{Transitions: first},
		// Draw the threshold, then wait for a packet received.
		{
			CounterA:    set(maybenot.Dist{Type: threshold}),
			Transitions: transitions{maybenot.NormalRecv: to(2)},
		},
		// Count packets received down; a normal packet sent starts over.
		{
			CounterA: decrement(),
			Transitions: transitions{
				maybenot.NormalSent:  to(1),
				maybenot.TunnelRecv:  to(2),
				maybenot.CounterZero: to(3),
			},
		},
		// The burst of padding, then back to the start.
		{
			Action: maybenot.SendPadding{Timeout: constant(1), Limit: &burst},
			Transitions: transitions{
				maybenot.PaddingSent:  to(3),
				maybenot.LimitReached: to(0),
			},
		},
	}
	m, err := machine("break_pad", 1500, 0.5, 0, 0, states)
	if err != nil {
		return nil, err
	}
	return []maybenot.Machine{m}, nil
}

// torPareto is the Pareto distribution standing for Tor's generalized
// Pareto distribution with location 0, scale sigma and shape |xi|: scale
// sigma/|xi| and shape 1/|xi|, plus 1 so that a burst has at least one
// packet.
func torPareto(sigma, xi float64) maybenot.Dist {
	xi = math.Abs(xi)
	return maybenot.Dist{Type: maybenot.Pareto{Scale: sigma / xi, Shape: 1 / xi}, Start: 1}
}
