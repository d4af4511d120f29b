package maybenot

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// scriptedSource returns its values in turn (wrapping around) and counts
// the draws made.
type scriptedSource struct {
	vals  []uint64
	draws int
}

func (s *scriptedSource) Uint64() uint64 {
	v := s.vals[s.draws%len(s.vals)]
	s.draws++
	return v
}

// allDistTypes has one typical parameter set per type, in wire order.
var allDistTypes = []DistType{
	Uniform{Low: 10, High: 50000},
	Normal{Mean: 100, Stdev: 15},
	SkewNormal{Location: 100, Scale: 15, Shape: -3},
	LogNormal{Mu: 5, Sigma: 0.8},
	Binomial{Trials: 20, Probability: 0.3},
	Geometric{Probability: 0.2},
	Pareto{Scale: 10, Shape: 3},
	Poisson{Lambda: 4.5},
	Weibull{Scale: 1000, Shape: 0.7},
	Gamma{Scale: 2, Shape: 0.5},
	Beta{Alpha: 2, Beta: 5},
}

func TestDistValidate(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	tests := []struct {
		name string
		typ  DistType
		ok   bool
	}{
		// The reference's own cases, one valid and one invalid per type.
		{"uniform constant", Uniform{Low: 10, High: 10}, true},
		{"uniform low > high", Uniform{Low: 15, High: 5}, false},
		{"normal", Normal{Mean: 100, Stdev: 15}, true},
		{"normal infinite stdev", Normal{Mean: 100, Stdev: inf}, false},
		{"skewnormal", SkewNormal{Location: 100, Scale: 15, Shape: -3}, true},
		{"skewnormal infinite shape", SkewNormal{Location: 100, Scale: 15, Shape: inf}, false},
		{"lognormal", LogNormal{Mu: 100, Sigma: 15}, true},
		{"lognormal infinite sigma", LogNormal{Mu: 100, Sigma: inf}, false},
		{"binomial", Binomial{Trials: 10, Probability: 0.5}, true},
		{"binomial p > 1", Binomial{Trials: 10, Probability: 1.1}, false},
		{"geometric", Geometric{Probability: 0.5}, true},
		{"geometric p > 1", Geometric{Probability: 1.1}, false},
		{"pareto", Pareto{Scale: 1, Shape: 0.5}, true},
		{"pareto negative scale", Pareto{Scale: -1, Shape: 0.5}, false},
		{"poisson", Poisson{Lambda: 1}, true},
		{"poisson negative lambda", Poisson{Lambda: -1}, false},
		{"weibull", Weibull{Scale: 1, Shape: 0.5}, true},
		{"weibull negative shape", Weibull{Scale: 1, Shape: -0.5}, false},
		{"gamma", Gamma{Scale: 1, Shape: 0.5}, true},
		{"gamma negative shape", Gamma{Scale: 1, Shape: -0.5}, false},
		{"beta", Beta{Alpha: 1, Beta: 0.5}, true},
		{"beta negative beta", Beta{Alpha: 1, Beta: -0.5}, false},

		// The edges of each rule.
		{"uniform range", Uniform{Low: -1, High: 1}, true},
		{"uniform widest", Uniform{Low: 0, High: math.MaxFloat64}, true},
		{"uniform range overflows", Uniform{Low: -math.MaxFloat64, High: math.MaxFloat64}, false},
		{"uniform NaN low", Uniform{Low: nan, High: 1}, false},
		{"uniform NaN high", Uniform{Low: 0, High: nan}, false},
		{"uniform infinite high", Uniform{Low: 0, High: inf}, false},
		{"uniform infinite low", Uniform{Low: -inf, High: 0}, false},
		{"normal NaN stdev", Normal{Mean: 0, Stdev: nan}, false},
		{"normal negative stdev", Normal{Mean: 0, Stdev: -1}, true},
		{"normal NaN mean", Normal{Mean: nan, Stdev: 1}, true},
		{"skewnormal zero scale", SkewNormal{Location: 0, Scale: 0, Shape: 1}, false},
		{"skewnormal negative scale", SkewNormal{Location: 0, Scale: -1, Shape: 1}, false},
		{"skewnormal infinite scale", SkewNormal{Location: 0, Scale: inf, Shape: 1}, false},
		{"skewnormal NaN shape", SkewNormal{Location: 0, Scale: 1, Shape: nan}, false},
		{"skewnormal huge shape", SkewNormal{Location: 0, Scale: 1, Shape: -1e300}, true},
		{"lognormal NaN sigma", LogNormal{Mu: 0, Sigma: nan}, false},
		{"lognormal negative sigma", LogNormal{Mu: 0, Sigma: -1}, true},
		{"binomial p 0", Binomial{Trials: 10, Probability: 0}, true},
		{"binomial p 1", Binomial{Trials: 10, Probability: 1}, true},
		{"binomial p min", Binomial{Trials: 10, Probability: 1e-9}, true},
		{"binomial p below min", Binomial{Trials: 10, Probability: 9.99e-10}, false},
		{"binomial p negative", Binomial{Trials: 10, Probability: -0.1}, false},
		{"binomial p NaN", Binomial{Trials: 10, Probability: nan}, false},
		{"binomial trials 0", Binomial{Trials: 0, Probability: 0.5}, true},
		{"binomial trials 1e9", Binomial{Trials: 1_000_000_000, Probability: 0.5}, true},
		{"binomial trials above 1e9", Binomial{Trials: 1_000_000_001, Probability: 0.5}, false},
		{"geometric p 0", Geometric{Probability: 0}, true},
		{"geometric p 1", Geometric{Probability: 1}, true},
		{"geometric p min", Geometric{Probability: 1e-9}, true},
		{"geometric p below min", Geometric{Probability: 5e-10}, false},
		{"geometric p negative", Geometric{Probability: -0.5}, false},
		{"geometric p NaN", Geometric{Probability: nan}, false},
		{"geometric p infinite", Geometric{Probability: inf}, false},
		{"pareto zero scale", Pareto{Scale: 0, Shape: 1}, false},
		{"pareto zero shape", Pareto{Scale: 1, Shape: 0}, false},
		{"pareto NaN shape", Pareto{Scale: 1, Shape: nan}, false},
		{"pareto tiny", Pareto{Scale: 5e-324, Shape: 5e-324}, true},
		{"poisson zero", Poisson{Lambda: 0}, false},
		{"poisson tiny", Poisson{Lambda: 5e-324}, true},
		{"poisson max", Poisson{Lambda: 1.844e19}, true},
		{"poisson above max", Poisson{Lambda: 1.8440000000000002e19}, false},
		{"poisson infinite", Poisson{Lambda: inf}, false},
		{"poisson NaN", Poisson{Lambda: nan}, false},
		{"weibull zero scale", Weibull{Scale: 0, Shape: 1}, false},
		{"weibull NaN scale", Weibull{Scale: nan, Shape: 1}, false},
		{"gamma zero scale", Gamma{Scale: 0, Shape: 1}, false},
		{"gamma negative scale", Gamma{Scale: -2, Shape: 1}, false},
		{"gamma NaN shape", Gamma{Scale: 1, Shape: nan}, false},
		{"beta zero alpha", Beta{Alpha: 0, Beta: 1}, false},
		{"beta NaN alpha", Beta{Alpha: nan, Beta: 1}, false},
		{"beta huge", Beta{Alpha: 1e300, Beta: 1e300}, true},
		{"no type", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Dist{Type: tt.typ}.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidMachine) {
				t.Errorf("error %v does not wrap ErrInvalidMachine", err)
			}
		})
	}
}

