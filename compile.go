package maybenot

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"weak"

	"github.com/maybenot-go/maybenot/internal/bincode"
)

// A program is a set of machines compiled for the trigger path: for each
// state, the events it has transitions for, its transition lists as tables
// of cumulative probabilities, and its action and counters decoded once.
// A program is never modified after compile returns, so any number of
// frameworks share it (see programFor).
type program struct {
	machines []progMachine
	// events has bit e set when some state has transitions for event e.
	events uint16
	// quiet has bit e%16 set for the events e that, alone in a call with
	// no signal pending, change nothing but the framework's time: the
	// events that only transition every machine, but NormalSent (which
	// is counted), that no state has transitions for, and those that a
	// caller's call ignores (the framework's own and unknown ones; an
	// unknown event whose value modulo 16 is that of a known one is
	// ignored like it or goes the long way, to the same effect).
	quiet uint16
}

// progMachine is one compiled machine.
type progMachine struct {
	states          []progState
	allowedPadding  uint64
	maxPaddingFrac  float64
	allowedBlocked  uint64 // microseconds
	maxBlockingFrac float64
}

// progState is one compiled state.
type progState struct {
	// mask has bit e set when the state has transitions for event e,
	// whose list is trans[ends[e]:ends[e+1]] (ends[0] is 0; the array is
	// rounded up to 16 so that an Event indexes it without a check).
	// Entries that can never be chosen are left out.
	mask uint16
	ends [16]uint32
	// certain has bit e set when the list for e is one transition that is
	// always taken (its probability is 1, or rounds the sum up to 1).
	certain uint16
	trans   []progTrans
	// machine is the machine the state belongs to.
	machine *progMachine

	// action is the state's action with every field but the machine and
	// the sampled times filled in; Kind 0 means no action.
	action            TriggerAction
	timeout, duration progDist
	// limited says whether the action has a limit distribution.
	limited bool
	limit   progDist

	// counterA and counterB are the state's counter updates (nil: none);
	// counters says whether there is either.
	counterA, counterB *Counter
	counters           bool
	// plain says that entering the state does nothing: it has no action
	// and no counter updates.
	plain bool
}

// progTrans is one entry of a compiled transition list: sum is the float32
// running sum of the list's probabilities up to and including this entry,
// in list order, exactly as the reference accumulates it; state is the
// target, and to the target's compiled state (nil for StateEnd and
// StateSignal).
type progTrans struct {
	sum   float32
	state uint32
	to    *progState
}

// progDist is a distribution to sample or, if sampling it takes no random
// number (Uniform with Low == High, say), the one value it always gives.
type progDist struct {
	dist  *sampledDist // nil: fixed holds the value
	fixed uint64       // the value in microseconds or, for a limit, as a count
}

// sampledDist is a distribution that draws. The types the deployed
// machines sample, Uniform, Normal, Weibull and Binomial with no trials,
// are sampled from parameters prepared once (kind is theirs), with the
// same draws and results as Dist.Sample; the others (kind numDistKinds)
// through Dist.Sample.
type sampledDist struct {
	d    Dist
	kind distKind
	// a and b are Uniform's Low and High-Low, Normal's Mean and Stdev,
	// Weibull's Scale and 1/Shape.
	a, b float64
}

// sample samples d, which is not fixed, as Dist.Sample does.
func (d *progDist) sample(rng rand.Source) float64 {
	s := d.dist
	var x float64
	switch s.kind {
	case kindUniform:
		x = uniformDraw(s.a, s.b, rng)
	case kindNormal:
		x = normalDraw(s.a, s.b, rng)
	case kindWeibull:
		x = weibullDraw(s.a, s.b, rng)
	case kindBinomial:
		x = binomialNoTrials(rng)
	default:
		return s.d.Sample(rng)
	}
	return finish(x, s.d.Start, s.d.Max)
}

// micros samples d as a timeout or duration (see sampleMicros).
func (d *progDist) micros(rng rand.Source) uint64 {
	if d.dist == nil {
		return d.fixed
	}
	return roundMicros(d.sample(rng))
}

// count samples d as a state limit (see sampleLimit).
func (d *progDist) count(rng rand.Source) uint64 {
	if d.dist == nil {
		return d.fixed
	}
	return roundLimit(d.sample(rng))
}

// list returns the compiled transition list of the state for event e,
// which must be below NumEvents.
func (s *progState) list(e Event) []progTrans {
	return s.trans[s.ends[e%16]:s.ends[(e+1)%16]]
}

