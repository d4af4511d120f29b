package machines

import (
	"math"

	"github.com/maybenot-go/maybenot"
)

// RegulatorClient returns the client's three machines of RegulaTor, from
// "RegulaTor: A Straightforward Website Fingerprinting Defense" by Holland
// and Hopper, PETS 2022.
//
// RegulaTor makes traffic follow a fixed shape. On the client, which sends
// far less than it receives, it blocks all outgoing traffic from the first
// normal packet on and sends one packet (normal if one is queued, else
// padding) for every u packets received, so upload follows download at the
// ratio u. So that no packet waits for long, every c seconds without a
// packet sent it lifts the blocking for a moment, letting out what is
// queued.
//
// The machines, in order: the seal (blocks outgoing traffic, bypassable,
// for a day, on the first normal packet sent, then ends); the loop (after
// the first normal packet, sends a packet after every floor(u) packets
// received, and after one more with probability frac(u), so that on average
// it sends one packet per u received); the queue (after each normal packet
// queued, a timer of c seconds, reset by every packet sent, whose expiry
// releases the blocking and restores it 1 µs later).
//
// Parameters:
//   - u: the download-to-upload packet ratio, ≥ 0 (the paper uses 3.95).
//     Its fractional part becomes a float32 probability.
//   - c: the delay cap, in seconds (the paper uses 1.77).
//
// RegulatorClient returns an error wrapping ErrInvalidParameter exactly
// where the reference panics: u not finite, or a fractional part of u that
// as a float32 is not in [0, 1) (u negative and not an integer, or less
// than 2^-25 or so below an integer, where the probability rounds to 1).
// Every c is accepted; one that is negative or not finite gives a timer
// that expires at once.
func RegulatorClient(u, c float64) ([]maybenot.Machine, error) {
	const name = "regulator_client"
	if math.IsNaN(u) || math.IsInf(u, 0) {
		return nil, paramError(name, "u", "%v: must be finite", u)
	}
	if p := float32(u - math.Trunc(u)); !(p >= 0 && p < 1) {
		return nil, paramError(name, "u", "%v: its fractional part, as a float32 probability, must be in [0, 1): u must be >= 0 (or a negative integer) and not within 2^-25 below an integer", u)
	}
	return collect(name,
		sealStates(),
		regulatorLoopStates(u),
		regulatorQueueStates(c),
	)
}

// RegulatorServer returns the server's seven machines of RegulaTor (see
// RegulatorClient for the paper).
//
// On the server, which sends most of the traffic, RegulaTor blocks all
// outgoing traffic from the first normal packet on and sends packets
// (normal if queued, else padding) at a rate that starts at r packets per
// second and decays as r·d^s, s seconds after the start, but never below 1
// packet per second. When more than t times the current rate of packets are
// queued (a new burst), the rate surges back to r. Once the padding budget
// is spent, the padding stops and blocking is kept only as the rate
// dictates. The machines approximate the decaying rate with numBins bins of
// constant rate, each lasting the time the rate takes to fall to 1 divided
// by numBins, at the mean rate of the curve over the bin.
//
// The machines, in order: the seal (as for the client); the boot (on
// blocking, 10 padding packets at 10 per second, then a signal that starts
// the rate machine); the rate machine (on each signal, restarts the
// decaying rate from r, padding through the bins, then at 1 per second;
// ends when blocking ends); the surge machine (counts normal packets queued
// in each bin and signals a surge when they exceed ceil(rate·t)+1); the echo
// (echoes every signal, so that the surge machine restarts with the rate);
// the budget machine (counts normal packets queued against packets sent
// from a budget drawn uniformly from [1, n]; when it is spent, it ends
// blocking and the padding with it); the blocking rate machine (once
// blocking ends, lets packets out at the same decaying rate by blocking in
// between).
//
// Parameters:
//   - r: the initial and surge rate, in packets per second, > 0 (the paper
//     uses 277).
//   - d: the decay of the rate, per second, in (0, 1) (the paper uses
//     0.94).
//   - t: the surge threshold, as a multiple of the current rate (the paper
//     uses 3.55).
//   - n: the padding budget, in packets, ≥ 1 (the paper uses 3,550).
//   - numBins: the number of bins approximating the decaying rate, 0 to
//     33,332 (the surge machine has 3·numBins+2 states); the reference's
//     own uses are in the tens.
//
// RegulatorServer returns an error wrapping ErrInvalidParameter exactly
// where the reference panics: n not finite or below 1, or more bins than
// the surge machine can have states. r, d and t outside their ranges give
// machines whose rates are meaningless (a rate of NaN or infinity is a
// timeout of 0 or NaN, which samples as 0), as in the reference.
func RegulatorServer(r, d, t, n float64, numBins int) ([]maybenot.Machine, error) {
	const name = "regulator_server"
	if math.IsNaN(n) || math.IsInf(n, 0) || n < 1 {
		return nil, paramError(name, "n", "%v: must be finite and at least 1, as the budget is drawn from [1, n]", n)
	}
	if numBins < 0 || numBins > maxRegulatorBins {
		return nil, binsError(numBins)
	}
	delta, rates := rateBins(r, d, numBins)
	return collect(name,
		sealStates(),
		regulatorBootStates(10, 10),
		regulatorRateStates(delta, rates),
		regulatorSurgeStates(delta, rates, t),
		regulatorEchoStates(),
		regulatorBudgetStates(n),
		regulatorBlockRateStates(delta, rates),
	)
}

