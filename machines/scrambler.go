package machines

import "github.com/maybenot-go/maybenot"

// ScramblerClient returns the client's machine of Scrambler, from "Raising
// the Bar: Improved Fingerprinting Attacks and Defenses for Video Streaming
// Traffic" by Hasselquist, Witwer, Carlson, Johansson and Carlsson, PETS
// 2024.
//
// On the client, Scrambler is a constant-rate defense of about 3 Mbps: from
// the first normal packet sent or received it blocks outgoing traffic
// (bypassable, for a day) and sends a packet (normal if one is queued, else
// padding) every 4,000 µs, 250 packets per second. The machine has no
// padding or blocking limits of its own.
//
// The machine is fixed; the error is always nil.
func ScramblerClient() ([]maybenot.Machine, error) {
	states := []maybenot.State{
		{Transitions: transitions{
			maybenot.NormalSent: to(1),
			maybenot.NormalRecv: to(1),
		}},
		{
			Action:      blockAll(),
			Transitions: transitions{maybenot.BlockingBegin: to(2)},
		},
		{
			Action: maybenot.SendPadding{
				Bypass: true, Replace: true,
				Timeout: fixed(scramblerClientInterval),
			},
			Transitions: transitions{maybenot.PaddingSent: to(2)},
		},
	}
	m, err := machine("scrambler_client", 0, 0, 0, 0, states)
	if err != nil {
		return nil, err
	}
	return []maybenot.Machine{m}, nil
}

// scramblerClientInterval is the client's interval between packets, in
// microseconds: 250 packets per second.
const scramblerClientInterval = 4000

// ScramblerServer returns the server's two machines of Scrambler (see
// ScramblerClient for the paper).
//
// On the server, Scrambler regularizes packet timing within segments of a
// video stream and randomizes their sizes. From the first normal packet
// queued it blocks outgoing traffic (bypassable, for a day) and sends a
// packet every interval microseconds: at least minCount of them, then, as
// long as normal packets keep coming, more in the same way, and after the
// segment a trail of padding of a length drawn uniformly from
// [minTrail, maxTrail] (from [minTrail/4, maxTrail/4] once the second
// machine has blocked again), after which it starts over. The second
// machine sends a padding packet at once on each normal packet queued (the
// queued packet takes its place) and, after 1.25·minCount of them, blocks
// again, replacing the blocking in place, which moves the first machine to
// its shorter trails.
//
// Parameters:
//   - interval: the time between packets, in microseconds, ≥ 0.
//   - minCount: the least number of packets of a segment, ≥ 0.
//   - minTrail, maxTrail: the range of the trail's length, in packets,
//     0 ≤ minTrail ≤ maxTrail.
//
// ScramblerServer returns an error wrapping ErrInvalidParameter exactly
// where the reference panics: a parameter that is NaN or infinite, or
// minTrail > maxTrail. Negative values give timeouts of 0 and limits of 0,
// as in the reference.
func ScramblerServer(interval, minCount, minTrail, maxTrail float64) ([]maybenot.Machine, error) {
	const name = "scrambler_server"
	for _, p := range []struct {
		name  string
		value float64
	}{{"interval", interval}, {"min_count", minCount}, {"min_trail", minTrail}, {"max_trail", maxTrail}} {
		if !isFinite(p.value) {
			return nil, paramError(name, p.name, "%v: must be finite", p.value)
		}
	}
	if minTrail > maxTrail {
		return nil, paramError(name, "min_trail", "%v: must not be above max_trail %v", minTrail, maxTrail)
	}
	if !isFinite(maxTrail - minTrail) {
		return nil, paramError(name, "max_trail", "%v: the range from min_trail %v overflows", maxTrail, minTrail)
	}
	if !isFinite(minCount * 1.25) {
		return nil, paramError(name, "min_count", "%v: 1.25 times it overflows", minCount)
	}
	one, err := machine(name, 0, 0, 0, 0, scramblerOneStates(interval, minCount, minTrail, maxTrail))
	if err != nil {
		return nil, err
	}
	two, err := machine(name, 0, 0, 0, 0, scramblerTwoStates(minCount))
	if err != nil {
		return nil, err
	}
	return []maybenot.Machine{one, two}, nil
}

// The states of the first server machine.
const (
	scramblerStart = 0 // wait for a normal packet queued
	scramblerBlock = 1 // block
	scramblerMin   = 2 // the first minCount packets
	scramblerLeft  = 3 // L1, then R1, L2 and R2: the rest of the segment and its trail
	scramblerRight = 4
)

// scramblerOneStates is the first server machine: it blocks, sends
// minCount packets, then alternates between sending packets (L and R
// states, swapping on each normal packet queued) until the trail limit.
func scramblerOneStates(interval, minCount, minTrail, maxTrail float64) []maybenot.State {
	states := []maybenot.State{
		{Transitions: transitions{maybenot.NormalSent: to(scramblerBlock)}},
		{
			Action:      blockAll(),
			Transitions: transitions{maybenot.BlockingBegin: to(scramblerMin)},
		},
		{
			Action: maybenot.SendPadding{
				Bypass: true, Replace: true,
				Timeout: fixed(interval),
				Limit:   ptr(fixed(minCount)),
			},
			Transitions: transitions{
				maybenot.PaddingSent:  to(scramblerMin),
				maybenot.LimitReached: to(scramblerRight),
			},
		},
	}
	for i := range 2 {
		low, high := minTrail, maxTrail
		if i == 1 {
			low, high = minTrail/4, maxTrail/4
		}
		left, right := index(scramblerLeft+2*i), index(scramblerRight+2*i)
		states = append(states,
			scramblerTrailState(interval, low, high, left, right, i == 0),
			scramblerTrailState(interval, low, high, right, left, i == 0))
	}
	return states
}

// scramblerTrailState is an L or R state (self) whose opposite is other:
// it pads every interval, swaps to other on each normal packet queued and
// starts over at its limit, drawn from [low, high]. In the first pair, a
// new blocking moves it to its counterpart in the second pair.
func scramblerTrailState(interval, low, high float64, self, other uint32, first bool) maybenot.State {
	s := maybenot.State{
		Action: maybenot.SendPadding{
			Bypass: true, Replace: true,
			Timeout: fixed(interval),
			Limit:   ptr(maybenot.Dist{Type: maybenot.Uniform{Low: low, High: high}}),
		},
		Transitions: transitions{
			maybenot.PaddingSent:  to(self),
			maybenot.NormalSent:   to(other),
			maybenot.LimitReached: to(scramblerStart),
		},
	}
	if first {
		s.Transitions[maybenot.BlockingBegin] = to(self + 2)
	}
	return s
}

// scramblerTwoStates is the second server machine: it counts normal
// packets queued and blocks again after 1.25·minCount of them.
func scramblerTwoStates(minCount float64) []maybenot.State {
	const left, right, signal = 0, 1, 2
	count := func(self, other uint32) maybenot.State {
		return maybenot.State{
			Action: maybenot.SendPadding{
				Bypass: true, Replace: true,
				Timeout: constant(0),
				Limit:   ptr(fixed(minCount * 1.25)),
			},
			Transitions: transitions{
				maybenot.NormalSent:    to(self),
				maybenot.BlockingBegin: to(other),
				maybenot.LimitReached:  to(signal),
			},
		}
	}
	return []maybenot.State{
		count(left, right),
		count(right, left),
		{
			Action:      blockAll(),
			Transitions: transitions{maybenot.BlockingBegin: to(right)},
		},
	}
}