// first returns the first entry of the state's list for event e, which
// must not be empty.
func (s *progState) first(e Event) *progTrans { return &s.trans[s.ends[e%16]] }

// choose returns the index of the transition a draw r picks in ts, or
// len(ts) when it picks none: the first transition whose running sum
// exceeds r, as in a walk down the list. The sums never decrease, so a
// binary search finds it in O(log n) for a list of n transitions.
func choose(ts []progTrans, r float32) int {
	if len(ts) > 8 {
		return search(ts, r)
	}
	for k := range ts {
		if r < ts[k].sum {
			return k
		}
	}
	return len(ts)
}

// search is choose by binary search.
func search(ts []progTrans, r float32) int {
	// The answer lies in [lo, hi].
	lo, hi := 0, len(ts)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if r < ts[mid].sum {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// compile compiles machines, which must be valid. It shares no memory with
// them.
func compile(machines []Machine) *program {
	var nstates, ntrans int
	for i := range machines {
		nstates += len(machines[i].States)
		for s := range machines[i].States {
			for _, ts := range machines[i].States[s].Transitions {
				ntrans += len(ts)
			}
		}
	}
	p := &program{machines: make([]progMachine, len(machines))}
	states := make([]progState, nstates)
	trans := make([]progTrans, 0, ntrans)
	for i := range machines {
		m := &machines[i]
		pm := &p.machines[i]
		pm.states, states = states[:len(m.States):len(m.States)], states[len(m.States):]
		pm.allowedPadding = m.AllowedPaddingPackets
		pm.maxPaddingFrac = m.MaxPaddingFrac
		pm.allowedBlocked = m.AllowedBlockedMicrosec
		pm.maxBlockingFrac = m.MaxBlockingFrac
		for s := range m.States {
			pm.states[s].machine = pm
			trans = compileState(&pm.states[s], &m.States[s], pm.states, trans)
			p.events |= pm.states[s].mask
		}
	}
	p.quiet = everyMachine&^(1<<NormalSent)&^p.events | callerIgnored
	return p
}

// compileState compiles st, a state of a machine compiled into states, into
// s, appending its transitions to trans, and returns trans.
func compileState(s *progState, st *State, states []progState, trans []progTrans) []progTrans {
	start := len(trans)
	for e, ts := range st.Transitions {
		if ts != nil {
			s.mask |= 1 << e
		}
		var sum float32
		for _, t := range ts {
			sum += t.Probability
			// A NaN probability (which validates, as in the reference)
			// makes every later sum NaN: no draw is below them.
			if sum != sum {
				break
			}
			var to *progState
			if int64(t.State) < int64(len(states)) {
				to = &states[t.State]
			}
			trans = append(trans, progTrans{sum: sum, state: t.State, to: to})
			// Every draw is below 1: later entries are never chosen.
			if sum >= 1 {
				break
			}
		}
		s.ends[e+1] = uint32(len(trans) - start)
		if n := len(trans) - start - int(s.ends[e]); n == 1 && trans[len(trans)-1].sum >= 1 {
			s.certain |= 1 << e
		}
	}
	s.trans = trans[start:len(trans):len(trans)]

	a := &s.action
	switch act := st.Action.(type) {
	case Cancel:
		a.Kind, a.Timer = ActionCancel, act.Timer
	case SendPadding:
		a.Kind, a.Bypass, a.Replace = ActionSendPadding, act.Bypass, act.Replace
		s.timeout = compileDist(&act.Timeout, sampleMicros)
	case BlockOutgoing:
		a.Kind, a.Bypass, a.Replace = ActionBlockOutgoing, act.Bypass, act.Replace
		s.timeout = compileDist(&act.Timeout, sampleMicros)
		s.duration = compileDist(&act.Duration, sampleMicros)
	case UpdateTimer:
		a.Kind, a.Replace = ActionUpdateTimer, act.Replace
		s.duration = compileDist(&act.Duration, sampleMicros)
	}
	if l := actionLimit(st.Action); l != nil {
		s.limited = true
		s.limit = compileDist(l, func(d Dist, rng rand.Source) uint64 { return sampleLimit(&d, rng) })
	}

	s.counterA, s.counterB = copyCounter(st.CounterA), copyCounter(st.CounterB)
	s.counters = st.CounterA != nil || st.CounterB != nil
	s.plain = s.action.Kind == 0 && !s.counters
	return trans
}

// compileDist compiles d, sampled with sample. Sampling d once with a
// source that notes whether it is used tells whether every sample draws
// nothing and so gives the same value; the source is a real generator so
// that samplers which loop until a draw fits still end.
func compileDist(d *Dist, sample func(Dist, rand.Source) uint64) progDist {
	probe := probeSource{src: rand.NewPCG(1, 2)}
	v := sample(*d, &probe)
	if !probe.used {
		return progDist{fixed: v}
	}
	s := &sampledDist{d: *d, kind: numDistKinds}
	// Parameters Dist.Sample would reject go the long way, which gives
	// what it gives for them.
	switch t := d.Type.(type) {
	case Uniform:
		if t.Low != t.High {
			s.kind, s.a, s.b = kindUniform, t.Low, t.High-t.Low
		}
	case Normal:
		if finite(t.Stdev) {
			s.kind, s.a, s.b = kindNormal, t.Mean, t.Stdev
		}
	case Weibull:
		if t.Scale > 0 && t.Shape > 0 {
			s.kind, s.a, s.b = kindWeibull, t.Scale, 1/t.Shape
		}
	case Binomial:
		// Probability 0 or 1 draws nothing, and is fixed.
		if t.Trials == 0 && t.Probability > 0 && t.Probability < 1 {
			s.kind = kindBinomial
		}
	}
	return progDist{dist: s}
}

// probeSource is a random source that notes whether it was used.
type probeSource struct {
	src  *rand.PCG
	used bool
}

func (s *probeSource) Uint64() uint64 {
	s.used = true
	return s.src.Uint64()
}

// copyCounter returns a copy of c that shares no memory with it, or nil.
func copyCounter(c *Counter) *Counter {
	if c == nil {
		return nil
	}
	cc := *c
	if c.Dist != nil {
		d := *c.Dist
		cc.Dist = &d
	}
	return &cc
}

// programs holds the programs in use, keyed by the bincode encoding of
// their machines, one after another: the encoding holds every field a
// machine has, bit for bit, so equal keys mean machines that behave the
// same. An entry lives as long as some framework uses its program.
var programs struct {
	sync.Mutex
	m map[string]weak.Pointer[program]
}

// programFor returns the program of machines, validating them first (the
// error names the machine at fault). Frameworks of equal machines share one
// program: it is compiled once, and machines whose program exists are known
// to be valid. The cost is that of encoding the machines, plus validating
// and compiling them when no framework runs them yet; all three are linear
// in the size of the machines.
func programFor(machines []Machine) (*program, error) {
	bp := keyBuffers.Get().(*[]byte)
	key := programKey(*bp, machines)
	defer func() {
		if cap(key) <= maxPooledKey {
			*bp = key[:0]
			keyBuffers.Put(bp)
		}
	}()
	programs.Lock()
	p := programs.m[string(key)].Value()
	programs.Unlock()
	if p != nil {
		return p, nil
	}

	for i := range machines {
		if err := machines[i].Validate(); err != nil {
			return nil, fmt.Errorf("machine %d: %w", i, err)
		}
	}
	p = compile(machines)

	programs.Lock()
	defer programs.Unlock()
	if q := programs.m[string(key)].Value(); q != nil {
		return q, nil // compiled meanwhile for another framework
	}
	if programs.m == nil {
		programs.m = make(map[string]weak.Pointer[program])
	}
	k := string(key)
	programs.m[k] = weak.Make(p)
	runtime.AddCleanup(p, forgetProgram, k)
	return p, nil
}

// keyBuffers holds buffers for programFor's keys, which are dropped once
// looked up (the map holds a copy), so that a framework of machines that
// have a program allocates nothing for its key. Buffers that grew beyond
// maxPooledKey are left to the garbage collector.
var keyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

const maxPooledKey = 64 << 10

// programKey returns the key of machines in programs, appended to buf[:0].
func programKey(buf []byte, machines []Machine) []byte {
	e := bincode.NewEncoder(buf[:0])
	for i := range machines {
		appendMachine(&e, &machines[i])
	}
	return e.Bytes()
}

// forgetProgram removes the entry of key once its program is gone, unless
// a program compiled since took its place.
func forgetProgram(key string) {
	programs.Lock()
	defer programs.Unlock()
	if programs.m[key].Value() == nil {
		delete(programs.m, key)
	}
}
