package maybenot

import "math/rand/v2"

// machineGen draws random valid machines for benchmarks, soak and fuzz
// tests. Probabilities are multiples of 1/8, so their float32 sums are
// exact and never exceed 1.
type machineGen struct {
	r *rand.Rand
	// uniformOnly limits distributions to Uniform, as the recorded runs of
	// the reference do.
	uniformOnly bool
	// noEnd leaves out transitions to StateEnd, for machines that must
	// keep running.
	noEnd bool
	// busy gives every state transitions on the six packet events, so the
	// machine keeps moving under packet traffic alone.
	busy bool
}

func (g machineGen) machine(states int) Machine {
	r := g.r
	m := Machine{States: make([]State, states)}
	if r.IntN(2) == 0 {
		m.AllowedPaddingPackets = uint64(r.IntN(1000))
		m.MaxPaddingFrac = float64(r.IntN(10)) / 10
	} else {
		m.AllowedPaddingPackets = 1<<64 - 1
	}
	if r.IntN(2) == 0 {
		m.AllowedBlockedMicrosec = uint64(r.IntN(1_000_000))
		m.MaxBlockingFrac = float64(r.IntN(10)) / 10
	}
	for i := range m.States {
		m.States[i] = g.state(states)
	}
	return m
}

func (g machineGen) state(states int) State {
	r := g.r
	var s State
	switch r.IntN(5) {
	case 0:
		s.Action = Cancel{Timer: Timer(r.IntN(3))}
	case 1:
		s.Action = SendPadding{Bypass: r.IntN(2) == 0, Replace: r.IntN(2) == 0, Timeout: g.dist(), Limit: g.optDist()}
	case 2:
		s.Action = BlockOutgoing{Bypass: r.IntN(2) == 0, Replace: r.IntN(2) == 0, Timeout: g.dist(), Duration: g.dist(), Limit: g.optDist()}
	case 3:
		s.Action = UpdateTimer{Replace: r.IntN(2) == 0, Duration: g.dist(), Limit: g.optDist()}
	}
	s.CounterA = g.counter()
	s.CounterB = g.counter()
	for e := range s.Transitions {
		if r.IntN(3) == 0 || (g.busy && Event(e) <= TunnelSent) {
			s.Transitions[e] = g.transitions(states)
		}
	}
	return s
}

func (g machineGen) transitions(states int) []Trans {
	r := g.r
	var ts []Trans
	left := 8 // eighths of probability still to give out
	for len(ts) < 4 && left > 0 {
		target := uint32(r.IntN(states))
		switch r.IntN(16) {
		case 0:
			if !g.noEnd {
				target = StateEnd
			}
		case 1:
			target = StateSignal
		}
		dup := false
		for _, t := range ts {
			dup = dup || t.State == target
		}
		if dup {
			break
		}
		eighths := 1 + r.IntN(left)
		left -= eighths
		ts = append(ts, Trans{State: target, Probability: float32(eighths) / 8})
		if r.IntN(2) == 0 {
			break
		}
	}
	return ts
}

func (g machineGen) counter() *Counter {
	r := g.r
	if r.IntN(4) != 0 {
		return nil
	}
	c := &Counter{Operation: Operation(r.IntN(3)), Copy: r.IntN(4) == 0}
	if r.IntN(2) == 0 {
		d := g.dist()
		d.Max = float64(r.IntN(20))
		c.Dist = &d
	}
	return c
}

func (g machineGen) optDist() *Dist {
	if g.r.IntN(3) != 0 {
		return nil
	}
	d := g.dist()
	d.Max = float64(g.r.IntN(50))
	return &d
}

// dist returns a valid distribution with values in the range of typical
// timeouts (microseconds).
func (g machineGen) dist() Dist {
	r := g.r
	f := func(lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }
	var t DistType
	kind := kindUniform
	if !g.uniformOnly {
		kind = distKind(r.IntN(int(numDistKinds)))
	}
	switch kind {
	case kindUniform:
		low := float64(r.IntN(100_000))
		if r.IntN(3) == 0 {
			t = Uniform{Low: low, High: low}
		} else {
			t = Uniform{Low: low, High: low + float64(r.IntN(100_000))}
		}
	case kindNormal:
		t = Normal{Mean: f(0, 1e5), Stdev: f(0, 1e4)}
	case kindSkewNormal:
		t = SkewNormal{Location: f(0, 1e5), Scale: f(1, 1e4), Shape: f(-5, 5)}
	case kindLogNormal:
		t = LogNormal{Mu: f(0, 10), Sigma: f(0, 2)}
	case kindBinomial:
		t = Binomial{Trials: uint64(r.IntN(1000)), Probability: f(0, 1)}
	case kindGeometric:
		t = Geometric{Probability: f(0.001, 1)}
	case kindPareto:
		t = Pareto{Scale: f(1, 1e4), Shape: f(0.5, 5)}
	case kindPoisson:
		t = Poisson{Lambda: f(0.1, 1e5)}
	case kindWeibull:
		t = Weibull{Scale: f(1, 1e5), Shape: f(0.5, 5)}
	case kindGamma:
		t = Gamma{Scale: f(1, 1e4), Shape: f(0.5, 10)}
	case kindBeta:
		t = Beta{Alpha: f(0.5, 5), Beta: f(0.5, 5)}
	}
	return Dist{Type: t, Start: float64(r.IntN(3)) * f(0, 1000)}
}