// TestSampleClamp checks Start and Max, with constant distributions so the
// expected values are exact.
func TestSampleClamp(t *testing.T) {
	tests := []struct {
		name string
		d    Dist
		want float64
	}{
		// The reference's cases.
		{"start added", Dist{Type: Uniform{Low: 0, High: 0}, Start: 5}, 5},
		{"max caps", Dist{Type: Uniform{Low: 10, High: 10}, Max: 5}, 5},
		{"negative clamped to 0", Dist{Type: Uniform{Low: -20, High: -20}}, 0},
		{"negative range clamped to 0", Dist{Type: Uniform{Low: -20, High: -10}}, 0},

		{"negative start", Dist{Type: Uniform{Low: 10, High: 10}, Start: -3}, 7},
		{"start drives below 0", Dist{Type: Uniform{Low: 10, High: 10}, Start: -30}, 0},
		{"max includes start", Dist{Type: Uniform{Low: 10, High: 10}, Start: 5, Max: 12}, 12},
		{"max above sample", Dist{Type: Uniform{Low: 10, High: 10}, Max: 50}, 10},
		{"max 0 is no cap", Dist{Type: Uniform{Low: 10, High: 10}, Max: 0}, 10},
		{"negative max is no cap", Dist{Type: Uniform{Low: 10, High: 10}, Max: -1}, 10},
		{"NaN max is no cap", Dist{Type: Uniform{Low: 10, High: 10}, Max: math.NaN()}, 10},
		{"NaN start", Dist{Type: Uniform{Low: 10, High: 10}, Start: math.NaN()}, 0},
		{"infinite start", Dist{Type: Uniform{Low: 10, High: 10}, Start: math.Inf(1)}, 0},
		{"sum overflows", Dist{Type: Uniform{Low: math.MaxFloat64, High: math.MaxFloat64}, Start: math.MaxFloat64}, 0},
		{"negative zero", Dist{Type: Uniform{Low: math.Copysign(0, -1), High: math.Copysign(0, -1)}}, 0},
		{"no type", Dist{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &scriptedSource{vals: []uint64{math.MaxUint64}}
			got := tt.d.Sample(src)
			if got != tt.want || math.Signbit(got) {
				t.Errorf("Sample() = %v, want %v", got, tt.want)
			}
			wantDraws := 1
			if u, ok := tt.d.Type.(Uniform); !ok || u.Low == u.High {
				wantDraws = 0
			}
			if src.draws != wantDraws {
				t.Errorf("drew %d random numbers, want %d", src.draws, wantDraws)
			}
		})
	}
}

// TestSampleNaNInfRobustness ports the reference's robustness test: heavy
// tails and huge values still give finite samples in range.
func TestSampleNaNInfRobustness(t *testing.T) {
	rng := splitmix.New(1)
	check := func(d Dist, n int, max float64) {
		t.Helper()
		for range n {
			x := d.Sample(rng)
			if !finite(x) || x < 0 || x > max {
				t.Fatalf("%v: sample %v, want finite in [0, %v]", d, x, max)
			}
		}
	}
	check(Dist{Type: Normal{Mean: 0, Stdev: 1e300}}, 100, math.MaxFloat64)
	check(Dist{Type: Pareto{Scale: 1, Shape: 0.1}, Max: 1000}, 100, 1000)
	check(Dist{Type: Uniform{Low: 1e300, High: 1e300}, Start: 1e300}, 1, math.MaxFloat64)
	d := Dist{Type: Uniform{Low: 100, High: 200}, Max: 50}
	for range 20 {
		if x := d.Sample(rng); x != 50 {
			t.Fatalf("%v: sample %v, want 50", d, x)
		}
	}
}

// TestCounterSampleValue ports the reference's
// sample_value_overflow_protection and adds the cases without a draw.
func TestCounterSampleValue(t *testing.T) {
	tests := []struct {
		name  string
		dist  *Dist
		want  uint64
		draws int
	}{
		{"huge saturates", &Dist{Type: Uniform{Low: math.MaxFloat64, High: math.MaxFloat64}}, math.MaxUint64, 0},
		{"negative gives 0", &Dist{Type: Uniform{Low: -1000, High: -500}}, 0, 1},
		{"NaN gives 0", &Dist{Type: Normal{Mean: math.NaN(), Stdev: 1}}, 0, -1},
		{"no dist gives 1", nil, 1, 0},
		{"truncated", &Dist{Type: Uniform{Low: 2.9, High: 2.9}}, 2, 0},
		{"truncated not rounded", &Dist{Type: Uniform{Low: 0.5, High: 0.5}}, 0, 0},
		{"2^64 saturates", &Dist{Type: Uniform{Low: 1 << 64, High: 1 << 64}}, math.MaxUint64, 0},
		{"below 2^64", &Dist{Type: Uniform{Low: 18446744073709549568, High: 18446744073709549568}}, 18446744073709549568, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Counter{Operation: CounterIncrement, Dist: tt.dist}
			src := &scriptedSource{vals: []uint64{1 << 63, 12345, 1 << 62}}
			if got := c.sampleValue(src); got != tt.want {
				t.Errorf("sampleValue() = %d, want %d", got, tt.want)
			}
			if tt.draws >= 0 && src.draws != tt.draws {
				t.Errorf("drew %d random numbers, want %d", src.draws, tt.draws)
			}
		})
	}
}

