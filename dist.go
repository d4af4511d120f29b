package maybenot

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/maybenot-go/maybenot/internal/libm"
	"github.com/maybenot-go/maybenot/internal/ziggurat"
)

// DistMinProbability is the smallest non-zero success probability a Binomial
// or Geometric distribution may have. Smaller ones would make sampling too
// slow, so validation rejects them.
const DistMinProbability = 1e-9

// Dist is a distribution of values that a machine samples for timeouts,
// durations, limits and counter changes.
//
// A sample is a draw from Type plus Start, clamped from below at 0 and, when
// Max > 0, from above at Max. A draw that is NaN or infinite after adding
// Start gives 0. So a Dist never yields a negative or non-finite value.
type Dist struct {
	// Type is the distribution drawn from: one of Uniform, Normal,
	// SkewNormal, LogNormal, Binomial, Geometric, Pareto, Poisson, Weibull,
	// Gamma or Beta, as a value (not a pointer).
	Type DistType
	// Start is added to every draw.
	Start float64
	// Max, when > 0, caps every sample (Start included). When Max <= 0 there
	// is no cap.
	Max float64
}

// DistType is the distribution of a Dist: one of the value types Uniform,
// Normal, SkewNormal, LogNormal, Binomial, Geometric, Pareto, Poisson,
// Weibull, Gamma or Beta. The set is closed; its order is the wire format's.
type DistType interface {
	// distType is the type's index in the wire format.
	distType() distKind
}

// distKind numbers the distribution types as the wire format does.
type distKind uint8

const (
	kindUniform distKind = iota
	kindNormal
	kindSkewNormal
	kindLogNormal
	kindBinomial
	kindGeometric
	kindPareto
	kindPoisson
	kindWeibull
	kindGamma
	kindBeta
	numDistKinds
)

var distKindNames = [numDistKinds]string{
	"Uniform", "Normal", "SkewNormal", "LogNormal", "Binomial", "Geometric",
	"Pareto", "Poisson", "Weibull", "Gamma", "Beta",
}

func (k distKind) String() string { return distKindNames[k] }

// Uniform is the uniform distribution on [Low, High), or the constant Low
// when Low == High (then sampling draws no random number).
type Uniform struct{ Low, High float64 }

// Normal is the normal distribution with mean Mean and standard deviation
// Stdev.
type Normal struct{ Mean, Stdev float64 }

// SkewNormal is Azzalini's skew-normal distribution with location Location,
// scale Scale and shape Shape (0 gives the normal distribution).
type SkewNormal struct{ Location, Scale, Shape float64 }

// LogNormal is the distribution of exp(X) for X normal with mean Mu and
// standard deviation Sigma.
type LogNormal struct{ Mu, Sigma float64 }

// Binomial is the number of successes in Trials independent trials that each
// succeed with probability Probability.
type Binomial struct {
	Trials      uint64
	Probability float64
}

// Geometric is the number of failures before the first success of trials
// that each succeed with probability Probability: 0, 1, 2, and so on.
// Probability 0 always gives 2^64-1 (no success ever), as the reference does.
type Geometric struct{ Probability float64 }

// Pareto is the Pareto distribution with scale (minimum) Scale and shape
// (tail index) Shape.
type Pareto struct{ Scale, Shape float64 }

// Poisson is the Poisson distribution with mean Lambda.
type Poisson struct{ Lambda float64 }

// Weibull is the Weibull distribution with scale Scale and shape Shape.
type Weibull struct{ Scale, Shape float64 }

// Gamma is the gamma distribution with shape Shape and scale Scale (the mean
// is Shape*Scale).
type Gamma struct{ Scale, Shape float64 }

// Beta is the beta distribution on [0, 1] with shapes Alpha and Beta.
type Beta struct{ Alpha, Beta float64 }

func (Uniform) distType() distKind    { return kindUniform }
func (Normal) distType() distKind     { return kindNormal }
func (SkewNormal) distType() distKind { return kindSkewNormal }
func (LogNormal) distType() distKind  { return kindLogNormal }
func (Binomial) distType() distKind   { return kindBinomial }
func (Geometric) distType() distKind  { return kindGeometric }
func (Pareto) distType() distKind     { return kindPareto }
func (Poisson) distType() distKind    { return kindPoisson }
func (Weibull) distType() distKind    { return kindWeibull }
func (Gamma) distType() distKind      { return kindGamma }
func (Beta) distType() distKind       { return kindBeta }

// Validate reports whether the parameters are acceptable for the type, by
// the reference's rules. The error wraps ErrInvalidMachine.
func (d Dist) Validate() error {
	if err := d.check(); err != nil {
		return invalid(err)
	}
	return nil
}

