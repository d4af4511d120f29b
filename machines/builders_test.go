package machines

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// stateCounts returns the number of states of each machine.
func stateCounts(ms []maybenot.Machine) []int {
	n := make([]int, len(ms))
	for i := range ms {
		n[i] = len(ms[i].States)
	}
	return n
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestShapes checks how many machines each builder returns, of how many
// states, and their limits, as the reference makes them.
func TestShapes(t *testing.T) {
	one := func(m maybenot.Machine, err error) ([]maybenot.Machine, error) {
		return []maybenot.Machine{m}, err
	}
	type limits struct {
		padding        uint64
		paddingFrac    float64
		blocked        uint64
		blockingFrac   float64
		machineIndexes []int // the machines these limits are for; nil: all
	}
	rng := splitmix.New(1)
	tests := []struct {
		name   string
		build  func() ([]maybenot.Machine, error)
		states []int
		limits limits
	}{
		{"front 5", func() ([]maybenot.Machine, error) { return Front(1700, 1, 14, 5, rng) }, []int{6}, limits{unlimited, 0, 0, 0, nil}},
		{"front 1", func() ([]maybenot.Machine, error) { return Front(1700, 1, 14, 1, rng) }, []int{2}, limits{unlimited, 0, 0, 0, nil}},
		{"front 0", func() ([]maybenot.Machine, error) { return Front(1700, 1, 14, 0, rng) }, []int{2}, limits{unlimited, 0, 0, 0, nil}},
		{"regulator_client", func() ([]maybenot.Machine, error) { return RegulatorClient(3.95, 1.77) }, []int{2, 5, 4}, limits{unlimited, 0, unlimited, 0, nil}},
		{"regulator_server 10", func() ([]maybenot.Machine, error) { return RegulatorServer(277, 0.94, 3.55, 3550, 10) }, []int{2, 2, 22, 32, 1, 5, 22}, limits{unlimited, 0, unlimited, 0, nil}},
		{"regulator_server 0", func() ([]maybenot.Machine, error) { return RegulatorServer(277, 0.94, 3.55, 3550, 0) }, []int{2, 2, 2, 2, 1, 5, 2}, limits{unlimited, 0, unlimited, 0, nil}},
		{"tamaraw", func() ([]maybenot.Machine, error) { return Tamaraw(0.04, 3e6) }, []int{3, 6}, limits{unlimited, 0, unlimited, 0, nil}},
		{"interspace_client", func() ([]maybenot.Machine, error) { return InterspaceClient(rng) }, []int{3}, limits{1500, 0.5, 0, 0, nil}},
		{"break_pad_client", BreakPadClient, []int{4}, limits{1500, 0.5, 0, 0, nil}},
		{"break_pad_server", BreakPadServer, []int{4}, limits{1500, 0.5, 0, 0, nil}},
		{"scrambler_client", ScramblerClient, []int{3}, limits{0, 0, 0, 0, nil}},
		{"scrambler_server", func() ([]maybenot.Machine, error) { return ScramblerServer(1, 2, 3, 4) }, []int{7, 3}, limits{0, 0, 0, 0, nil}},
		{"netflow", func() ([]maybenot.Machine, error) { return one(SimpleNetFlow()) }, []int{2}, limits{unlimited, 0, 0, 0, nil}},
	}
	for _, tt := range tests {
		ms, err := tt.build()
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := stateCounts(ms); !equalInts(got, tt.states) {
			t.Errorf("%s: states %v, want %v", tt.name, got, tt.states)
		}
		for i := range ms {
			m := &ms[i]
			l := tt.limits
			if m.AllowedPaddingPackets != l.padding || m.MaxPaddingFrac != l.paddingFrac ||
				m.AllowedBlockedMicrosec != l.blocked || m.MaxBlockingFrac != l.blockingFrac {
				t.Errorf("%s machine %d: limits %d %v %d %v, want %d %v %d %v", tt.name, i,
					m.AllowedPaddingPackets, m.MaxPaddingFrac, m.AllowedBlockedMicrosec, m.MaxBlockingFrac,
					l.padding, l.paddingFrac, l.blocked, l.blockingFrac)
			}
		}
	}
	// Interspace's server draws between two designs of 4 states each.
	for seed := range uint64(20) {
		ms, err := InterspaceServer(splitmix.New(seed))
		if err != nil || len(ms) != 1 || len(ms[0].States) != 4 {
			t.Errorf("InterspaceServer seed %d: %v, states %v", seed, err, stateCounts(ms))
		}
	}
}

// TestValues checks values the reference fixes exactly.
func TestValues(t *testing.T) {
	tam, err := Tamaraw(0.04, 3e6)
	if err != nil {
		t.Fatal(err)
	}
	if pad := tam[0].States[2].Action.(maybenot.SendPadding); pad.Timeout != constant(40000) || !pad.Bypass || !pad.Replace {
		t.Errorf("Tamaraw padding action %+v, want a constant timeout of 40000 µs, bypass and replace", pad)
	}
	if timer := tam[1].States[3].Action.(maybenot.UpdateTimer); timer.Duration != constant(3e6) {
		t.Errorf("Tamaraw stop timer %+v, want 3e6 µs", timer.Duration)
	}

	// RegulaTor's loop: floor(u) packets, one more with probability
	// frac(u) as a float32.
	for _, tt := range []struct {
		u    float64
		want []maybenot.Trans
	}{
		{3.25, []maybenot.Trans{{State: 4, Probability: 0.75}, {State: 3, Probability: 0.25}}},
		{3, []maybenot.Trans{{State: 4, Probability: 1}}},
		{-3, []maybenot.Trans{{State: 4, Probability: 1}}},
		{0.1, []maybenot.Trans{{State: 4, Probability: 1 - float32(0.1)}, {State: 3, Probability: float32(0.1)}}},
	} {
		ms, err := RegulatorClient(tt.u, 2)
		if err != nil {
			t.Errorf("RegulatorClient(%v): %v", tt.u, err)
			continue
		}
		loop := ms[1]
		got := loop.States[2].Transitions[maybenot.CounterZero]
		if len(got) != len(tt.want) {
			t.Errorf("RegulatorClient(%v) CounterZero %v, want %v", tt.u, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("RegulatorClient(%v) CounterZero %v, want %v", tt.u, got, tt.want)
			}
		}
		if c := loop.States[1].CounterA; *c.Dist != fixed(math.Floor(tt.u)) {
			t.Errorf("RegulatorClient(%v) counter %v, want floor(u)", tt.u, c.Dist)
		}
	}

	// RegulaTor's server: the bins' rates average r·d^t, so the first
	// bin's rate is below r and the last above 1, and they decrease.
	ms, err := RegulatorServer(277, 0.94, 3.55, 3550, 10)
	if err != nil {
		t.Fatal(err)
	}
	prev := math.Inf(1)
	for i := range 10 {
		timeout := ms[2].States[2+2*i].Action.(maybenot.SendPadding).Timeout.Start
		rate := 1e6 / timeout
		if !(rate < prev && rate > 1 && rate < 277) {
			t.Errorf("RegulatorServer bin %d: rate %v after %v", i, rate, prev)
		}
		prev = rate
	}
	// The surge threshold of the first bin: ceil(rate·t)+1.
	rate := 1e6 / ms[2].States[2].Action.(maybenot.SendPadding).Timeout.Start
	if got, want := ms[3].States[2].CounterA.Dist.Start, math.Ceil(rate*3.55)+1; math.Abs(got-want) > 1 {
		t.Errorf("surge threshold %v, want about %v", got, want)
	}

	// Break-Pad's Pareto from Tor's parameters.
	bp, _ := BreakPadServer()
	limit := bp[0].States[3].Action.(maybenot.SendPadding).Limit
	sigma, xi := 7.009539453953314, 1.7523848634883286 // computed in float64, not as constants
	if want := (maybenot.Pareto{Scale: sigma / xi, Shape: 1 / xi}); limit.Type != want || limit.Start != 1 {
		t.Errorf("BreakPadServer burst %+v, want %+v from 1", limit, want)
	}

	// FRONT: the budget and the window come from the source; the states'
	// limits share the budget out.
	const pbm, states = 1700, 5
	src := splitmix.New(3)
	budget := rangeUint32(src, 1, pbm)
	fr, err := Front(pbm, 1, 14, states, splitmix.New(3))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= states; i++ {
		l := fr[0].States[i].Action.(maybenot.SendPadding).Limit.Type.(maybenot.Uniform)
		if want := float64(budget) / states; math.Abs(l.High-want) > 1e-9*want || l.Low != 1 {
			t.Errorf("FRONT state %d limit %+v, want [1, %v]", i, l, want)
		}
	}
}

// TestParameterErrors checks that parameters the reference panics on are
// errors naming the parameter.
func TestParameterErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	rng := splitmix.New(1)
	tests := []struct {
		name  string
		build func() ([]maybenot.Machine, error)
		param string // in the error
	}{
		{"front budget 0", func() ([]maybenot.Machine, error) { return Front(0, 1, 14, 5, rng) }, "padding_budget_max"},
		{"front budget 1", func() ([]maybenot.Machine, error) { return Front(1, 1, 14, 5, rng) }, "padding_budget_max"},
		{"front empty window", func() ([]maybenot.Machine, error) { return Front(1700, 14, 14, 5, rng) }, "window_min"},
		{"front reversed window", func() ([]maybenot.Machine, error) { return Front(1700, 14, 1, 5, rng) }, "window_min"},
		{"front NaN window", func() ([]maybenot.Machine, error) { return Front(1700, nan, 14, 5, rng) }, "window_min"},
		{"front infinite window", func() ([]maybenot.Machine, error) { return Front(1700, 1, inf, 5, rng) }, "window_max"},
		{"front overflowing window", func() ([]maybenot.Machine, error) { return Front(1700, -1e308, 1e308, 5, rng) }, "window_max"},
		{"front negative states", func() ([]maybenot.Machine, error) { return Front(1700, 1, 14, -1, rng) }, "num_states"},
		{"front too many states", func() ([]maybenot.Machine, error) { return Front(1700, 1, 14, maybenot.StateMax, rng) }, "num_states"},
		{"front tiny window", func() ([]maybenot.Machine, error) { return Front(1700, 0, 1e-300, 5, rng) }, "window"},
		{"front huge window", func() ([]maybenot.Machine, error) { return Front(1700, 1e155, 2e155, 5, rng) }, "window"},
		{"regulator_client NaN", func() ([]maybenot.Machine, error) { return RegulatorClient(nan, 1) }, "u"},
		{"regulator_client Inf", func() ([]maybenot.Machine, error) { return RegulatorClient(inf, 1) }, "u"},
		{"regulator_client negative", func() ([]maybenot.Machine, error) { return RegulatorClient(-2.5, 1) }, "u"},
		{"regulator_client just below an integer", func() ([]maybenot.Machine, error) { return RegulatorClient(3.99999999, 1) }, "u"},
		{"regulator_server small budget", func() ([]maybenot.Machine, error) { return RegulatorServer(277, 0.94, 3.55, 0.5, 10) }, "n"},
		{"regulator_server NaN budget", func() ([]maybenot.Machine, error) { return RegulatorServer(277, 0.94, 3.55, nan, 10) }, "n"},
		{"regulator_server infinite budget", func() ([]maybenot.Machine, error) { return RegulatorServer(277, 0.94, 3.55, inf, 10) }, "n"},
		{"regulator_server negative bins", func() ([]maybenot.Machine, error) { return RegulatorServer(277, 0.94, 3.55, 3550, -1) }, "b"},
		{"regulator_server too many bins", func() ([]maybenot.Machine, error) {
			return RegulatorServer(277, 0.94, 3.55, 3550, maxRegulatorBins+1)
		}, "b"},
		{"scrambler_server NaN interval", func() ([]maybenot.Machine, error) { return ScramblerServer(nan, 2, 3, 4) }, "interval"},
		{"scrambler_server infinite count", func() ([]maybenot.Machine, error) { return ScramblerServer(1, inf, 3, 4) }, "min_count"},
		{"scrambler_server overflowing count", func() ([]maybenot.Machine, error) { return ScramblerServer(1, 1.7e308, 3, 4) }, "min_count"},
		{"scrambler_server reversed trail", func() ([]maybenot.Machine, error) { return ScramblerServer(1, 2, 4, 3) }, "min_trail"},
		{"scrambler_server overflowing trail", func() ([]maybenot.Machine, error) { return ScramblerServer(1, 2, -1e308, 1e308) }, "max_trail"},
	}
	for _, tt := range tests {
		ms, err := tt.build()
		if err == nil {
			t.Errorf("%s: no error, %d machines", tt.name, len(ms))
			continue
		}
		if !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("%s: %v does not wrap ErrInvalidParameter", tt.name, err)
		}
		if !strings.Contains(err.Error(), tt.param) {
			t.Errorf("%s: %q does not name %s", tt.name, err, tt.param)
		}
		if ms != nil {
			t.Errorf("%s: machines with the error", tt.name)
		}
	}
}