// maxRegulatorBins is the most bins RegulatorServer takes: the surge
// machine has 3 states per bin and 2 more.
const maxRegulatorBins = (maybenot.StateMax - 2) / 3

// binsError is the error for a number of bins out of range.
func binsError[T int | uint64](n T) error {
	return paramError("regulator_server", "b", "%d: must be from 0 to %d (the surge machine has 3·b+2 states)", n, maxRegulatorBins)
}

// collect makes machines with no limits on padding and blocking (the
// RegulaTor and Tamaraw machines' limits) of each list of states.
func collect(builder string, lists ...[]maybenot.State) ([]maybenot.Machine, error) {
	ms := make([]maybenot.Machine, len(lists))
	for i, states := range lists {
		m, err := machine(builder, unlimited, 0, unlimited, 0, states)
		if err != nil {
			return nil, err
		}
		ms[i] = m
	}
	return ms, nil
}

// rateBins returns the length of each bin, in seconds, and each bin's
// rate, in packets per second: the mean of r·d^t over the bin, the bins
// splitting the time the rate takes to fall to 1 into numBins.
func rateBins(r, d float64, numBins int) (delta float64, rates []float64) {
	lnD := log(d)
	end := log(1/r) / lnD
	delta = end / float64(numBins)
	rates = make([]float64, numBins)
	for i := range rates {
		t0 := float64(i) * delta
		t1 := float64(i+1) * delta
		// The integral of r·d^t over [t0, t1], divided by delta.
		rates[i] = r / (delta * lnD) * (pow(d, t1) - pow(d, t0))
	}
	return delta, rates
}

// sealStates is RegulaTor's and Tamaraw's seal: on the first normal packet
// queued, block outgoing traffic (bypassable) for a day, then end.
func sealStates() []maybenot.State {
	return []maybenot.State{
		{Transitions: transitions{maybenot.NormalSent: to(1)}},
		{
			Action:      blockAll(),
			Transitions: transitions{maybenot.BlockingBegin: to(maybenot.StateEnd)},
		},
	}
}

// regulatorLoopStates sends a packet for every u received, after the first
// normal packet queued.
func regulatorLoopStates(u float64) []maybenot.State {
	wait := fixed(math.Floor(u))
	states := []maybenot.State{
		{Transitions: transitions{maybenot.NormalSent: to(1)}},
		// Set the count of packets to receive before sending one.
		{
			CounterA:    set(wait),
			Transitions: transitions{maybenot.TunnelRecv: to(2)},
		},
	}
	// The loop: count down on each packet received (base); at zero, send
	// (send) or, with probability frac(u), wait for one more packet
	// (extra) first.
	base := len(states)
	extra, send := index(base+1), index(base+2)
	pExtra := float32(u - math.Trunc(u))
	onZero := []maybenot.Trans{{State: send, Probability: 1 - pExtra}}
	if pExtra > 0 {
		onZero = append(onZero, maybenot.Trans{State: extra, Probability: pExtra})
	}
	return append(states,
		maybenot.State{
			CounterA: decrement(),
			Transitions: transitions{
				maybenot.TunnelRecv:  to(index(base)),
				maybenot.CounterZero: onZero,
			},
		},
		maybenot.State{Transitions: transitions{maybenot.TunnelRecv: to(send)}},
		maybenot.State{
			Action: maybenot.SendPadding{
				Bypass: true, Replace: true,
				Timeout: constant(0),
			},
			CounterA:    set(wait),
			Transitions: transitions{maybenot.TunnelSent: to(index(base))},
		},
	)
}