func TestSaturatingUint64(t *testing.T) {
	tests := []struct {
		in   float64
		want uint64
	}{
		{math.NaN(), 0},
		{math.Inf(-1), 0},
		{-math.MaxFloat64, 0},
		{-1, 0},
		{-0.5, 0},
		{math.Copysign(0, -1), 0},
		{0, 0},
		{math.SmallestNonzeroFloat64, 0},
		{0.999999, 0},
		{1, 1},
		{1.9999999, 1},
		{4503599627370495.5, 4503599627370495},
		{1 << 53, 1 << 53},
		{1 << 63, 1 << 63},
		{18446744073709549568, 18446744073709549568}, // the largest float64 below 2^64
		{1 << 64, math.MaxUint64},
		{1e300, math.MaxUint64},
		{math.MaxFloat64, math.MaxUint64},
		{math.Inf(1), math.MaxUint64},
	}
	for _, tt := range tests {
		if got := saturatingUint64(tt.in); got != tt.want {
			t.Errorf("saturatingUint64(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestRoundMicros(t *testing.T) {
	const day = 86_400_000_000
	tests := []struct {
		in   float64
		want uint64
	}{
		{0, 0},
		{0.49999999999999994, 0}, // the float64 just below 0.5
		{0.5, 1},
		{1.5, 2},
		{2.5, 3}, // half away from zero, not to even
		{3.5, 4},
		{1234.4999, 1234},
		{1234.5, 1235},
		{-0.4, 0},
		{-0.5, 0}, // rounds to -1, then saturates to 0
		{-2.5, 0},
		{-1e300, 0},
		{math.NaN(), 0},
		{math.Inf(-1), 0},
		{day - 0.6, day - 1},
		{day - 0.5, day},
		{day, day},
		{day + 0.5, day}, // capped before rounding
		{day + 1, day},
		{1e300, day},
		{math.Inf(1), day},
	}
	for _, tt := range tests {
		if got := roundMicros(tt.in); got != tt.want {
			t.Errorf("roundMicros(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestSampleMicrosAndLimit(t *testing.T) {
	constant := func(v float64) Dist { return Dist{Type: Uniform{Low: v, High: v}} }
	tests := []struct {
		name              string
		d                 Dist
		wantMicros, limit uint64
	}{
		{"half", constant(0.5), 1, 1},
		{"two and a half", constant(2.5), 3, 3},
		{"just under half", constant(2.4999999999999996), 2, 2},
		{"negative", constant(-2.5), 0, 0},
		{"one day", constant(86_400e6), 86_400_000_000, 86_400_000_000},
		{"over a day", constant(86_400e6 + 0.5), 86_400_000_000, 86_400_000_001},
		{"huge", constant(1e30), 86_400_000_000, math.MaxUint64},
		{"start and max", Dist{Type: Uniform{Low: 1, High: 1}, Start: 1.5, Max: 2.5}, 3, 3},
		{"uniform draw", Dist{Type: Uniform{Low: 0, High: 3}}, 2, 2}, // 0.5 * 3 = 1.5 rounds to 2
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &scriptedSource{vals: []uint64{1 << 63}}
			if got := sampleMicros(tt.d, src); got != tt.wantMicros {
				t.Errorf("sampleMicros() = %d, want %d", got, tt.wantMicros)
			}
			if got := sampleLimit(&tt.d, src); got != tt.limit {
				t.Errorf("sampleLimit() = %d, want %d", got, tt.limit)
			}
		})
	}
	src := &scriptedSource{vals: []uint64{1 << 63}}
	if got := sampleLimit(nil, src); got != math.MaxUint64 || src.draws != 0 {
		t.Errorf("sampleLimit(nil) = %d after %d draws, want 2^64-1 without a draw", got, src.draws)
	}
}

func TestFloatDraws(t *testing.T) {
	tests := []struct {
		x   uint64
		f64 float64
		f32 float32
	}{
		{0, 0, 0},
		{math.MaxUint64, 1 - 0x1p-52, 1 - 0x1p-23},
		{1 << 63, 0.5, 0.5},
		{1 << 62, 0.25, 0.25},
		{0xFFF, 0, 0},                                            // below both: ignored
		{1 << 12, 0x1p-52, 0},                                    // the lowest bit float64 keeps
		{0xFFFF_FFFF, 0x1p-32 - 0x1p-52, 0},                      // only the high 32 bits reach float32
		{1 << 41, 0x1p-23, 0x1p-23},                              // the lowest bit float32 keeps
		{0x1FF << 32, 0x1FFp-32, 0},                              // high half below 2^9: float32 0
		{0x0123_4567_89AB_CDEF, 0x0123456789ABCp-52, 0x91A2p-23}, // 0x01234567 >> 9
	}
	for _, tt := range tests {
		src := &scriptedSource{vals: []uint64{tt.x}}
		if got := unitFloat64(src); got != tt.f64 {
			t.Errorf("unitFloat64(%#x) = %v, want %v", tt.x, got, tt.f64)
		}
		if got := unitFloat32(src); got != tt.f32 {
			t.Errorf("unitFloat32(%#x) = %v, want %v", tt.x, got, tt.f32)
		}
		if got, want := float64OpenClosed01(src), 1-tt.f64; got != want {
			t.Errorf("float64OpenClosed01(%#x) = %v, want %v", tt.x, got, want)
		}
		if src.draws != 3 {
			t.Errorf("three conversions of %#x drew %d numbers, want 3", tt.x, src.draws)
		}
	}
}

// TestUniformSample checks the one-draw formula and the constant case.
func TestUniformSample(t *testing.T) {
	tests := []struct {
		u     Uniform
		x     uint64
		want  float64
		draws int
	}{
		{Uniform{Low: 1, High: 3}, 1 << 63, 2, 1},
		{Uniform{Low: 1, High: 3}, 0, 1, 1},
		{Uniform{Low: -4, High: 4}, 1 << 62, -2, 1},
		{Uniform{Low: 0, High: 1}, math.MaxUint64, 1 - 0x1p-52, 1},
		{Uniform{Low: 7, High: 7}, 1 << 63, 7, 0},
		{Uniform{Low: -math.MaxFloat64 / 2, High: math.MaxFloat64 / 2}, 1 << 63, 0, 1},
		// Fused into one FMA, u*(high-low) + low would round to the float64
		// below this one (checked below).
		{Uniform{Low: 0.7, High: 1}, 0x3c6ef372fe94f82a, math.Float64frombits(0x3fe8aa8f87832596), 1},
	}
	for _, tt := range tests {
		src := &scriptedSource{vals: []uint64{tt.x}}
		got := tt.u.sample(src)
		if math.Float64bits(got) != math.Float64bits(tt.want) || src.draws != tt.draws {
			t.Errorf("%+v with %#x: got %v after %d draws, want %v after %d", tt.u, tt.x, got, src.draws, tt.want, tt.draws)
		}
	}
	u := math.Float64frombits(0x3c6ef372fe94f82a>>12|0x3FF0000000000000) - 1
	width, low := 1.0, 0.7
	width -= low
	if fused := math.FMA(u, width, low); fused == math.Float64frombits(0x3fe8aa8f87832596) {
		t.Errorf("the FMA case does not tell fused from separate rounding")
	}
}

// TestDegenerateDiscrete checks the cases that are constants: exact
// values, no draws.
func TestDegenerateDiscrete(t *testing.T) {
	tests := []struct {
		typ  DistType
		want float64
	}{
		{Geometric{Probability: 0}, 18446744073709551615},
		{Geometric{Probability: 1}, 0},
		{Binomial{Trials: 0, Probability: 0.73}, 0},
		{Binomial{Trials: 1_000_000_000, Probability: 0}, 0},
		{Binomial{Trials: 1_000_000_000, Probability: 1}, 1e9},
		{Binomial{Trials: 12, Probability: 1}, 12},
	}
	for _, tt := range tests {
		src := &countingSource{src: splitmix.New(0)}
		if got := (Dist{Type: tt.typ}).Sample(src); got != tt.want || src.draws != 0 {
			t.Errorf("%v: got %v after %d draws, want %v without a draw", tt.typ, got, src.draws, tt.want)
		}
	}
	if got := saturatingUint64(Dist{Type: Geometric{Probability: 0}}.Sample(splitmix.New(1))); got != math.MaxUint64 {
		t.Errorf("Geometric(0) as a counter value = %d, want 2^64-1", got)
	}
}

func TestSampleDoesNotAllocate(t *testing.T) {
	types := append(slices.Clone(allDistTypes),
		Binomial{Trials: 1_000_000_000, Probability: 0.5},
		Binomial{Trials: 100, Probability: 0.005},
		Poisson{Lambda: 250},
		Gamma{Scale: 1, Shape: 0.1},
		Gamma{Scale: 1, Shape: 9},
		Beta{Alpha: 1e-300, Beta: 1e-300},
	)
	var rng rand.Source = splitmix.New(3)
	for _, typ := range types {
		d := Dist{Type: typ, Start: 1, Max: 1e6}
		if a := testing.AllocsPerRun(200, func() { d.Sample(rng) }); a != 0 {
			t.Errorf("%v: %v allocations per sample, want 0", d, a)
		}
	}
	c := &Counter{Dist: &Dist{Type: Poisson{Lambda: 3}}}
	limit := &Dist{Type: Uniform{Low: 1, High: 5}}
	a := testing.AllocsPerRun(200, func() {
		sampleMicros(*limit, rng)
		sampleLimit(limit, rng)
		c.sampleValue(rng)
		unitFloat32(rng)
	})
	if a != 0 {
		t.Errorf("helpers: %v allocations, want 0", a)
	}
}

// edgeDists are parameter sets at the edges of what validation allows.
var edgeDists = []DistType{
	Uniform{Low: -math.MaxFloat64 / 2, High: math.MaxFloat64 / 2},
	Uniform{Low: 0, High: math.MaxFloat64},
	Normal{Mean: 0, Stdev: 1e300},
	Normal{Mean: 0, Stdev: math.MaxFloat64},
	Normal{Mean: math.MaxFloat64, Stdev: -math.MaxFloat64},
	Normal{Mean: math.NaN(), Stdev: 1},
	SkewNormal{Location: 0, Scale: 1, Shape: 1e300},
	SkewNormal{Location: 0, Scale: 1e300, Shape: -1e300},
	SkewNormal{Location: math.MaxFloat64, Scale: math.MaxFloat64, Shape: math.MaxFloat64},
	SkewNormal{Location: 0, Scale: 5e-324, Shape: 5e-324},
	LogNormal{Mu: 0, Sigma: 1e300},
	LogNormal{Mu: 1e300, Sigma: 1},
	LogNormal{Mu: -1e300, Sigma: 1e300},
	Binomial{Trials: 1_000_000_000, Probability: 1e-9},
	Binomial{Trials: 1_000_000_000, Probability: 0.5},
	Binomial{Trials: 1_000_000_000, Probability: 1 - 1e-9},
	Binomial{Trials: 1_000_000_000, Probability: 1},
	Binomial{Trials: 1_000_000_000, Probability: 0},
	Binomial{Trials: 24, Probability: 0.5},
	Binomial{Trials: 25, Probability: 1e-9},
	Geometric{Probability: 1e-9},
	Geometric{Probability: 1 - 1e-16},
	Poisson{Lambda: 1.844e19},
	Poisson{Lambda: 1e-300},
	Poisson{Lambda: 5e-324},
	Poisson{Lambda: math.Nextafter(10, 0)},
	Poisson{Lambda: 10},
	Gamma{Scale: 1e-300, Shape: 1e-300},
	Gamma{Scale: 1e300, Shape: 1e300},
	Gamma{Scale: 1e-300, Shape: 1e300},
	Gamma{Scale: 1e300, Shape: 1e-300},
	Gamma{Scale: 5e-324, Shape: 5e-324},
	Gamma{Scale: math.Inf(1), Shape: math.Inf(1)},
	Beta{Alpha: 1e-300, Beta: 1e-300},
	Beta{Alpha: 1e300, Beta: 1e300},
	Beta{Alpha: 1e-300, Beta: 1e300},
	Beta{Alpha: 5e-324, Beta: 5e-324},
	Beta{Alpha: math.MaxFloat64, Beta: math.MaxFloat64},
	Beta{Alpha: math.Inf(1), Beta: math.Inf(1)},
	Weibull{Scale: 1e-300, Shape: 1e-300},
	Weibull{Scale: 1e300, Shape: 1e300},
	Weibull{Scale: 1e300, Shape: 1e-300},
	Weibull{Scale: 5e-324, Shape: math.Inf(1)},
	Pareto{Scale: 1e-300, Shape: 1e-300},
	Pareto{Scale: 1e300, Shape: 1e300},
	Pareto{Scale: 1e300, Shape: 1e-300},
	Pareto{Scale: math.Inf(1), Shape: 5e-324},
}

// TestSampleEdgesBounded samples every edge parameter set n times and
// requires finite samples >= 0, within Max, at well under a millisecond
// each: n samples must take less than n milliseconds in all (a generous
// bound that holds under the race detector; typical costs are logged).
func TestSampleEdgesBounded(t *testing.T) {
	const n = 2000
	rng := splitmix.New(4)
	for _, typ := range edgeDists {
		for _, d := range []Dist{{Type: typ}, {Type: typ, Start: -1, Max: 1e6}} {
			if err := d.Validate(); err != nil {
				t.Fatalf("%v: edge case does not validate: %v", d, err)
			}
			start := time.Now()
			for range n {
				x := d.Sample(rng)
				if !finite(x) || x < 0 || math.Signbit(x) || (d.Max > 0 && x > d.Max) {
					t.Fatalf("%v: sample %v out of range", d, x)
				}
			}
			elapsed := time.Since(start)
			if elapsed > n*time.Millisecond {
				t.Errorf("%v: %d samples took %v, want under 1 ms each", d, n, elapsed)
			}
			t.Logf("%-75v %7.1f ns/sample", d, float64(elapsed.Nanoseconds())/n)
		}
	}
}

// TestSampleInvalidTerminates samples parameter sets validation rejects:
// the values are meaningless, but sampling must not panic or hang.
func TestSampleInvalidTerminates(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	types := []DistType{
		Uniform{Low: nan, High: 1}, Uniform{Low: 1, High: -inf}, Uniform{Low: -math.MaxFloat64, High: math.MaxFloat64},
		Normal{Mean: 0, Stdev: inf}, Normal{Mean: 0, Stdev: nan},
		SkewNormal{Location: 0, Scale: -1, Shape: nan}, SkewNormal{Location: 0, Scale: inf, Shape: inf},
		LogNormal{Mu: 0, Sigma: nan},
		Binomial{Trials: math.MaxUint64, Probability: 0.5}, Binomial{Trials: 10, Probability: nan},
		Binomial{Trials: 100, Probability: -1}, Binomial{Trials: 100, Probability: 2}, Binomial{Trials: 100, Probability: 1e-300},
		Geometric{Probability: nan}, Geometric{Probability: -1}, Geometric{Probability: 2}, Geometric{Probability: 1e-300},
		Pareto{Scale: -1, Shape: -1}, Pareto{Scale: nan, Shape: 0},
		Poisson{Lambda: nan}, Poisson{Lambda: inf}, Poisson{Lambda: -1}, Poisson{Lambda: math.MaxFloat64}, Poisson{Lambda: 1e30},
		Weibull{Scale: -1, Shape: 0}, Weibull{Scale: nan, Shape: nan},
		Gamma{Scale: 1, Shape: 0}, Gamma{Scale: 1, Shape: -1}, Gamma{Scale: 1, Shape: nan}, Gamma{Scale: -1, Shape: 2},
		Beta{Alpha: 0, Beta: 1}, Beta{Alpha: nan, Beta: nan}, Beta{Alpha: -1, Beta: 2},
	}
	rng := splitmix.New(5)
	for _, typ := range types {
		d := Dist{Type: typ}
		if d.Validate() == nil {
			t.Fatalf("%v validates; the test wants invalid parameters", d)
		}
		start := time.Now()
		for range 100 {
			if x := d.Sample(rng); !finite(x) || x < 0 {
				t.Fatalf("%v: sample %v", d, x)
			}
		}
		if elapsed := time.Since(start); elapsed > 100*time.Millisecond {
			t.Errorf("%v: 100 samples took %v", d, elapsed)
		}
	}
}

// TestFuzzRegressions holds the parameters of the reference's fuzzing
// artifacts (fuzz/artifacts in its repository) that made its Binomial,
// Geometric and Poisson sampling hang and its Uniform sampling crash. Its
// fix was stricter validation; all of them are invalid here too. Sampling
// them regardless must still finish quickly without panicking.
func TestFuzzRegressions(t *testing.T) {
	tests := []struct {
		artifact string
		typ      DistType
	}{
		{"bionomial id-000000 src-000018+000083", Binomial{Trials: 2975258940884780008, Probability: 1.6805126322492552e-18}},
		{"bionomial id-000000 src-000049", Binomial{Trials: 2147483648, Probability: 2.7939668356747106e-09}},
		{"bionomial id-000001", Binomial{Trials: 2147483648, Probability: 2.7939677238260253e-09}},
		{"bionomial id-000002", Binomial{Trials: 2147483648, Probability: 2.793967720377013e-09}},
		{"geometric id-000000", Geometric{Probability: 2.5405868366936035e-260}},
		{"geometric id-000001", Geometric{Probability: 2.24087748135943e-310}},
		{"geometric id-000002", Geometric{Probability: 9.474963358963683e-43}},
		{"geometric id-000003", Geometric{Probability: 3.310369715525101e-28}},
		{"poisson id-000000", Poisson{Lambda: 1.3824172084878715e+306}},
		{"poisson id-000001", Poisson{Lambda: 5.178347949370289e+306}},
		{"poisson id-000002", Poisson{Lambda: 1.3746584427678792e+308}},
		{"poisson id-000003", Poisson{Lambda: 1.3824172084878658e+306}},
		{"poisson id-000004", Poisson{Lambda: 1.404448108439874e+306}},
		{"poisson id-000005", Poisson{Lambda: 1.3824172084878715e+306}},
		{"poisson id-000006", Poisson{Lambda: 9.583798344040948e+307}},
		{"poisson id-000007", Poisson{Lambda: 1.373289825585929e+306}},
		{"poisson id-000008", Poisson{Lambda: math.Inf(1)}},
		{"poisson id-000009", Poisson{Lambda: 1.3824172084878715e+306}},
		{"poisson id-000010", Poisson{Lambda: 1.4043260717468164e+306}},
		{"poisson id-000011", Poisson{Lambda: 1.4044479669292086e+306}},
		{"poisson id-000012", Poisson{Lambda: 1.3824172097933409e+306}},
		{"poisson id-000013", Poisson{Lambda: 1.3824172084878715e+306}},
		{"poisson id-000014", Poisson{Lambda: 1.3824172084878915e+306}},
		{"poisson id-000015", Poisson{Lambda: 1.3824172084878715e+306}},
		{"poisson id-000016", Poisson{Lambda: 1.3823815754924476e+306}},
		{"poisson id-000017", Poisson{Lambda: 1.3824158691021125e+306}},
		{"uniform id-000000", Uniform{Low: 5.6860735661412166e-270, High: math.NaN()}},
		{"uniform id-000001", Uniform{Low: -2.937446524422997e-306, High: math.NaN()}},
		{"uniform id-000002", Uniform{Low: -1.6293323777352637e+308, High: 3.621822933472507e+307}},
		{"uniform id-000003", Uniform{Low: math.Inf(-1), High: 32.50196078466251}},
	}
	rng := splitmix.New(6)
	for _, tt := range tests {
		t.Run(tt.artifact, func(t *testing.T) {
			d := Dist{Type: tt.typ}
			if err := d.Validate(); err == nil {
				t.Errorf("%v validates, want an error", d)
			}
			done := make(chan float64)
			go func() {
				var worst float64
				for range 100 {
					x := d.Sample(rng)
					if !finite(x) || x < 0 {
						worst = x
					}
				}
				done <- worst
			}()
			select {
			case x := <-done:
				if x != 0 {
					t.Errorf("%v: sample %v", d, x)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%v: 100 samples did not finish in 10 s", d)
			}
		})
	}
}

// The tests below compare samples with the exact distributions, each at the
// 0.001 level with a fixed seed, so each is deterministic.

// ksCritical is the two-sample Kolmogorov-Smirnov critical value at level
// 0.001 for samples of sizes n and m: c(α)·sqrt((n+m)/(n·m)) with c(α) =
// sqrt(-ln(α/2)/2), about 1.9495. A one-sample test is the limit m -> ∞.
func ksCritical(n, m int) float64 {
	c := math.Sqrt(-math.Log(0.001/2) / 2)
	if m == 0 {
		return c / math.Sqrt(float64(n))
	}
	return c * math.Sqrt(float64(n+m)/float64(n*m))
}

// ksTwoSample returns the two-sample statistic D = sup |F_x - F_y|, sorting
// x and y in place. All copies of a value are stepped over in both samples
// before the two empirical distribution functions are compared, so a value
// repeated many times (common in discrete distributions, and where Max
// clamps) is one jump of each function, as it must be.
func ksTwoSample(x, y []float64) float64 {
	slices.Sort(x)
	slices.Sort(y)
	n, m := float64(len(x)), float64(len(y))
	var i, j int
	var d float64
	for i < len(x) && j < len(y) {
		v := min(x[i], y[j])
		for i < len(x) && x[i] == v {
			i++
		}
		for j < len(y) && y[j] == v {
			j++
		}
		d = max(d, math.Abs(float64(i)/n-float64(j)/m))
	}
	return d
}

// ksOneSample returns D = sup |F_x - cdf| for a continuous cdf, sorting x.
func ksOneSample(x []float64, cdf func(float64) float64) float64 {
	slices.Sort(x)
	n := float64(len(x))
	var d float64
	for i, v := range x {
		f := cdf(v)
		d = max(d, float64(i+1)/n-f, f-float64(i)/n)
	}
	return d
}

func TestKSTwoSample(t *testing.T) {
	tests := []struct {
		x, y []float64
		want float64
	}{
		{[]float64{1, 2, 3}, []float64{3, 2, 1}, 0},
		{[]float64{1, 1, 1}, []float64{2, 2, 2}, 1},
		{[]float64{0, 0, 1, 1}, []float64{0, 1, 1, 1}, 0.25}, // without merging ties: 0.5
		{[]float64{5, 5, 5, 5}, []float64{5, 5}, 0},          // all tied: identical
		{[]float64{1, 2, 3, 4}, []float64{2.5, 2.5}, 0.5},    // F_x(2) = 0.5, F_y(2) = 0
		{[]float64{0, 0, 0, 1}, []float64{0, 1, 1, 1, 1, 1}, 0.75 - 1.0/6},
	}
	for _, tt := range tests {
		if got := ksTwoSample(slices.Clone(tt.x), slices.Clone(tt.y)); math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("ksTwoSample(%v, %v) = %v, want %v", tt.x, tt.y, got, tt.want)
		}
	}
	if c := ksCritical(5000, 5000); math.Abs(c-1.9495*math.Sqrt(2.0/5000)) > 1e-5 {
		t.Errorf("ksCritical(5000, 5000) = %v", c)
	}
}

// samplesCase is one line of samples.jsonl.
type samplesCase struct {
	Dist    samplesDist `json:"dist"`
	Seed    uint64      `json:"seed"`
	N       int         `json:"n"`
	Samples []float64   `json:"samples"`
}

// samplesDist is the reference's JSON form of a Dist (serde's): the type is
// an object with one key, the variant's name.
type samplesDist struct {
	Dist  map[string]samplesParams `json:"dist"`
	Start float64                  `json:"start"`
	Max   float64                  `json:"max"`
}

// samplesParams holds the fields of every variant; each uses its own.
type samplesParams struct {
	Low         float64 `json:"low"`
	High        float64 `json:"high"`
	Mean        float64 `json:"mean"`
	Stdev       float64 `json:"stdev"`
	Location    float64 `json:"location"`
	Scale       float64 `json:"scale"`
	Shape       float64 `json:"shape"`
	Mu          float64 `json:"mu"`
	Sigma       float64 `json:"sigma"`
	Trials      uint64  `json:"trials"`
	Probability float64 `json:"probability"`
	Lambda      float64 `json:"lambda"`
	Alpha       float64 `json:"alpha"`
	Beta        float64 `json:"beta"`
}

func (s samplesDist) toDist() (Dist, error) {
	if len(s.Dist) != 1 {
		return Dist{}, fmt.Errorf("dist has %d keys, want 1", len(s.Dist))
	}
	d := Dist{Start: s.Start, Max: s.Max}
	for name, p := range s.Dist {
		switch name {
		case "Uniform":
			d.Type = Uniform{Low: p.Low, High: p.High}
		case "Normal":
			d.Type = Normal{Mean: p.Mean, Stdev: p.Stdev}
		case "SkewNormal":
			d.Type = SkewNormal{Location: p.Location, Scale: p.Scale, Shape: p.Shape}
		case "LogNormal":
			d.Type = LogNormal{Mu: p.Mu, Sigma: p.Sigma}
		case "Binomial":
			d.Type = Binomial{Trials: p.Trials, Probability: p.Probability}
		case "Geometric":
			d.Type = Geometric{Probability: p.Probability}
		case "Pareto":
			d.Type = Pareto{Scale: p.Scale, Shape: p.Shape}
		case "Poisson":
			d.Type = Poisson{Lambda: p.Lambda}
		case "Weibull":
			d.Type = Weibull{Scale: p.Scale, Shape: p.Shape}
		case "Gamma":
			d.Type = Gamma{Scale: p.Scale, Shape: p.Shape}
		case "Beta":
			d.Type = Beta{Alpha: p.Alpha, Beta: p.Beta}
		default:
			return Dist{}, fmt.Errorf("unknown distribution %q", name)
		}
	}
	return d, nil
}

// TestConformanceSamples compares with samples the reference drew: Uniform
// bit for bit from the same SplitMix64 seed, every other type by a
// two-sample Kolmogorov-Smirnov test at the 0.001 level against as many
// samples of ours, drawn from a fixed seed of our own.
func TestConformanceSamples(t *testing.T) {
	lines := conformanceLines(t, "samples.jsonl")
	var exact, exactCases, ksPass, ksCases int
	var worstRatio float64
	var worst string
	for i, line := range lines {
		var c samplesCase
		if err := json.Unmarshal(line, &c); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		d, err := c.Dist.toDist()
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if len(c.Samples) != c.N || c.N == 0 {
			t.Fatalf("line %d: %d samples, n = %d", i+1, len(c.Samples), c.N)
		}
		if _, ok := d.Type.(Uniform); ok {
			exactCases++
			rng := splitmix.New(c.Seed)
			same := true
			for j, want := range c.Samples {
				if got := d.Sample(rng); math.Float64bits(got) != math.Float64bits(want) {
					t.Errorf("line %d (%v), sample %d: got %v, want %v", i+1, d, j, got, want)
					same = false
					break
				}
			}
			if same {
				exact++
			}
			continue
		}
		ksCases++
		rng := splitmix.New(0x5EED_0000 + uint64(i))
		ours := make([]float64, c.N)
		for j := range ours {
			ours[j] = d.Sample(rng)
		}
		dstat := ksTwoSample(ours, slices.Clone(c.Samples))
		crit := ksCritical(len(ours), len(c.Samples))
		if dstat >= crit {
			t.Errorf("line %d (%v): KS D = %.4f >= critical %.4f", i+1, d, dstat, crit)
		} else {
			ksPass++
		}
		if r := dstat / crit; r > worstRatio {
			worstRatio = r
			worst = fmt.Sprintf("%v: D = %.4f, critical %.4f", d, dstat, crit)
		}
	}
	t.Logf("uniform exact %d/%d; KS passes %d/%d; worst %s", exact, exactCases, ksPass, ksCases, worst)
	if exactCases == 0 || ksCases == 0 {
		t.Errorf("samples.jsonl lacks uniform or other cases")
	}
}

// drawN returns n raw draws (no Start, no clamping) of typ from seed.
func drawN(typ DistType, n int, seed uint64) []float64 {
	rng := splitmix.New(seed)
	d := Dist{Type: typ}
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = d.draw(rng)
	}
	return xs
}

// TestSampleContinuousCDF tests the continuous samplers against their
// distribution functions, written from the textbook definitions (gonum's
// regularised incomplete gamma and beta functions for Gamma and Beta), so a
// swapped parameter would show.
func TestSampleContinuousCDF(t *testing.T) {
	normalCDF := func(mu, sigma float64) func(float64) float64 {
		return func(x float64) float64 { return 0.5 * math.Erfc(-(x-mu)/(sigma*math.Sqrt2)) }
	}
	tests := []struct {
		typ DistType
		cdf func(float64) float64
	}{
		{Normal{Mean: 100, Stdev: 15}, normalCDF(100, 15)},
		{Normal{Mean: -3, Stdev: -2}, normalCDF(-3, 2)},
		{LogNormal{Mu: 5, Sigma: 0.8}, func(x float64) float64 { return normalCDF(5, 0.8)(math.Log(x)) }},
		{SkewNormal{Location: 5, Scale: 2, Shape: 0}, normalCDF(5, 2)},
		{SkewNormal{Location: 1, Scale: 3, Shape: 1e300}, func(x float64) float64 { return math.Max(0, math.Erf((x-1)/(3*math.Sqrt2))) }},
		{SkewNormal{Location: 1, Scale: 3, Shape: -1e300}, func(x float64) float64 { return math.Min(1, math.Erfc((1-x)/(3*math.Sqrt2))) }},
		{Pareto{Scale: 10, Shape: 3}, func(x float64) float64 { return 1 - math.Pow(10/x, 3) }},
		{Pareto{Scale: 0.5, Shape: 0.2}, func(x float64) float64 { return 1 - math.Pow(0.5/x, 0.2) }},
		{Weibull{Scale: 1000, Shape: 0.7}, func(x float64) float64 { return -math.Expm1(-math.Pow(x/1000, 0.7)) }},
		{Weibull{Scale: 37.894, Shape: 43.655}, func(x float64) float64 { return -math.Expm1(-math.Pow(x/37.894, 43.655)) }},
		{Gamma{Scale: 2, Shape: 0.5}, distuv.Gamma{Alpha: 0.5, Beta: 0.5}.CDF},
		{Gamma{Scale: 1000, Shape: 9}, distuv.Gamma{Alpha: 9, Beta: 1e-3}.CDF},
		{Gamma{Scale: 3, Shape: 0.1}, distuv.Gamma{Alpha: 0.1, Beta: 1.0 / 3}.CDF},
		{Gamma{Scale: 0.25, Shape: 1}, func(x float64) float64 { return -math.Expm1(-x / 0.25) }},
		{Beta{Alpha: 0.5, Beta: 0.5}, distuv.Beta{Alpha: 0.5, Beta: 0.5}.CDF},
		{Beta{Alpha: 2, Beta: 5}, distuv.Beta{Alpha: 2, Beta: 5}.CDF},
		{Beta{Alpha: 0.1, Beta: 0.3}, distuv.Beta{Alpha: 0.1, Beta: 0.3}.CDF},
		{Beta{Alpha: 1, Beta: 1}, func(x float64) float64 { return x }},
		{Beta{Alpha: 50, Beta: 0.7}, distuv.Beta{Alpha: 50, Beta: 0.7}.CDF},
	}
	const n = 20000
	for i, tt := range tests {
		xs := drawN(tt.typ, n, 100+uint64(i))
		d := ksOneSample(xs, tt.cdf)
		if crit := ksCritical(n, 0); d >= crit {
			t.Errorf("%v: KS D = %.4f >= critical %.4f", tt.typ, d, crit)
		}
	}
}

// chiSquareCritical approximates the 0.999 quantile of the chi-square
// distribution with df degrees of freedom (Wilson and Hilferty).
func chiSquareCritical(df int) float64 {
	const z = 3.090232 // the standard normal 0.999 quantile
	h := 2 / (9 * float64(df))
	return float64(df) * math.Pow(1-h+z*math.Sqrt(h), 3)
}

// chiSquare tests whole-number samples against pmf, which must hold all but
// a negligible mass on [lo, hi]. Neighbouring values are merged into bins
// expecting at least 5 samples; values outside [lo, hi] form one more bin.
func chiSquare(t *testing.T, name string, xs []float64, pmf func(k float64) float64, lo, hi float64) {
	t.Helper()
	n := float64(len(xs))
	counts := make([]float64, int(hi-lo)+2) // the last one: outside [lo, hi]
	for _, x := range xs {
		if x != math.Floor(x) {
			t.Fatalf("%s: sample %v is not a whole number", name, x)
		}
		if x < lo || x > hi {
			counts[len(counts)-1]++
		} else {
			counts[int(x-lo)]++
		}
	}
	var inside float64
	expected := make([]float64, len(counts))
	for k := range len(counts) - 1 {
		p := pmf(lo + float64(k))
		inside += p
		expected[k] = p * n
	}
	expected[len(expected)-1] = max(0, 1-inside) * n

	var obs, exp []float64
	var o, e float64
	for k := range counts {
		o += counts[k]
		e += expected[k]
		if e >= 5 {
			obs, exp = append(obs, o), append(exp, e)
			o, e = 0, 0
		}
	}
	if len(exp) < 2 {
		t.Fatalf("%s: too few bins", name)
	}
	obs[len(obs)-1] += o
	exp[len(exp)-1] += e
	var stat float64
	for k := range obs {
		stat += (obs[k] - exp[k]) * (obs[k] - exp[k]) / exp[k]
	}
	if crit := chiSquareCritical(len(obs) - 1); stat >= crit {
		t.Errorf("%s: chi-square %.1f >= critical %.1f (%d bins)", name, stat, crit, len(obs))
	}
}

func binomialPMF(n, p float64) func(float64) float64 {
	ln, _ := math.Lgamma(n + 1)
	return func(k float64) float64 {
		lk, _ := math.Lgamma(k + 1)
		lnk, _ := math.Lgamma(n - k + 1)
		return math.Exp(ln - lk - lnk + k*math.Log(p) + (n-k)*math.Log1p(-p))
	}
}

// poissonPMFDirect is the textbook formula, accurate for means up to ~1e6.
func poissonPMFDirect(lambda float64) func(float64) float64 {
	return func(k float64) float64 {
		lk, _ := math.Lgamma(k + 1)
		return math.Exp(k*math.Log(lambda) - lambda - lk)
	}
}

func TestSampleDiscretePMF(t *testing.T) {
	const n = 100000
	geometric := func(p float64) func(float64) float64 {
		return func(k float64) float64 { return p * math.Pow(1-p, k) }
	}
	tests := []struct {
		typ    DistType
		pmf    func(float64) float64
		lo, hi float64
	}{
		{Binomial{Trials: 20, Probability: 0.3}, binomialPMF(20, 0.3), 0, 20},
		{Binomial{Trials: 24, Probability: 0.9}, binomialPMF(24, 0.9), 0, 24},
		{Binomial{Trials: 30, Probability: 0.03}, binomialPMF(30, 0.03), 0, 30},
		{Binomial{Trials: 1000, Probability: 0.3}, binomialPMF(1000, 0.3), 200, 400},
		{Binomial{Trials: 100000, Probability: 0.7}, binomialPMF(100000, 0.7), 69000, 71000},
		{Binomial{Trials: 1e9, Probability: 1e-9}, binomialPMF(1e9, 1e-9), 0, 20},
		{Binomial{Trials: 1e9, Probability: 1 - 1e-9}, binomialPMF(1e9, 1-1e-9), 1e9 - 20, 1e9},
		{Binomial{Trials: 1e9, Probability: 0.5}, binomialPMF(1e9, 0.5), 5e8 - 120000, 5e8 + 120000},
		{Geometric{Probability: 0.2}, geometric(0.2), 0, 200},
		{Geometric{Probability: 0.9}, geometric(0.9), 0, 30},
		{Geometric{Probability: 0.5}, geometric(0.5), 0, 80},
		{Geometric{Probability: 0.001}, geometric(0.001), 0, 30000},
		{Poisson{Lambda: 0.5}, poissonPMFDirect(0.5), 0, 30},
		{Poisson{Lambda: 4.5}, poissonPMFDirect(4.5), 0, 40},
		{Poisson{Lambda: math.Nextafter(10, 0)}, poissonPMFDirect(math.Nextafter(10, 0)), 0, 60},
		{Poisson{Lambda: 10}, poissonPMFDirect(10), 0, 60},
		{Poisson{Lambda: 37.5}, poissonPMFDirect(37.5), 0, 120},
		{Poisson{Lambda: 1000}, poissonPMFDirect(1000), 800, 1200},
		{Poisson{Lambda: 1e6}, poissonPMFDirect(1e6), 1e6 - 7000, 1e6 + 7000},
	}
	for i, tt := range tests {
		chiSquare(t, fmt.Sprint(tt.typ), drawN(tt.typ, n, 200+uint64(i)), tt.pmf, tt.lo, tt.hi)
	}
}

// TestPoissonZeroAtMeanTen guards against rejecting k = 0 in the rejection
// method (gonum's sampler does): 0 must come up about e^-10 of the time.
func TestPoissonZeroAtMeanTen(t *testing.T) {
	const n = 2_000_000
	var zeros float64
	for _, x := range drawN(Poisson{Lambda: 10}, n, 7) {
		if x == 0 {
			zeros++
		}
	}
	want := n * math.Exp(-10)
	if math.Abs(zeros-want) > 5*math.Sqrt(want) {
		t.Errorf("%v zeros in %d draws, want about %.0f", zeros, n, want)
	}
}

// TestPoissonHugeMean checks that at the largest means the draws,
// standardised, are standard normal.
func TestPoissonHugeMean(t *testing.T) {
	const n = 50000
	for i, lambda := range []float64{1e12, 1e15, 1e18, 1.844e19} {
		xs := drawN(Poisson{Lambda: lambda}, n, 300+uint64(i))
		var sum, sum2 float64
		for j, x := range xs {
			z := (x - lambda) / math.Sqrt(lambda)
			xs[j] = z
			sum += z
			sum2 += z * z
		}
		mean := sum / n
		variance := sum2/n - mean*mean
		if math.Abs(mean) > 0.03 || math.Abs(variance-1) > 0.05 {
			t.Errorf("Poisson(%g): standardised mean %.4f, variance %.4f, want 0, 1", lambda, mean, variance)
		}
		d := ksOneSample(xs, func(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) })
		if crit := ksCritical(n, 0); d >= crit {
			t.Errorf("Poisson(%g): KS D = %.4f against the normal, critical %.4f", lambda, d, crit)
		}
	}
}

func TestGeometricTinyProbability(t *testing.T) {
	const n = 100000
	var sum float64
	for _, x := range drawN(Geometric{Probability: 1e-9}, n, 8) {
		sum += x
	}
	// The mean is (1-p)/p, the standard deviation about 1/p: the sample mean
	// is within 0.3% of 1e9 at one standard error.
	if mean := sum / n; math.Abs(mean/1e9-1) > 0.02 {
		t.Errorf("Geometric(1e-9) mean %g, want about 1e9", mean)
	}
}

// TestSkewNormalMoments checks mean and variance, which pin the shape:
// mean = location + scale·δ·sqrt(2/π), variance = scale²(1 - 2δ²/π).
func TestSkewNormalMoments(t *testing.T) {
	const n = 200000
	for i, s := range []SkewNormal{
		{Location: 100, Scale: 15, Shape: -3},
		{Location: 5, Scale: 2, Shape: 4},
		{Location: 0, Scale: 1, Shape: 0.5},
		{Location: 0, Scale: 1, Shape: 1e300},  // half-normal
		{Location: 2, Scale: 3, Shape: -1e300}, // mirrored half-normal
	} {
		var sum, sum2 float64
		for _, x := range drawN(s, n, 400+uint64(i)) {
			sum += x
			sum2 += x * x
		}
		mean := sum / n
		variance := sum2/n - mean*mean
		delta := math.Copysign(1/math.Sqrt(1+1/(s.Shape*s.Shape)), s.Shape)
		wantMean := s.Location + s.Scale*delta*math.Sqrt(2/math.Pi)
		wantVar := s.Scale * s.Scale * (1 - 2*delta*delta/math.Pi)
		if math.Abs(mean-wantMean) > 5*math.Sqrt(wantVar/n) || math.Abs(variance/wantVar-1) > 0.02 {
			t.Errorf("%+v: mean %.4f variance %.4f, want %.4f and %.4f", s, mean, variance, wantMean, wantVar)
		}
	}
}

// TestBetaExtremeShapes: with both shapes tiny a Beta draw is 0 or 1, 1
// with probability Alpha/(Alpha+Beta); with both huge and equal it is 1/2.
func TestBetaExtremeShapes(t *testing.T) {
	const n = 20000
	for i, b := range []Beta{
		{Alpha: 1e-300, Beta: 3e-300},
		{Alpha: 5e-324, Beta: 1.5e-323}, // subnormal: scaled before sampling
		{Alpha: 3e-200, Beta: 1e-200},
	} {
		var ones float64
		for _, x := range drawN(b, n, 500+uint64(i)) {
			switch x {
			case 1:
				ones++
			case 0:
			default:
				t.Fatalf("%+v: draw %v, want 0 or 1", b, x)
			}
		}
		p := b.Alpha / (b.Alpha + b.Beta)
		if math.Abs(ones-p*n) > 5*math.Sqrt(n*p*(1-p)) {
			t.Errorf("%+v: %v ones in %d, want about %.0f", b, ones, n, p*n)
		}
	}
	for _, b := range []Beta{{Alpha: 1e300, Beta: 1e300}, {Alpha: math.MaxFloat64, Beta: math.MaxFloat64}} {
		for _, x := range drawN(b, 100, 9) {
			if math.Abs(x-0.5) > 1e-12 {
				t.Fatalf("%+v: draw %v, want 1/2", b, x)
			}
		}
	}
	for _, x := range drawN(Beta{Alpha: math.Inf(1), Beta: 2}, 100, 10) {
		if x != 1 {
			t.Fatalf("Beta(+Inf, 2): draw %v, want 1", x)
		}
	}
}

func TestDeviance(t *testing.T) {
	direct := func(x, m float64) float64 { return x*math.Log(x/m) + m - x }
	for _, c := range [][2]float64{{11, 10}, {9.5, 10}, {1, 10}, {100, 10}, {1000, 1001}, {5, 5}, {1, 1e-300}} {
		got, want := deviance(c[0], c[1]), direct(c[0], c[1])
		if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("deviance(%v, %v) = %v, want %v", c[0], c[1], got, want)
		}
	}
	// Near a huge mean the deviance is about d²/(2m) - d³/(6m²) for x = m+d,
	// which the direct formula loses entirely.
	for _, c := range [][2]float64{{1e18 + 1e9, 1e18}, {1e18 - 3e9, 1e18}, {1.844e19 + 4.294967296e9, 1.844e19}} {
		d, m := c[0]-c[1], c[1]
		want := d*d/(2*m) - d*d*d/(6*m*m)
		if got := deviance(c[0], c[1]); math.Abs(got-want) > 1e-9*want {
			t.Errorf("deviance(%v, %v) = %v, want %v", c[0], c[1], got, want)
		}
	}
}

func TestPoissonLogPMF(t *testing.T) {
	for _, lambda := range []float64{10, 37.5, 1000, 123456.7} {
		for _, k := range []float64{0, 1, 2, 5, 10, 15, 16, 17, 40, 999, 1000, 1e5, 123456, 2e5} {
			lk, _ := math.Lgamma(k + 1)
			want := k*math.Log(lambda) - lambda - lk
			if got := poissonLogPMF(k, lambda); math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Errorf("poissonLogPMF(%v, %v) = %v, want %v", k, lambda, got, want)
			}
		}
	}
	// At the mean of a huge Poisson the log probability is about
	// -ln(2πλ)/2 - 1/(12λ).
	for _, lambda := range []float64{1e15, 1e18, 1.844e19} {
		want := -0.5 * math.Log(2*math.Pi*lambda)
		if got := poissonLogPMF(lambda, lambda); math.Abs(got-want) > 1e-12 {
			t.Errorf("poissonLogPMF(%v, %v) = %v, want %v", lambda, lambda, got, want)
		}
	}
}