// TestAcceptedAsReference checks parameters that look wrong but for which
// the reference builds valid machines, so this package does too.
func TestAcceptedAsReference(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	builds := map[string]func() ([]maybenot.Machine, error){
		"tamaraw NaN":           func() ([]maybenot.Machine, error) { return Tamaraw(nan, nan) },
		"tamaraw negative":      func() ([]maybenot.Machine, error) { return Tamaraw(-1, -inf) },
		"regulator_client -3":   func() ([]maybenot.Machine, error) { return RegulatorClient(-3, nan) },
		"regulator_server odd":  func() ([]maybenot.Machine, error) { return RegulatorServer(-1, 2, nan, 1, 3) },
		"scrambler_server zero": func() ([]maybenot.Machine, error) { return ScramblerServer(-1, -2, 0, 0) },
		"front negative window": func() ([]maybenot.Machine, error) { return Front(2, -14, -1, 3, splitmix.New(1)) },
	}
	for name, build := range builds {
		ms, err := build()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		for i := range ms {
			if err := ms[i].Validate(); err != nil {
				t.Errorf("%s machine %d: %v", name, i, err)
			}
		}
	}
}

// TestBuildersValidate is the property test: for random parameters in the
// ranges the documentation states, every builder succeeds and every
// machine validates.
func TestBuildersValidate(t *testing.T) {
	iterations := 300
	if testing.Short() {
		iterations = 60
	}
	p := rand.New(rand.NewPCG(1, 2))
	between := func(lo, hi float64) float64 { return lo + p.Float64()*(hi-lo) }
	check := func(what string, ms []maybenot.Machine, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(ms) == 0 {
			t.Fatalf("%s: no machines", what)
		}
		for i := range ms {
			if err := ms[i].Validate(); err != nil {
				t.Fatalf("%s machine %d: %v", what, i, err)
			}
		}
	}
	for range iterations {
		seed := p.Uint64()
		rng := splitmix.New(seed)

		pbm := 2 + p.Uint32N(10000)
		wmin := between(0.01, 20)
		wmax := wmin + between(1e-6, 20)
		if p.IntN(2) == 0 { // windows in microseconds
			wmin, wmax = wmin*1e6, wmax*1e6
		}
		n := p.IntN(200)
		ms, err := Front(pbm, wmin, wmax, n, rng)
		check("Front", ms, err)
		if len(ms[0].States) != max(n, 1)+1 {
			t.Fatalf("Front with %d states: %d", n, len(ms[0].States))
		}

		ms, err = RegulatorClient(between(0, 20), between(0.01, 10))
		check("RegulatorClient", ms, err)
		ms, err = RegulatorServer(between(0.01, 1000), between(0.001, 0.999), between(0.1, 20), between(1, 10000), p.IntN(100))
		check("RegulatorServer", ms, err)
		ms, err = Tamaraw(between(0.001, 1), between(1, 1e7))
		check("Tamaraw", ms, err)
		ms, err = InterspaceClient(rng)
		check("InterspaceClient", ms, err)
		ms, err = InterspaceServer(rng)
		check("InterspaceServer", ms, err)
		minTrail := between(0, 50)
		ms, err = ScramblerServer(between(0, 10), between(0, 20), minTrail, minTrail+between(0, 50))
		check("ScramblerServer", ms, err)
	}
	for _, b := range []func() ([]maybenot.Machine, error){BreakPadClient, BreakPadServer, ScramblerClient} {
		ms, err := b()
		check("fixed builder", ms, err)
	}
	m, err := SimpleNetFlow()
	check("SimpleNetFlow", []maybenot.Machine{m}, err)
}