// regulatorQueueStates keeps normal packets from waiting more than c
// seconds: c seconds after a normal packet queued with no packet sent, it
// releases the blocking and blocks again 1 µs later.
func regulatorQueueStates(c float64) []maybenot.State {
	return []maybenot.State{
		// Wait for a normal packet queued, cancelling any timer.
		{
			Action:      maybenot.Cancel{Timer: maybenot.TimerAll},
			Transitions: transitions{maybenot.NormalSent: to(1)},
		},
		// A timer of c seconds, restarted by every packet sent.
		{
			Action: maybenot.UpdateTimer{Replace: true, Duration: constant(c * 1e6)},
			Transitions: transitions{
				maybenot.TunnelSent: to(1),
				maybenot.TimerEnd:   to(2),
			},
		},
		// Release the blocking: everything queued goes out.
		{
			Action:      unblock(),
			Transitions: transitions{maybenot.BlockingEnd: to(3)},
		},
		// Block again after 1 µs, and start over.
		{
			Action: maybenot.BlockOutgoing{
				Bypass: true, Replace: true,
				Timeout:  constant(1),
				Duration: constant(maxBlock),
			},
			Transitions: transitions{maybenot.BlockingBegin: to(0)},
		},
	}
}

// regulatorBootStates sends n padding packets at pps packets per second
// once blocking begins, then signals.
func regulatorBootStates(pps float64, n int) []maybenot.State {
	return []maybenot.State{
		{Transitions: transitions{maybenot.BlockingBegin: to(1)}},
		{
			Action: maybenot.SendPadding{
				Bypass: true, Replace: true,
				Timeout: constant(1e6 / pps),
				Limit:   ptr(constant(float64(n))),
			},
			Transitions: transitions{
				maybenot.PaddingSent:  to(1),
				maybenot.LimitReached: to(maybenot.StateSignal),
				maybenot.BlockingEnd:  to(maybenot.StateEnd),
			},
		},
	}
}

// binTimer is the state starting a bin: a timer for the bin's length, and
// on to the bin's next state when it starts. extra are further
// transitions.
func binTimer(delta float64, next uint32, extra transitions) maybenot.State {
	extra[maybenot.TimerBegin] = to(next)
	return maybenot.State{
		Action:      maybenot.UpdateTimer{Replace: true, Duration: constant(delta * 1e6)},
		Transitions: extra,
	}
}

// regulatorRateStates pads at each bin's rate after a signal, then at 1
// packet per second; a signal restarts it, and the end of blocking ends
// it.
func regulatorRateStates(delta float64, rates []float64) []maybenot.State {
	const restart = 1
	states := make([]maybenot.State, 0, 2*len(rates)+2)
	states = append(states, maybenot.State{Transitions: transitions{
		maybenot.Signal:      to(restart),
		maybenot.BlockingEnd: to(maybenot.StateEnd),
	}})
	for _, rate := range rates {
		start := len(states)
		states = append(states,
			binTimer(delta, index(start+1), transitions{
				maybenot.Signal:      to(restart),
				maybenot.BlockingEnd: to(maybenot.StateEnd),
			}),
			maybenot.State{
				Action: maybenot.SendPadding{
					Bypass: true, Replace: true,
					Timeout: constant(1e6 / rate),
				},
				Transitions: transitions{
					maybenot.TunnelSent:  to(index(start + 1)),
					maybenot.TimerEnd:    to(index(start + 2)),
					maybenot.Signal:      to(restart),
					maybenot.BlockingEnd: to(maybenot.StateEnd),
				},
			},
		)
	}
	return append(states, maybenot.State{
		Action: maybenot.SendPadding{
			Bypass: true, Replace: true,
			Timeout: constant(1e6),
		},
		Transitions: transitions{
			maybenot.TunnelSent:  to(index(len(states))),
			maybenot.Signal:      to(restart),
			maybenot.BlockingEnd: to(maybenot.StateEnd),
		},
	})
}