func TestStirlingError(t *testing.T) {
	for n := 1.0; n <= 200; n++ {
		lg, _ := math.Lgamma(n + 1)
		want := lg - (n+0.5)*math.Log(n) + n - 0.5*math.Log(2*math.Pi)
		if got := stirlingError(n); math.Abs(got-want) > 1e-12 {
			t.Errorf("stirlingError(%v) = %v, want %v", n, got, want)
		}
	}
}

func BenchmarkSample(b *testing.B) {
	for _, typ := range allDistTypes {
		d := Dist{Type: typ}
		b.Run(typ.distType().String(), func(b *testing.B) {
			b.ReportAllocs()
			rng := splitmix.New(1)
			for b.Loop() {
				d.Sample(rng)
			}
		})
	}
}

// TestSampleNilSource samples every type with a nil source, which must
// draw from the top-level generator rather than panic.
func TestSampleNilSource(t *testing.T) {
	dists := []DistType{
		Uniform{Low: 1, High: 2}, Normal{Mean: 5, Stdev: 1}, SkewNormal{Location: 5, Scale: 1, Shape: 2},
		LogNormal{Mu: 1, Sigma: 0.5}, Binomial{Trials: 10, Probability: 0.5}, Geometric{Probability: 0.5},
		Pareto{Scale: 1, Shape: 2}, Poisson{Lambda: 3}, Weibull{Scale: 1, Shape: 2}, Gamma{Scale: 1, Shape: 2},
		Beta{Alpha: 2, Beta: 2},
	}
	for _, dt := range dists {
		d := Dist{Type: dt, Max: 1e6}
		if v := d.Sample(nil); !(v >= 0 && v <= 1e6) {
			t.Errorf("%v: Sample(nil) = %v", d, v)
		}
	}
	// Uniform{1, 2} draws: two samples from the top-level generator differ.
	u := Dist{Type: Uniform{Low: 1, High: 2}}
	if a, b := u.Sample(nil), u.Sample(nil); a == b || a < 1 || a >= 2 {
		t.Errorf("Uniform(1, 2) with a nil source gave %v and %v", a, b)
	}
}