// TestFrontLargest checks FRONT's limit on states: 4,231 states work,
// 4,232 do not (the reference's search never returns), nor does the most
// a machine may have, which takes time linear in the states.
func TestFrontLargest(t *testing.T) {
	const most = 4231
	ms, err := Front(1700, 1, 14, most, splitmix.New(1))
	if err != nil || len(ms[0].States) != most+1 {
		t.Errorf("Front with %d states: %v", most, err)
	}
	counts := []int{most + 1}
	if !testing.Short() {
		counts = append(counts, maxFrontStates) // about a second
	}
	for _, n := range counts {
		_, err := Front(1700, 1, 14, n, splitmix.New(1))
		if !errors.Is(err, ErrInvalidParameter) || !strings.Contains(err.Error(), "does not converge") {
			t.Errorf("Front with %d states: %v, want an error that the search does not converge", n, err)
		}
	}
}

// TestRegulatorServerLargest builds RegulaTor's server machines with the
// most bins.
func TestRegulatorServerLargest(t *testing.T) {
	if testing.Short() {
		t.Skip("a tenth of a second, ten times that with -race; skipped in -short")
	}
	ms, err := RegulatorServer(277, 0.94, 3.55, 3550, maxRegulatorBins)
	if err != nil || len(ms[3].States) != 3*maxRegulatorBins+2 || len(ms[3].States) > maybenot.StateMax {
		t.Errorf("RegulatorServer with %d bins: %v", maxRegulatorBins, err)
	}
}

