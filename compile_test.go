package maybenot

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// sampleTransition picks the next state of s on event e as a framework
// does, through s compiled as the one state of a machine.
func (s *State) sampleTransition(e Event, rng rand.Source) (uint32, bool) {
	p := compile([]Machine{{States: []State{*s}}})
	st := &p.machines[0].states[0]
	if st.mask&eventBit(e) == 0 {
		return 0, false
	}
	ts := st.list(e)
	k := choose(ts, unitFloat32(rng))
	if k == len(ts) {
		return 0, false
	}
	return ts[k].state, true
}

// walk picks a transition as the reference does: down the list, adding
// probabilities to a float32 running sum, the first whose sum exceeds r.
func walk(ts []Trans, r float32) (uint32, bool) {
	var sum float32
	for _, t := range ts {
		sum += t.Probability
		if r < sum {
			return t.State, true
		}
	}
	return 0, false
}

// drawsFor returns the draws worth trying on ts: 0, the largest draw,
// and the running sums with the float32 values on either side of each:
// all of them for lists of up to 1000 transitions, a fixed choice of 1000
// of them for longer lists (a walk takes long).
func drawsFor(ts []Trans) []float32 {
	rs := []float32{0, math.Nextafter32(1, 0), 0.5}
	r := rand.New(splitmix.New(uint64(len(ts))))
	var sum float32
	for _, t := range ts {
		sum += t.Probability
		if len(ts) <= 1000 || r.IntN(len(ts)) < 1000 {
			rs = append(rs, sum, math.Nextafter32(sum, 0), math.Nextafter32(sum, 2))
		}
	}
	return rs
}