// check is Validate without the ErrInvalidMachine wrapping, for callers that
// add where the distribution sits first.
func (d Dist) check() error {
	var err error
	switch t := d.Type.(type) {
	case Uniform:
		err = t.check()
	case Normal:
		err = t.check()
	case SkewNormal:
		err = t.check()
	case LogNormal:
		err = t.check()
	case Binomial:
		err = t.check()
	case Geometric:
		err = t.check()
	case Pareto:
		err = t.check()
	case Poisson:
		err = t.check()
	case Weibull:
		err = t.check()
	case Gamma:
		err = t.check()
	case Beta:
		err = t.check()
	case nil:
		return errors.New("distribution has no type")
	default:
		return fmt.Errorf("unsupported distribution type %T", d.Type)
	}
	if err != nil {
		return fmt.Errorf("%v distribution: %w", d.Type.distType(), err)
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func (u Uniform) check() error {
	switch {
	case math.IsNaN(u.Low) || math.IsNaN(u.High):
		return errors.New("low or high is NaN")
	case math.IsInf(u.Low, 0) || math.IsInf(u.High, 0):
		return errors.New("low or high is infinite")
	case u.Low > u.High:
		return fmt.Errorf("low %v > high %v", u.Low, u.High)
	case math.IsInf(u.High-u.Low, 0):
		return errors.New("high - low overflows")
	}
	return nil
}

func (n Normal) check() error {
	if !finite(n.Stdev) {
		return fmt.Errorf("stdev %v is not finite", n.Stdev)
	}
	return nil
}

func (s SkewNormal) check() error {
	switch {
	case !finite(s.Scale) || !(s.Scale > 0):
		return fmt.Errorf("scale %v must be finite and > 0", s.Scale)
	case !finite(s.Shape):
		return fmt.Errorf("shape %v is not finite", s.Shape)
	}
	return nil
}

func (l LogNormal) check() error {
	if !finite(l.Sigma) {
		return fmt.Errorf("sigma %v is not finite", l.Sigma)
	}
	return nil
}

func (b Binomial) check() error {
	switch {
	case !(b.Probability >= 0 && b.Probability <= 1):
		return fmt.Errorf("probability %v not in [0, 1]", b.Probability)
	case b.Probability != 0 && b.Probability < DistMinProbability:
		return fmt.Errorf("probability %v is below the minimum 1e-9 (sampling would be too slow)", b.Probability)
	case b.Trials > maxBinomialTrials:
		return fmt.Errorf("%d trials is above the maximum 1e9 (sampling would be too slow)", b.Trials)
	}
	return nil
}

func (g Geometric) check() error {
	switch {
	case !(g.Probability >= 0 && g.Probability <= 1):
		return fmt.Errorf("probability %v not in [0, 1]", g.Probability)
	case g.Probability != 0 && g.Probability < DistMinProbability:
		return fmt.Errorf("probability %v is below the minimum 1e-9 (sampling would be too slow)", g.Probability)
	}
	return nil
}

// checkScaleShape is the rule shared by Pareto, Weibull and Gamma.
func checkScaleShape(scale, shape float64) error {
	switch {
	case !(scale > 0):
		return fmt.Errorf("scale %v must be > 0", scale)
	case !(shape > 0):
		return fmt.Errorf("shape %v must be > 0", shape)
	}
	return nil
}

func (p Pareto) check() error  { return checkScaleShape(p.Scale, p.Shape) }
func (w Weibull) check() error { return checkScaleShape(w.Scale, w.Shape) }
func (g Gamma) check() error   { return checkScaleShape(g.Scale, g.Shape) }

// maxPoissonLambda is the largest Poisson mean the reference accepts.
const maxPoissonLambda = 1.844e19

func (p Poisson) check() error {
	if !finite(p.Lambda) || !(p.Lambda > 0) || p.Lambda > maxPoissonLambda {
		return fmt.Errorf("lambda %v must be finite, > 0 and <= 1.844e19", p.Lambda)
	}
	return nil
}

func (b Beta) check() error {
	switch {
	case !(b.Alpha > 0):
		return fmt.Errorf("alpha %v must be > 0", b.Alpha)
	case !(b.Beta > 0):
		return fmt.Errorf("beta %v must be > 0", b.Beta)
	}
	return nil
}

// Sample draws one value: a draw from the distribution plus Start, then
// clamped as the Dist documentation says. The result is always finite and
// >= 0 (never -0). For a Dist that validates it takes the same 64-bit
// draws from the source and returns the same value, bit for bit, as the
// reference implementation (its Dist::sample, with rand_distr 0.5.1's
// samplers over rand 0.9.5 and the libm crate's float functions), on every
// GOARCH.
//
// Sampling allocates nothing and, for every parameter set
// that validates, uses a bounded number of random numbers on average (at
// most a few dozen). A Dist that does not validate still samples without
// panicking or looping for long, but its values are meaningless.
//
// Sample only reads d, so goroutines may sample one Dist concurrently,
// each with its own rng: rand.Source implementations are generally not
// safe for concurrent use. A nil rng draws from math/rand/v2's top-level
// generator, which is safe for concurrent use and seeded by the runtime.
func (d Dist) Sample(rng rand.Source) float64 {
	if rng == nil {
		rng = globalSource{}
	}
	return finish(d.draw(rng), d.Start, d.Max)
}

// finish makes a sample of a raw draw x of a Dist with the given Start and
// Max (top): x+start, or 0 if that is not finite, clamped below at 0 (-0
// too) and, if top > 0, above at top.
func finish(x, start, top float64) float64 {
	r := x + start
	if !(r > 0 && r <= math.MaxFloat64) {
		return 0 // not finite, or not above 0
	}
	if top > 0 && r > top {
		return top
	}
	return r
}

// globalSource is math/rand/v2's top-level generator as a Source.
type globalSource struct{}

func (globalSource) Uint64() uint64 { return rand.Uint64() }

// draw samples the distribution itself, without Start and clamping.
func (d Dist) draw(rng rand.Source) float64 {
	switch t := d.Type.(type) {
	case Uniform:
		return t.sample(rng)
	case Normal:
		return t.sample(rng)
	case SkewNormal:
		return t.sample(rng)
	case LogNormal:
		return t.sample(rng)
	case Binomial:
		return t.sample(rng)
	case Geometric:
		return t.sample(rng)
	case Pareto:
		return t.sample(rng)
	case Poisson:
		return t.sample(rng)
	case Weibull:
		return t.sample(rng)
	case Gamma:
		return t.sample(rng)
	case Beta:
		return t.sample(rng)
	}
	return math.NaN()
}

// The samplers below reproduce the reference bit for bit: the samplers of
// rand_distr 0.5.1, over the float conversions of rand 0.9.5, constructed
// anew for every sample as the reference's Dist::sample does, with the
// float functions of the libm crate (internal/libm; math.Sqrt, math.Floor
// and math.Abs are exact everywhere). Every product that is then added to
// or subtracted from is written float64(a*b): the conversion forbids the
// compiler to fuse the two into one multiply-add, which rounds once where
// the reference rounds twice (Go fuses on arm64, ppc64, riscv64, s390x,
// loong64, and amd64 with GOAMD64=v3).
//
// Each sampler returns a raw draw (Dist.Sample adds Start and clamps). For
// parameters the reference's constructor rejects (its Dist::sample would
// panic) they return NaN without a draw, which Dist.Sample turns into 0;
// where the reference would loop forever on parameters that validation
// rejects, they return NaN too. (Uniform alone applies its formula to any
// bounds: the reference panics on an empty or infinite range, this gives
// a value between the bounds, or NaN.) Either way they return in bounded
// time.

// The float conversions of rand 0.9.5. Each uses one 64-bit draw.

// unitFloat64 is a float64 in [0, 1) with 52 random bits, as rand's
// uniform float ranges (random_range, Uniform) make it: the top 52 bits
// become the fraction of a number in [1, 2), and 1 is subtracted.
func unitFloat64(rng rand.Source) float64 {
	return math.Float64frombits(rng.Uint64()>>12|0x3FF0000000000000) - 1
}

// standardUniform is a float64 in [0, 1) with 53 random bits, rand's
// StandardUniform (what rng.random::<f64>() returns): the top 53 bits
// times 2^-53.
func standardUniform(rng rand.Source) float64 {
	return float64(float64(rng.Uint64()>>11) * 0x1p-53)
}

// openClosed01 is a float64 in (0, 1], rand's OpenClosed01: the top 53
// bits plus one, times 2^-53.
func openClosed01(rng rand.Source) float64 {
	return float64(float64(rng.Uint64()>>11+1) * 0x1p-53)
}

// open01 is a float64 in (0, 1), rand's Open01: the top 52 bits as the
// fraction of a number in [1, 2), minus 1 - 2^-53, so the values are the
// odd multiples of 2^-53.
func open01(rng rand.Source) float64 {
	return math.Float64frombits(rng.Uint64()>>12|0x3FF0000000000000) - (1 - 0x1p-53)
}

// unitFloat32 is a float32 in [0, 1) from the high 32 bits of one 64-bit
// draw, as unitFloat64 makes a float64. Transition choice uses it.
func unitFloat32(rng rand.Source) float32 {
	return math.Float32frombits(uint32(rng.Uint64()>>32)>>9|0x3F800000) - 1
}

// truncInt64 converts x to int64 as Rust's `as i64` does: towards zero,
// saturating at the int64 range, NaN giving 0. (Go leaves the plain
// conversion undefined outside the range.)
func truncInt64(x float64) int64 {
	switch {
	case x != x:
		return 0
	case x >= 1<<63:
		return math.MaxInt64
	case x < -1<<63:
		return math.MinInt64
	}
	return int64(x)
}

// powi is x^n by repeated squaring, as num-traits' Float::powi computes it
// without std (the reference's build): the low zero bits of n square x,
// then each further bit squares it again and multiplies the bits that are
// set into the result. powi(x, 2) = x*x and powi(x, 3) = x*(x*x).
func powi(x float64, n uint32) float64 {
	if n < 4 {
		// The same products without a branch on n, for Geometric's
		// small exponents.
		sq := x * x
		return [4]float64{1, x, sq, x * sq}[n]
	}
	for n&1 == 0 {
		x *= x
		n >>= 1
	}
	acc := x
	for n > 1 {
		n >>= 1
		x *= x
		if n&1 == 1 {
			acc *= x
		}
	}
	return acc
}

// standardNormal draws from the standard normal distribution with the
// ziggurat method (ZIGNOR): one 64-bit draw picks a layer (its low 8 bits)
// and a point u in [-1, 1) (its top 52 bits); almost always the point lies
// inside the layer's rectangle. Otherwise a second draw tests it against
// the density, and the base layer falls back to Marsaglia's tail method
// with two Open01 draws per attempt.
func standardNormal(rng rand.Source) float64 {
	for {
		bits := rng.Uint64()
		i := bits & 0xff
		u := math.Float64frombits(bits>>12|0x4000000000000000) - 3 // [2, 4) - 3
		x := u * ziggurat.NormX[i]
		if math.Abs(x) < ziggurat.NormX[i+1] {
			return x
		}
		if i == 0 {
			return normalTail(u, rng)
		}
		f0, f1 := ziggurat.NormF[i], ziggurat.NormF[i+1]
		if f1+float64((f0-f1)*standardUniform(rng)) < libm.Exp(-x*x/2) {
			return x
		}
	}
}

// normalTail draws from the normal tail beyond ziggurat.NormR, on the side
// of u's sign.
func normalTail(u float64, rng rand.Source) float64 {
	x, y := 1.0, 0.0
	for -2*y < x*x {
		x = libm.Log(open01(rng)) / ziggurat.NormR
		y = libm.Log(open01(rng))
	}
	if u < 0 {
		return x - ziggurat.NormR
	}
	return ziggurat.NormR - x
}

// exp1 draws from the standard exponential distribution with the one-sided
// ziggurat: as standardNormal, but u is in (0, 1) and the tail beyond
// ziggurat.ExpR is ExpR - ln(U), U StandardUniform.
func exp1(rng rand.Source) float64 {
	for {
		bits := rng.Uint64()
		i := bits & 0xff
		u := math.Float64frombits(bits>>12|0x3FF0000000000000) - (1 - 0x1p-53)
		x := u * ziggurat.ExpX[i]
		if x < ziggurat.ExpX[i+1] {
			return x
		}
		if i == 0 {
			return ziggurat.ExpR - libm.Log(standardUniform(rng))
		}
		f0, f1 := ziggurat.ExpF[i], ziggurat.ExpF[i+1]
		if f1+float64((f0-f1)*standardUniform(rng)) < libm.Exp(-x) {
			return x
		}
	}
}

// sample draws nothing when Low == High and returns Low; otherwise it is
// rand's random_range(Low..High): Low plus one unitFloat64 times the width.
func (u Uniform) sample(rng rand.Source) float64 {
	if u.Low == u.High {
		return u.Low
	}
	return uniformDraw(u.Low, u.High-u.Low, rng)
}

// uniformDraw is the draw of a Uniform with Low = low and High - Low =
// width, Low != High: low plus one unitFloat64 times the width.
func uniformDraw(low, width float64, rng rand.Source) float64 {
	return float64(unitFloat64(rng)*width) + low
}

// sample is Mean + Stdev·Z for a standard normal Z. A Stdev that is not
// finite gives NaN.
func (n Normal) sample(rng rand.Source) float64 {
	if !finite(n.Stdev) {
		return math.NaN()
	}
	return normalDraw(n.Mean, n.Stdev, rng)
}

// normalDraw is Normal{mean, stdev}'s draw for a finite stdev.
func normalDraw(mean, stdev float64, rng rand.Source) float64 {
	return float64(stdev*standardNormal(rng)) + mean
}

// sample uses the representation of Ghorbanzadeh, Jaupi and Durand (2014)
// that rand_distr uses: for independent standard normals U1 and U2, with
// U = max(U1, U2) and V = min(U1, U2), ((1+α)U + (1-α)V)/sqrt(2(1+α²)) is
// skew-normal with shape α. Shape 0 takes U1 alone, shapes ±1 take U or V.
// A |Shape| beyond about 1.3e154 makes the denominator infinite, so every
// draw is Location (or NaN, once the numerator overflows too), as in the
// reference. A Scale that is not finite and > 0,
// or a Shape that is not finite, gives NaN.
func (s SkewNormal) sample(rng rand.Source) float64 {
	if !finite(s.Scale) || !(s.Scale > 0) || !finite(s.Shape) {
		return math.NaN()
	}
	u1 := standardNormal(rng)
	var z float64
	switch {
	case s.Shape == 0:
		z = u1
	default:
		u2 := standardNormal(rng)
		u, v := max(u1, u2), min(u1, u2)
		switch s.Shape {
		case -1:
			z = v
		case 1:
			z = u
		default:
			z = (float64((1+s.Shape)*u) + float64((1-s.Shape)*v)) /
				(math.Sqrt(1+float64(s.Shape*s.Shape)) * math.Sqrt2)
		}
	}
	return float64(z*s.Scale) + s.Location
}

// sample is e^(Mu + Sigma·Z) for a standard normal Z. A Sigma that is not
// finite gives NaN.
func (l LogNormal) sample(rng rand.Source) float64 {
	if !finite(l.Sigma) {
		return math.NaN()
	}
	return libm.Exp(float64(l.Sigma*standardNormal(rng)) + l.Mu)
}

// maxBinomialTrials is the most trials validation accepts.
const maxBinomialTrials = 1_000_000_000

// sample is rand_distr's: probability 0 or 1 is a constant, drawn without
// a random number; otherwise, with p the smaller of Probability and
// 1-Probability (the count is flipped back at the end), below n·p = 10 it
// inverts the distribution function (BINV, at most 110 steps an attempt,
// one draw each attempt), from 10 up it is Kachitvichyanukul and
// Schmeiser's BTPE (triangle, parallelogram and exponential tails,
// two draws an attempt, from about 1.15 attempts on average for large
// n·p(1-p) to 2 for the smallest). So no trials with a
// probability strictly between 0 and 1 still draws one number, as the
// reference does.
//
// If 1-p rounds to 1 (p at most 2^-54, which validation rejects) the
// reference samples Poisson(n·p) instead. More than 1e9 trials (also
// invalid; the reference's fuzzing found its sampling hanging on such
// counts) gives NaN.
func (b Binomial) sample(rng rand.Source) float64 {
	p := b.Probability
	switch {
	case !(p >= 0 && p <= 1):
		return math.NaN()
	case p == 0:
		return 0
	case p == 1:
		return float64(b.Trials)
	case b.Trials > maxBinomialTrials:
		return math.NaN()
	case b.Trials == 0:
		return binomialNoTrials(rng)
	}
	flipped := p > 0.5
	if flipped {
		p = 1 - p
	}
	n := float64(b.Trials)
	np := float64(n * p)
	q := 1 - p
	var k uint64
	switch {
	case np >= 10:
		k = binomialBTPE(b.Trials, p, rng)
	case q == 1:
		return poissonKnuth(libm.Exp(-np), rng)
	default:
		k = binomialInversion(b.Trials, p, q, rng)
	}
	if flipped {
		k = b.Trials - k
	}
	return float64(k)
}

// binomialNoTrials is the draw of a Binomial with no trials and a
// probability strictly between 0 and 1: inversion stops at 0 at once, its
// chance being q^0 = 1, which every StandardUniform draw is below.
func binomialNoTrials(rng rand.Source) float64 {
	rng.Uint64()
	return 0
}

// binomialInversion is BINV: walk up from 0 with one StandardUniform
// draw, subtracting the probabilities of 0, 1, 2, ... computed by their
// ratio; after 110 steps start over with a new draw.
func binomialInversion(trials uint64, p, q float64, rng rand.Source) uint64 {
	n := float64(trials)
	s := p / q
	a := (n + 1) * s
	r0 := libm.Pow(q, n)
	for {
		r := r0
		u := standardUniform(rng)
		var x uint64
		for u > r {
			u -= r
			x++
			if x > 110 {
				break
			}
			r *= a/float64(x) - s
		}
		if x <= 110 {
			return x
		}
	}
}

// binomialBTPE is Kachitvichyanukul and Schmeiser's BTPE for n·p >= 10
// and p <= 1/2, with rand_distr's constants and evaluation order.
func binomialBTPE(trials uint64, p float64, rng rand.Source) uint64 {
	n := float64(trials)
	np := float64(n * p)
	q := 1 - p
	npq := float64(np * q)
	fM := np + p
	m := truncInt64(fM)
	p1 := math.Floor(float64(2.195*math.Sqrt(npq))-float64(4.6*q)) + 0.5
	xM := float64(m) + 0.5
	xL := xM - p1
	xR := xM + p1
	c := 0.134 + 20.5/(15.3+float64(m))
	p2 := float64(p1 * (1 + float64(2*c)))
	lambda := func(a float64) float64 { return float64(a * (1 + float64(0.5*a))) }
	lambdaL := lambda((fM - xL) / (fM - float64(xL*p)))
	lambdaR := lambda((xR - fM) / (xR * q))
	p3 := p2 + c/lambdaL
	p4 := p3 + c/lambdaR

	var y int64
	for {
		// u is Uniform(0, p4), v Uniform(0, 1), both rand's Uniform.
		u := float64(unitFloat64(rng)*p4) + 0
		v := unitFloat64(rng)
		switch {
		case !(u > p1): // the triangle: accept at once
			return uint64(truncInt64(xM - float64(p1*v) + u))
		case !(u > p2): // the parallelograms
			x := xL + (u-p1)/c
			v = float64(v*c) + 1 - math.Abs(x-xM)/p1
			if v > 1 {
				continue
			}
			y = truncInt64(x)
		case !(u > p3): // the left exponential tail
			y = truncInt64(xL + libm.Log(v)/lambdaL)
			if y < 0 {
				continue
			}
			v *= (u - p2) * lambdaL
		default: // the right exponential tail
			y = truncInt64(xR - libm.Log(v)/lambdaR)
			if y > 0 && uint64(y) > trials {
				continue
			}
			v *= (u - p3) * lambdaR
		}

		k := y - m
		if k < 0 {
			k = -k
		}
		if !(k > 20 && float64(k) < float64(0.5*npq)-1) {
			// Near the mode, or far out: compare with the exact ratio
			// f(y)/f(m) built by multiplication.
			s := p / q
			a := s * (n + 1)
			f := 1.0
			switch {
			case m < y:
				for i := m + 1; ; i++ {
					f *= a/float64(i) - s
					if i == y {
						break
					}
				}
			case m > y:
				for i := y + 1; ; i++ {
					f /= a/float64(i) - s
					if i == m {
						break
					}
				}
			}
			if v > f {
				continue
			}
			return uint64(y)
		}

		// Squeeze with bounds on ln f(y)/f(m), then the exact test with
		// Stirling's formula.
		kf := float64(k)
		rho := float64((kf / npq) * ((float64(kf*(kf/3+0.625))+1.0/6)/npq + 0.5))
		t := -0.5 * kf * kf / npq
		alpha := libm.Log(v)
		if alpha < t-rho {
			return uint64(y)
		}
		if alpha > t+rho {
			continue
		}
		x1 := float64(y + 1)
		f1 := float64(m + 1)
		z := float64(truncInt64(n) + 1 - m)
		w := float64(truncInt64(n) - y + 1)
		bound := float64(xM*libm.Log(f1/x1)) +
			float64((n-float64(m)+0.5)*libm.Log(z/w)) +
			float64(float64(y-m)*libm.Log(w*p/(x1*q))) +
			btpeStirling(f1) + btpeStirling(z) - btpeStirling(x1) - btpeStirling(w)
		if alpha > bound {
			continue
		}
		return uint64(y)
	}
}

// btpeStirling is the correction term of Stirling's formula BTPE uses.
func btpeStirling(a float64) float64 {
	a2 := a * a
	return (13860 - (462-(132-(99-140/a2)/a2)/a2)/a2) / a / 166320
}

// sample is rand_distr's: probability 0 gives 2^64-1 (no success ever)
// without a draw; from 2/3 up it counts StandardUniform draws above the
// probability. Below 2/3 it splits the count as d·2^k + m for the k that
// brings (1-p)^(2^k) to 1/2 or below: d by counting draws below
// (1-p)^(2^k), m uniform on [0, 2^k) from the low bits of one draw,
// accepted with probability (1-p)^m. A probability outside [0, 1] gives
// NaN, as does one so small (at most 2^-54, which validation rejects)
// that 1-p rounds to 1: the reference then never finds its k.
func (g Geometric) sample(rng rand.Source) float64 {
	p := g.Probability
	switch {
	case !(p >= 0 && p <= 1):
		return math.NaN()
	case p == 0:
		return math.MaxUint64
	case p >= 2.0/3:
		var failures uint64
		for standardUniform(rng) > p {
			failures++
		}
		return float64(failures)
	case 1-p == 1:
		return math.NaN()
	}
	q := 1 - p
	k := uint(1)
	pi := powi(q, 2)
	for pi > 0.5 {
		k++
		pi *= pi
	}
	var d uint64
	for standardUniform(rng) < pi {
		d++
	}
	for {
		m := rng.Uint64() & (1<<k - 1)
		var reject float64
		if m <= math.MaxInt32 {
			reject = powi(q, uint32(m))
		} else {
			reject = libm.Pow(q, float64(m))
		}
		if standardUniform(rng) < reject {
			return float64(d<<k + m)
		}
	}
}

// sample is Scale·U^(-1/Shape) for U OpenClosed01. A Scale or Shape that
// is not > 0 gives NaN.
func (p Pareto) sample(rng rand.Source) float64 {
	if !(p.Scale > 0) || !(p.Shape > 0) {
		return math.NaN()
	}
	return p.Scale * libm.Pow(openClosed01(rng), -1/p.Shape)
}

// sample is rand_distr's: below a mean of 12, Knuth's method (multiply
// StandardUniform draws until the product is at most e^-λ; λ+1 draws on
// average); from 12 up, Ahrens and Dieter's method PD (1982): a normal
// draw rounded down, accepted at once when far enough below the mean,
// else tested against the probability, with an exponential-Laplace
// fallback. A mean that is not finite and > 0, or above 1.844e19, gives
// NaN.
//
// Means up to the maximum keep their variance (rust-random/rand#1515, the
// variance growing with huge means, was a defect of rand_distr's earlier
// sampler, replaced by this one in 0.5.0). Beyond 2^53 a sample is a float64
// near the mean, so it is a multiple of that float64's spacing (2048 at
// 1.844e19), as in the reference.
func (p Poisson) sample(rng rand.Source) float64 {
	lambda := p.Lambda
	switch {
	case !finite(lambda) || !(lambda > 0):
		return math.NaN()
	case lambda < 12:
		return poissonKnuth(libm.Exp(-lambda), rng)
	case lambda > maxPoissonLambda:
		return math.NaN()
	}
	return poissonPD(lambda, rng)
}

// poissonKnuth counts how many StandardUniform draws can be multiplied
// together before the product falls to expLambda = e^-λ or below.
func poissonKnuth(expLambda float64, rng rand.Source) float64 {
	result := 1.0
	prod := standardUniform(rng)
	for prod > expLambda {
		prod *= standardUniform(rng)
		result++
	}
	return result - 1
}

// poissonPD is Ahrens and Dieter's method PD for a mean of 12 or more, with
// rand_distr's constants and evaluation order.
func poissonPD(lambda float64, rng rand.Source) float64 {
	b1 := 1.0 / 24 / lambda
	b2 := float64(0.3 * b1 * b1)
	c3 := float64(1.0 / 7 * b1 * b2)
	c2 := b2 - float64(15*c3)
	c1 := b1 - float64(6*b2) + float64(45*c3)
	c0 := 1 - b1 + float64(3*b2) - float64(15*c3)
	s := math.Sqrt(lambda)
	d := 6 * powi(lambda, 2)
	l := math.Floor(lambda - 1.1484)
	c := 0.1069 / lambda
	omega := 1 / math.Sqrt(2*math.Pi) / s

	// f returns px, py, fx, fy of the paper's procedure F for k: the
	// log of the Poisson probability of k is px + ln py, the normal
	// density at k is fy e^fx.
	f := func(k float64) (px, py, fx, fy float64) {
		if k < 10 {
			px = -lambda
			py = libm.Pow(lambda, k) / poissonFactorials[int(k)]
		} else {
			delta := 1 / (12 * k)
			delta -= float64(4.8 * powi(delta, 3))
			v := (lambda - k) / k
			if math.Abs(v) <= 0.25 {
				// k v² Σ a_i v^i, the series in Horner's form.
				var sum float64
				for i := len(poissonPDCoefficients) - 1; i >= 0; i-- {
					sum = float64(sum*v) + poissonPDCoefficients[i]
				}
				px = float64(k*powi(v, 2)*sum) - delta
			} else {
				px = float64(k*libm.Log(1+v)) - (lambda - k) - delta
			}
			py = 1 / math.Sqrt(2*math.Pi) / math.Sqrt(k)
		}
		x := (k - lambda + 0.5) / s
		fx = -0.5 * x * x
		fy = omega * (float64((float64((float64(c3*x*x)+c2)*x*x)+c1)*x*x) + c0)
		return px, py, fx, fy
	}

	g := float64(s*standardNormal(rng)) + lambda
	if g >= 0 {
		k1 := math.Floor(g)
		if k1 >= l {
			return k1
		}
		u := standardUniform(rng)
		if d*u >= powi(lambda-k1, 3) {
			return k1
		}
		px, py, fx, fy := f(k1)
		if fy*(1-u) <= py*libm.Exp(px-fx) {
			return k1
		}
	}
	for {
		e := exp1(rng)
		u := float64(standardUniform(rng)*2) - 1
		t := 1.8 + float64(e*math.Copysign(1, u))
		if t > -0.6744 {
			k2 := math.Floor(lambda + float64(s*t))
			px, py, fx, fy := f(k2)
			if c*math.Abs(u) <= float64(py*libm.Exp(px+e))-float64(fy*libm.Exp(fx+e)) {
				return k2
			}
		}
	}
}

// poissonFactorials are 0! to 9!.
var poissonFactorials = [10]float64{1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880}

// poissonPDCoefficients are the a_i of Ahrens and Dieter's Table 1, for
// ln(1+v) - v + v²/2 ... as a series.
var poissonPDCoefficients = [10]float64{
	-0.5000000002, 0.3333333343, -0.2499998565, 0.1999997049, -0.1666848753,
	0.1428833286, -0.1241963125, 0.1101687109, -0.1142650302, 0.1055093006,
}

// sample is Scale·(-ln U)^(1/Shape) for U OpenClosed01. A Scale or Shape
// that is not > 0 gives NaN.
func (w Weibull) sample(rng rand.Source) float64 {
	if !(w.Scale > 0) || !(w.Shape > 0) {
		return math.NaN()
	}
	return weibullDraw(w.Scale, 1/w.Shape, rng)
}

// weibullDraw is the draw of a Weibull with Scale = scale and 1/Shape =
// invShape, scale and shape > 0.
func weibullDraw(scale, invShape float64, rng rand.Source) float64 {
	return scale * libm.Pow(-libm.Log(openClosed01(rng)), invShape)
}

// sample is rand_distr's Gamma::new(Shape, Scale) (the reference passes
// the shape first): for shape 1 an exponential draw times 1/(1/Scale); for
// shapes above 1 Marsaglia and Tsang's method (a normal and an Open01
// draw per attempt, about 1.05 attempts); for shapes below 1 one Open01
// draw U and then the method with shape+1, times U^(1/shape). A Shape or
// Scale that is not > 0 gives NaN.
func (g Gamma) sample(rng rand.Source) float64 {
	shape, scale := g.Shape, g.Scale
	switch {
	case !(shape > 0) || !(scale > 0):
		return math.NaN()
	case shape == 1:
		return exp1(rng) * (1 / (1 / scale))
	case shape < 1:
		u := open01(rng)
		return gammaMarsagliaTsang(shape+1, scale, rng) * libm.Pow(u, 1/shape)
	}
	return gammaMarsagliaTsang(shape, scale, rng)
}

// gammaMarsagliaTsang draws from Gamma(shape, scale) for shape >= 1: with
// d = shape - 1/3 and c = 1/sqrt(9d), d(1+cX)³ for a standard normal X,
// accepted by a squeeze or by comparing logarithms.
func gammaMarsagliaTsang(shape, scale float64, rng rand.Source) float64 {
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := standardNormal(rng)
		vCbrt := 1 + float64(c*x)
		if vCbrt <= 0 {
			continue
		}
		v := float64(vCbrt * vCbrt * vCbrt)
		u := open01(rng)
		xSqr := float64(x * x)
		if u < 1-float64(0.0331*xSqr*xSqr) ||
			libm.Log(u) < float64(0.5*xSqr)+float64(d*(1-v+libm.Log(v))) {
			return d * v * scale
		}
	}
}

// sample is rand_distr's: Cheng's algorithms (1978) on a < b, the shapes
// in order: BB when a > 1, BC otherwise (with the shapes swapped back),
// two Open01 draws per attempt. An Alpha or Beta that is not > 0 gives NaN.
//
// As in the reference, shapes whose sum overflows (Alpha + Beta = +Inf)
// give NaN, and so 0 from Dist.Sample.
func (b Beta) sample(rng rand.Source) float64 {
	if !(b.Alpha > 0) || !(b.Beta > 0) {
		return math.NaN()
	}
	a, bb, switched := b.Alpha, b.Beta, false
	if !(a < bb) {
		a, bb, switched = bb, a, true
	}
	var w float64
	if a > 1 {
		w = betaBB(a, bb, rng)
	} else {
		a, bb, switched = bb, a, !switched
		w = betaBC(a, bb, rng)
	}
	if switched {
		return bb / (bb + w)
	}
	if math.IsInf(w, 1) {
		return 1
	}
	return w / (bb + w)
}

// The logarithms of 4 and 5 Cheng's tests use, as libm computes them.
var (
	ln4 = libm.Log(4)
	ln5 = libm.Log(5)
)

// betaBB is Cheng's algorithm BB for 1 < a <= b: it returns W, of which
// W/(b+W) is the Beta(a, b) draw.
func betaBB(a, b float64, rng rand.Source) float64 {
	alpha := a + b
	beta := math.Sqrt((alpha - 2) / (float64(2*a*b) - alpha))
	gamma := a + 1/beta
	for {
		u1 := open01(rng)
		u2 := open01(rng)
		v := float64(beta * libm.Log(u1/(1-u1)))
		w := float64(a * libm.Exp(v))
		z := float64(u1 * u1 * u2)
		r := float64(gamma*v) - ln4
		s := a + r - w
		if s+1+ln5 >= 5*z {
			return w
		}
		t := libm.Log(z)
		if s >= t {
			return w
		}
		if !(r+float64(alpha*libm.Log(alpha/(b+w))) < t) {
			return w
		}
	}
}

// betaBC is Cheng's algorithm BC for a >= b with b <= 1 (a the larger
// shape): it returns W, of which b/(b+W) (or W/(b+W) with the shapes
// swapped) is the draw.
func betaBC(a, b float64, rng rand.Source) float64 {
	alpha := a + b
	beta := 1 / b
	delta := 1 + a - b
	kappa1 := delta * (1.0/18/4 + float64(3.0/18/4*b)) / (float64(a*beta) - 14.0/18)
	kappa2 := 0.25 + float64((0.5+0.25/delta)*b)
	for {
		u1 := open01(rng)
		u2 := open01(rng)
		var z float64
		if u1 < 0.5 {
			y := float64(u1 * u2)
			z = float64(u1 * y)
			if float64(0.25*u2)+z-y >= kappa1 {
				continue
			}
		} else {
			z = float64(u1 * u1 * u2)
			if z <= 0.25 {
				v := float64(beta * libm.Log(u1/(1-u1)))
				return float64(a * libm.Exp(v))
			}
			if z >= kappa2 {
				continue
			}
		}
		v := float64(beta * libm.Log(u1/(1-u1)))
		w := float64(a * libm.Exp(v))
		if !(float64(alpha*(libm.Log(alpha/(b+w))+v))-ln4 < libm.Log(z)) {
			return w
		}
	}
}

// String returns the distribution with its parameters, such as
// "Uniform(low 1, high 2)".
func (d Dist) String() string {
	var s string
	switch t := d.Type.(type) {
	case Uniform:
		s = "Uniform(low " + ftoa(t.Low) + ", high " + ftoa(t.High) + ")"
	case Normal:
		s = "Normal(mean " + ftoa(t.Mean) + ", stdev " + ftoa(t.Stdev) + ")"
	case SkewNormal:
		s = "SkewNormal(location " + ftoa(t.Location) + ", scale " + ftoa(t.Scale) + ", shape " + ftoa(t.Shape) + ")"
	case LogNormal:
		s = "LogNormal(mu " + ftoa(t.Mu) + ", sigma " + ftoa(t.Sigma) + ")"
	case Binomial:
		s = "Binomial(trials " + strconv.FormatUint(t.Trials, 10) + ", probability " + ftoa(t.Probability) + ")"
	case Geometric:
		s = "Geometric(probability " + ftoa(t.Probability) + ")"
	case Pareto:
		s = "Pareto(scale " + ftoa(t.Scale) + ", shape " + ftoa(t.Shape) + ")"
	case Poisson:
		s = "Poisson(lambda " + ftoa(t.Lambda) + ")"
	case Weibull:
		s = "Weibull(scale " + ftoa(t.Scale) + ", shape " + ftoa(t.Shape) + ")"
	case Gamma:
		s = "Gamma(scale " + ftoa(t.Scale) + ", shape " + ftoa(t.Shape) + ")"
	case Beta:
		s = "Beta(alpha " + ftoa(t.Alpha) + ", beta " + ftoa(t.Beta) + ")"
	default:
		s = fmt.Sprintf("%T", d.Type)
	}
	if d.Start != 0 {
		s += " + " + ftoa(d.Start)
	}
	if d.Max > 0 {
		s += ", max " + ftoa(d.Max)
	}
	return s
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// saturatingUint64 converts f to uint64 the way Rust's `as u64` does: NaN
// and negative values give 0, values of 2^64 and more give 2^64-1, and
// everything else is truncated towards zero. (Go leaves the plain
// conversion undefined outside the uint64 range.)
func saturatingUint64(f float64) uint64 {
	switch {
	case !(f >= 0):
		return 0
	case f >= 1<<64:
		return math.MaxUint64
	}
	return uint64(f)
}

// maxSampledMicros caps every sampled timeout and duration: one day in
// microseconds.
const maxSampledMicros = 24 * 60 * 60 * 1e6

// roundMicros turns a sampled value into whole microseconds: capped at one
// day first, then rounded half away from zero (2.5 gives 3), saturating as
// saturatingUint64 does (NaN and negatives give 0).
func roundMicros(x float64) uint64 {
	if x > maxSampledMicros {
		x = maxSampledMicros
	}
	return saturatingUint64(math.Round(x))
}

// sampleMicros samples d as a timeout or duration in whole microseconds
// (see roundMicros).
func sampleMicros(d Dist, rng rand.Source) uint64 {
	return roundMicros(d.Sample(rng))
}

// roundLimit turns a sampled value into a state limit: rounded half away
// from zero, saturating at 2^64-1 (no cap).
func roundLimit(x float64) uint64 {
	return saturatingUint64(math.Round(x))
}

// noLimit is the state limit of an action without a limit distribution.
const noLimit = math.MaxUint64

// sampleLimit samples a state limit: the sample rounded half away from
// zero, saturating at 2^64-1 (no cap), or noLimit without drawing when
// there is no limit distribution.
func sampleLimit(d *Dist, rng rand.Source) uint64 {
	if d == nil {
		return noLimit
	}
	return roundLimit(d.Sample(rng))
}