// regulatorSurgeStates follows the rate machine's bins and signals a surge
// when more than ceil(rate·threshold)+1 normal packets are queued within a
// bin (and on any normal packet queued after the last bin).
func regulatorSurgeStates(delta float64, rates []float64, threshold float64) []maybenot.State {
	const restart = 1
	states := make([]maybenot.State, 0, 3*len(rates)+2)
	states = append(states, maybenot.State{Transitions: transitions{maybenot.Signal: to(restart)}})
	for _, rate := range rates {
		start := len(states)
		nextBin := index(start + 3)
		// Count down from the threshold on every normal packet queued.
		count := func(c *maybenot.Counter) maybenot.State {
			return maybenot.State{
				CounterA: c,
				Transitions: transitions{
					maybenot.NormalSent:  to(index(start + 2)),
					maybenot.TimerEnd:    to(nextBin),
					maybenot.CounterZero: to(maybenot.StateSignal),
					maybenot.Signal:      to(restart),
				},
			}
		}
		states = append(states,
			binTimer(delta, index(start+1), transitions{maybenot.Signal: to(restart)}),
			count(set(constant(math.Ceil(rate*threshold)+1))),
			count(decrement()),
		)
	}
	return append(states, maybenot.State{Transitions: transitions{
		maybenot.NormalSent: to(maybenot.StateSignal),
		maybenot.Signal:     to(restart),
	}})
}

// regulatorEchoStates signals on every signal.
func regulatorEchoStates() []maybenot.State {
	return []maybenot.State{{Transitions: transitions{maybenot.Signal: to(maybenot.StateSignal)}}}
}

// regulatorBudgetStates counts, once blocking begins, normal packets
// queued up and packets sent down from a budget drawn from [1, n]; when the
// count reaches zero it ends blocking, with a signal in between
// (BlockingBegin, Signal, BlockingEnd), and ends.
func regulatorBudgetStates(n float64) []maybenot.State {
	count := func(c *maybenot.Counter) maybenot.State {
		return maybenot.State{CounterA: c, Transitions: transitions{
			maybenot.NormalSent:  to(2),
			maybenot.TunnelSent:  to(3),
			maybenot.CounterZero: to(4),
		}}
	}
	return []maybenot.State{
		{Transitions: transitions{maybenot.BlockingBegin: to(1)}},
		{
			// From 1: a budget of 0 would never reach CounterZero.
			CounterA: set(maybenot.Dist{Type: maybenot.Uniform{Low: 1, High: n}}),
			Transitions: transitions{
				maybenot.NormalSent: to(2),
				maybenot.TunnelSent: to(3),
			},
		},
		count(&maybenot.Counter{Operation: maybenot.CounterIncrement}),
		count(decrement()),
		{
			Action: unblock(),
			Transitions: transitions{
				maybenot.BlockingBegin: to(maybenot.StateSignal),
				maybenot.Signal:        to(maybenot.StateEnd),
			},
		},
	}
}

// regulatorBlockRateStates, once blocking ends, blocks in each bin for
// 1/rate seconds at a time, letting packets out at the bin's rate, then
// blocks for 1 µs after a timeout of 1,000 s, up to 60 times; a signal
// restarts it.
func regulatorBlockRateStates(delta float64, rates []float64) []maybenot.State {
	const restart = 1
	states := make([]maybenot.State, 0, 2*len(rates)+2)
	states = append(states, maybenot.State{Transitions: transitions{maybenot.BlockingEnd: to(restart)}})
	for _, rate := range rates {
		start := len(states)
		states = append(states,
			binTimer(delta, index(start+1), transitions{maybenot.Signal: to(restart)}),
			maybenot.State{
				Action: maybenot.BlockOutgoing{
					Bypass: true, Replace: true,
					Timeout:  constant(0),
					Duration: constant(1e6 / rate),
				},
				Transitions: transitions{
					maybenot.BlockingEnd: to(index(start + 1)),
					maybenot.TimerEnd:    to(index(start + 2)),
					maybenot.Signal:      to(restart),
				},
			},
		)
	}
	return append(states, maybenot.State{
		Action: maybenot.BlockOutgoing{
			Bypass: true, Replace: true,
			Timeout:  constant(1e9),
			Duration: constant(1),
			Limit:    ptr(constant(60)),
		},
		Transitions: transitions{
			maybenot.BlockingEnd:  to(index(len(states))),
			maybenot.Signal:       to(restart),
			maybenot.LimitReached: to(maybenot.StateEnd),
		},
	})
}