// checkChoice requires the compiled list of ts to pick, for every draw
// worth trying, what a walk down ts picks.
func checkChoice(t *testing.T, name string, ts []Trans) {
	t.Helper()
	var s State
	s.Transitions[NormalSent] = ts
	st := &compile([]Machine{{States: []State{s}}}).machines[0].states[0]
	if err := checkList(ts, st.list(NormalSent)); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// checkList reports a draw worth trying for which the compiled list picks
// other than a walk down ts.
func checkList(ts []Trans, list []progTrans) error {
	for _, r := range drawsFor(ts) {
		if !(r >= 0 && r < 1) {
			continue
		}
		want, wantOK := walk(ts, r)
		got, ok := uint32(0), false
		if k := choose(list, r); k < len(list) {
			got, ok = list[k].state, true
		}
		if got != want || ok != wantOK {
			return fmt.Errorf("draw %v picks %d, %v; the walk picks %d, %v", r, got, ok, want, wantOK)
		}
	}
	return nil
}

// checkProgram reports where p, compiled from machines, would pick another
// transition than a walk down the machines' lists, or has another event
// mask.
func checkProgram(machines []Machine, p *program) error {
	for i := range machines {
		for s := range machines[i].States {
			st := &p.machines[i].states[s]
			for e, ts := range machines[i].States[s].Transitions {
				if (ts != nil) != (st.mask&eventBit(Event(e)) != 0) {
					return fmt.Errorf("machine %d state %d: event mask %b, transitions for %v: %v", i, s, st.mask, Event(e), ts != nil)
				}
				if err := checkList(ts, st.list(Event(e))); err != nil {
					return fmt.Errorf("machine %d state %d on %v: %v", i, s, Event(e), err)
				}
			}
		}
	}
	return nil
}

// evenList returns n transitions to states 1 to n, each with probability
// p.
func evenList(n int, p float32) []Trans {
	ts := make([]Trans, n)
	for i := range ts {
		ts[i] = Trans{State: uint32(i + 1), Probability: p}
	}
	return ts
}

func TestChooseMatchesWalk(t *testing.T) {
	nan := float32(math.NaN())
	for _, tc := range []struct {
		name string
		ts   []Trans
	}{
		{"certain", []Trans{{1, 1}}},
		{"halves", []Trans{{1, 0.5}, {2, 0.5}}},
		{"sum below 1", []Trans{{1, 0.25}, {2, 0.25}}},
		{"equal sums", []Trans{{1, 0.5}, {2, 1e-9}, {3, 1e-9}, {4, 0.25}}},
		{"equal sums at the start", []Trans{{1, 1e-30}, {2, 1e-30}, {3, 0.5}}},
		{"NaN in the middle", []Trans{{1, 0.25}, {2, nan}, {3, 0.5}}},
		{"NaN first", []Trans{{1, nan}, {2, 0.5}}},
		{"sum reaches 1 early", []Trans{{1, 0.5}, {2, 0.5}, {3, 1e-9}}},
		{"tenths", evenList(10, 0.1)},
		{"nine", evenList(9, 1.0/9)},
		{"long, below 1", evenList(1000, 1.0/2000)},
		{"long, equal sums", append(evenList(20, 0.05), evenList(40, 1e-12)...)},
		{"the bound's list", longListMachine(longListStates).States[0].Transitions[TunnelRecv]},
	} {
		checkChoice(t, tc.name, tc.ts)
	}

	// Random lists of every length up to 64, with probabilities of every
	// magnitude, some summing below 1.
	r := rand.New(splitmix.New(5))
	for i := range 2000 {
		ts := make([]Trans, 1+r.IntN(64))
		budget := float32(1)
		for k := range ts {
			p := float32(math.Ldexp(r.Float64(), -r.IntN(40)))
			if r.IntN(3) == 0 {
				p = budget / float32(len(ts)-k)
			}
			p = min(max(p, 1e-40), budget)
			budget -= p
			ts[k] = Trans{State: uint32(k + 1), Probability: p}
		}
		checkChoice(t, "random list "+strconv.Itoa(i), ts)
	}
}

func TestCompileDropsUnreachableEntries(t *testing.T) {
	// Entries after the first NaN sum or the first sum of 1 are never
	// chosen and are not kept; a list made unreachable whole stays, empty,
	// so that the event still draws.
	var s State
	s.Transitions[NormalSent] = []Trans{{1, 0.5}, {2, float32(math.NaN())}, {3, 0.25}}
	s.Transitions[PaddingSent] = []Trans{{1, 0.5}, {2, 0.5}, {3, 1e-9}}
	s.Transitions[TimerEnd] = []Trans{{1, float32(math.NaN())}}
	s.Transitions[TunnelRecv] = []Trans{{1, 1}, {2, 1e-9}}
	st := &compile([]Machine{{States: []State{s}}}).machines[0].states[0]
	for _, tc := range []struct {
		e    Event
		want int
	}{{NormalSent, 1}, {PaddingSent, 2}, {TimerEnd, 0}, {TunnelSent, 0}, {TunnelRecv, 1}} {
		if got := len(st.list(tc.e)); got != tc.want {
			t.Errorf("%v: %d entries kept, want %d", tc.e, got, tc.want)
		}
	}
	if want := uint16(1<<NormalSent | 1<<PaddingSent | 1<<TimerEnd | 1<<TunnelRecv); st.mask != want {
		t.Errorf("event mask %b, want %b", st.mask, want)
	}
	// Only the list of one transition taken for sure needs no look at the
	// draw.
	if want := uint16(1 << TunnelRecv); st.certain != want {
		t.Errorf("certain events %b, want %b", st.certain, want)
	}
	rng := &countingSource{src: splitmix.New(1)}
	if _, ok := s.sampleTransition(TimerEnd, rng); ok || rng.draws != 1 {
		t.Errorf("a list of one NaN: transition %v after %d draws, want none after 1", ok, rng.draws)
	}
}

func TestCompileFixedDistributions(t *testing.T) {
	// A distribution whose sampling draws nothing is sampled once, when
	// compiling; the others are sampled each time.
	fixedDist, drawn := Dist{Type: Binomial{Trials: 20, Probability: 1}, Start: 9578.682}, uniformDist(1, 5)
	var s State
	s.Action = BlockOutgoing{Timeout: fixedDist, Duration: drawn, Limit: &Dist{Type: Uniform{Low: 3, High: 3}}}
	st := &compile([]Machine{{States: []State{s}}}).machines[0].states[0]
	if st.timeout.dist != nil || st.timeout.fixed != 9599 {
		t.Errorf("timeout compiled to %+v, want the fixed value 9599", st.timeout)
	}
	if st.duration.dist == nil {
		t.Errorf("duration compiled to the fixed value %d, want a distribution", st.duration.fixed)
	}
	if !st.limited || st.limit.dist != nil || st.limit.fixed != 3 {
		t.Errorf("limit compiled to %v, %+v; want the fixed value 3", st.limited, st.limit)
	}
	// Binomial with no trials still draws once when its probability is
	// strictly between 0 and 1, as in the reference: not fixed.
	zeroTrials := Dist{Type: Binomial{Trials: 0, Probability: 0.7}}
	if pd := compileDist(&zeroTrials, sampleMicros); pd.dist == nil {
		t.Errorf("Binomial with 0 trials and probability 0.7 compiled to the fixed value %d, want a distribution", pd.fixed)
	}
}

// uniformDist is Uniform{low, high}.
func uniformDist(low, high float64) Dist { return Dist{Type: Uniform{Low: low, High: high}} }

func TestFrameworksShareProgram(t *testing.T) {
	newFramework := func(ms []Machine) *Framework {
		t.Helper()
		f, err := NewFramework(ms, 0, 0, base, splitmix.New(1))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	ms := sharedTestMachines(t)
	f1 := newFramework(ms)
	if f2 := newFramework(ms); f2.prog != f1.prog {
		t.Error("two frameworks of one slice of machines compiled them twice")
	}
	if f3 := newFramework(sharedTestMachines(t)); f3.prog != f1.prog {
		t.Error("two frameworks of equal machines compiled them twice")
	}
	if f4 := newFramework([]Machine{ms[1], ms[0]}); f4.prog == f1.prog {
		t.Error("machines in another order share a program")
	}

	// A framework keeps running the machines it was made with, changed
	// since or not; a framework of the changed machines runs them.
	ms[0].States[0].Transitions[NormalRecv] = []Trans{{StateEnd, 1}}
	f5 := newFramework(ms)
	if f5.prog == f1.prog {
		t.Fatal("changed machines share the program of the old ones")
	}
	step(t, f1, at(0), evs(normalRecv))
	wantState(t, f1, 0, 0)
	step(t, f5, at(0), evs(normalRecv))
	wantState(t, f5, 0, StateEnd)
}

func TestProgramForgottenWithItsFrameworks(t *testing.T) {
	ms := []Machine{longListMachine(17)}
	key := string(programKey(nil, ms))
	f, err := NewFramework(ms, 0, 0, base, splitmix.New(1))
	if err != nil {
		t.Fatal(err)
	}
	inCache := func() bool {
		programs.Lock()
		defer programs.Unlock()
		_, ok := programs.m[key]
		return ok
	}
	if !inCache() {
		t.Fatal("the program of a live framework is not in the cache")
	}
	runtime.KeepAlive(f)
	f = nil
	for deadline := time.Now().Add(10 * time.Second); inCache(); {
		if time.Now().After(deadline) {
			t.Fatal("the program stays in the cache after its framework is gone")
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}

func TestInvalidMachinesNotCompiled(t *testing.T) {
	ms := []Machine{longListMachine(5)}
	ms[0].States[1].Transitions[NormalRecv] = []Trans{{9, 1}}
	for range 2 {
		if _, err := NewFramework(ms, 0, 0, base, nil); err == nil {
			t.Fatal("NewFramework accepts a transition to a missing state")
		}
	}
	programs.Lock()
	_, ok := programs.m[string(programKey(nil, ms))]
	programs.Unlock()
	if ok {
		t.Error("invalid machines have a program")
	}
}

func TestNewFrameworkConcurrent(t *testing.T) {
	// Frameworks made at once on many goroutines share one program.
	const n = 8
	frameworks := make([]*Framework, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := NewFramework([]Machine{longListMachine(23)}, 0, 0, base, nil)
			if err != nil {
				t.Error(err)
				return
			}
			frameworks[i] = f
		}()
	}
	wg.Wait()
	for _, f := range frameworks[1:] {
		if f != nil && f.prog != frameworks[0].prog {
			t.Fatal("frameworks made concurrently compiled their machines more than once")
		}
	}
}