// TestIntervalWidthBound checks that a search that cannot converge stops
// after maxSearchSteps: an area larger than the whole curve's.
func TestIntervalWidthBound(t *testing.T) {
	maxT := rayleighMaxT(1)
	if _, ok := intervalWidth(0, maxT, 2, 1); ok {
		t.Error("an area of 2 converged")
	}
	w, ok := intervalWidth(0, maxT, 0.5, 1)
	// Half the Rayleigh curve lies below sqrt(2 ln 2).
	if want := math.Sqrt(2 * math.Ln2); !ok || math.Abs(w-want) > 1e-12 {
		t.Errorf("half the curve: %v %v, want %v", w, ok, want)
	}
}

func TestNilSource(t *testing.T) {
	for _, b := range []func(rand.Source) ([]maybenot.Machine, error){
		func(r rand.Source) ([]maybenot.Machine, error) { return Front(1700, 1, 14, 5, r) },
		InterspaceClient, InterspaceServer,
	} {
		ms, err := b(nil)
		if err != nil || len(ms) != 1 {
			t.Errorf("with a nil source: %v", err)
		}
	}
}

// TestNoSharedSlices checks that no two states of a machine share a
// transition list, so that changing one machine's state changes no other.
func TestNoSharedSlices(t *testing.T) {
	all, err := Build(allSpecs(t), splitmix.New(1))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[*maybenot.Trans]bool{}
	for i := range all {
		for j := range all[i].States {
			for _, ts := range all[i].States[j].Transitions {
				if ts == nil {
					continue
				}
				if seen[&ts[0]] {
					t.Fatalf("machine %d state %d shares a transition list", i, j)
				}
				seen[&ts[0]] = true
			}
		}
	}
}

// TestScramblerFractionalCount builds Scrambler's server machines with counts whose products
// by 1.25 are inexact: the overflow check must accept them on every GOARCH,
// including those where a product and a subtraction can be fused into one
// multiply-add that keeps the product's rounding error.
func TestScramblerFractionalCount(t *testing.T) {
	for _, minCount := range []float64{0.1, 0.3, 1.1, 7.7, 123.456, 1e300} {
		if _, err := ScramblerServer(100, minCount, 1, 2); err != nil {
			t.Errorf("ScramblerServer(100, %v, 1, 2): %v", minCount, err)
		}
	}
	if _, err := ScramblerServer(100, math.MaxFloat64, 1, 2); !errors.Is(err, ErrInvalidParameter) {
		t.Errorf("ScramblerServer(100, MaxFloat64, 1, 2): %v, want ErrInvalidParameter", err)
	}
}
