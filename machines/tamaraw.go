package machines

import "github.com/maybenot-go/maybenot"

// Tamaraw returns the two machines of Tamaraw, from "A Systematic Approach
// to Developing and Evaluating Website Fingerprinting Defenses" by Cai et
// al., CCS 2014, with the soft stop condition of Gong et al., "WFDefProxy:
// Real World Implementation and Evaluation of Website Fingerprinting
// Defenses", TIFS 2023.
//
// Tamaraw sends at a constant rate: from the first normal packet queued it
// blocks all outgoing traffic and sends one packet (normal if one is
// queued, else padding) every p seconds. It stops once no normal packet has
// been queued for stopWindow microseconds, after padding the number of
// packets sent up to a multiple of 100, and starts again on the next normal
// packet.
//
// The machines, in order: the padding machine (on a normal packet queued,
// blocks outgoing traffic, bypassable, for a day, and pads every p seconds
// until blocking ends, then waits for the next normal packet); the stop
// machine (on blocking, counts packets sent modulo 100; with a timer of
// stopWindow restarted by every normal packet queued; when it expires,
// pads 1 µs apart until the count reaches a multiple of 100, then ends
// blocking).
//
// Parameters:
//   - p: the interval between packets, in seconds, > 0 (the paper's
//     client sends one every 0.04 s, its server one every 0.012 s).
//   - stopWindow: how long without a normal packet queued stops the
//     defense, in microseconds, > 0 (for example 3,000,000).
//
// Every p and stopWindow gives valid machines, as in the reference: values
// that are negative or not finite give timeouts and timers that expire at
// once. So the error is always nil.
func Tamaraw(p, stopWindow float64) ([]maybenot.Machine, error) {
	return collect("tamaraw", tamarawPaddingStates(p), tamarawStopStates(stopWindow))
}

// tamarawPaddingStates blocks on a normal packet queued and pads every p
// seconds until blocking ends.
func tamarawPaddingStates(p float64) []maybenot.State {
	return []maybenot.State{
		{Transitions: transitions{maybenot.NormalSent: to(1)}},
		{
			Action:      blockAll(),
			Transitions: transitions{maybenot.BlockingBegin: to(2)},
		},
		{
			Action: maybenot.SendPadding{
				Bypass: true, Replace: true,
				Timeout: constant(1000 * 1000 * p),
			},
			Transitions: transitions{
				maybenot.BlockingEnd: to(0),
				maybenot.TunnelSent:  to(2),
			},
		},
	}
}

// tamarawStopStates ends blocking stopWindow µs after the last normal
// packet queued, once the packets sent are a multiple of 100.
func tamarawStopStates(stopWindow float64) []maybenot.State {
	return []maybenot.State{
		// Start when the padding machine blocks.
		{Transitions: transitions{maybenot.BlockingBegin: to(1)}},
		// Set the count of packets to a multiple of 100.
		{
			CounterA: set(constant(100)),
			Transitions: transitions{
				maybenot.TunnelSent: to(2),
				maybenot.NormalSent: to(3),
				maybenot.TimerEnd:   to(4),
			},
		},
		// Count packets sent down, starting over at zero.
		{
			CounterA: decrement(),
			Transitions: transitions{
				maybenot.CounterZero: to(1),
				maybenot.TunnelSent:  to(2),
				maybenot.NormalSent:  to(3),
				maybenot.TimerEnd:    to(4),
			},
		},
		// (Re)start the stop window on a normal packet queued.
		{
			Action: maybenot.UpdateTimer{Replace: true, Duration: constant(stopWindow)},
			Transitions: transitions{
				maybenot.NormalSent: to(3),
				maybenot.TimerEnd:   to(4),
			},
		},
		// The window passed: pad until the count reaches zero.
		{
			Action: maybenot.SendPadding{
				Bypass: true, Replace: true,
				Timeout: constant(1),
			},
			CounterA: decrement(),
			Transitions: transitions{
				maybenot.PaddingSent: to(4),
				maybenot.CounterZero: to(5),
			},
		},
		// End blocking, and wait for the next start.
		{
			Action:      unblock(),
			Transitions: transitions{maybenot.BlockingEnd: to(0)},
		},
	}
}
