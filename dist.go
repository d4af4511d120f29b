package maybenot

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"gonum.org/v1/gonum/stat/distuv"
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
// >= 0 (never -0). Sampling allocates nothing and, for every parameter set
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
	s := d.draw(rng) + d.Start
	if !finite(s) {
		return 0
	}
	r := max(0, s)
	if d.Max > 0 {
		r = min(r, d.Max)
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

// unitFloat64 turns one 64-bit draw into a float64 in [0, 1) the way the
// reference's random source does: the top 52 bits become the mantissa of a
// number in [1, 2), and 1 is subtracted.
func unitFloat64(rng rand.Source) float64 {
	return math.Float64frombits(rng.Uint64()>>12|0x3FF0000000000000) - 1
}

// float64OpenClosed01 is 1 - unitFloat64: a float64 in (0, 1], for the
// logarithms the samplers below take.
func float64OpenClosed01(rng rand.Source) float64 {
	return 1 - unitFloat64(rng)
}

// unitFloat32 is unitFloat64 at float32 precision, from the high 32 bits
// of one 64-bit draw. Transition choice uses it.
func unitFloat32(rng rand.Source) float32 {
	return math.Float32frombits(uint32(rng.Uint64()>>32)>>9|0x3F800000) - 1
}

// The per-type samplers. Each returns a raw draw (Dist.Sample adds Start and
// clamps) and must return, NaN included, in bounded time for any parameters,
// valid or not; gonum's samplers are called only where that holds.

// sample reproduces the reference bit for bit: the constant Low without a
// draw when the range is empty, else Low plus one uniform draw times the
// width.
func (u Uniform) sample(rng rand.Source) float64 {
	if u.Low == u.High {
		return u.Low
	}
	// The conversion keeps the multiplication rounded on its own: fused
	// into the addition (FMA) the last bit could differ from the reference.
	return float64(unitFloat64(rng)*(u.High-u.Low)) + u.Low
}

// sample is gonum's: a ziggurat standard normal, scaled and shifted.
func (n Normal) sample(rng rand.Source) float64 {
	return distuv.Normal{Mu: n.Mean, Sigma: n.Stdev, Src: rng}.Rand()
}

// sample uses Azzalini's representation: for independent standard normals
// U0 and U1, delta*|U0| + sqrt(1-delta^2)*U1 is skew-normal with shape
// alpha when delta = alpha/sqrt(1+alpha^2). Both coefficients come from
// h = hypot(1, alpha) (delta = alpha/h, sqrt(1-delta^2) = 1/h), so a shape
// as large as 1e300 still gives delta = 1 instead of overflowing to 0.
func (s SkewNormal) sample(rng rand.Source) float64 {
	r := rand.New(rng)
	u0 := r.NormFloat64()
	u1 := r.NormFloat64()
	h := math.Hypot(1, s.Shape)
	z := s.Shape/h*math.Abs(u0) + u1/h
	return s.Location + s.Scale*z
}

// sample is gonum's: exp of a normal draw.
func (l LogNormal) sample(rng rand.Source) float64 {
	return distuv.LogNormal{Mu: l.Mu, Sigma: l.Sigma, Src: rng}.Rand()
}

// maxBinomialTrials is the most trials validation accepts.
const maxBinomialTrials = 1_000_000_000

// sample answers the degenerate cases (no trials, probability 0 or 1)
// without a draw and passes the rest to gonum: direct simulation below 25
// trials, otherwise rejection from a Poisson or Cauchy proposal, a few
// draws on average for every parameter set validation accepts. Outside
// validation (more than 1e9 trials, or a probability outside [0, 1]) it
// returns NaN instead: with trials near 1e18, as the reference's fuzzing
// tried, gonum's acceptance test subtracts log-gamma values near 1e20, has
// no precision left, and its loop is not known to end.
func (b Binomial) sample(rng rand.Source) float64 {
	switch {
	case b.Trials == 0 || b.Probability == 0:
		return 0
	case b.Probability == 1:
		return float64(b.Trials)
	case !(b.Probability > 0 && b.Probability < 1) || b.Trials > maxBinomialTrials:
		return math.NaN()
	}
	return distuv.Binomial{N: float64(b.Trials), P: b.Probability, Src: rng}.Rand()
}

// sample inverts the distribution function with one draw: failures =
// floor(ln U / ln(1-p)) for U uniform on (0, 1], since P(failures >= k) =
// P(U <= (1-p)^k) = (1-p)^k. U is never below 2^-52, so with p >= 1e-9 a
// draw is at most about 3.6e10; probability 0 (no success ever) gives
// 2^64-1 as the reference does, probability 1 gives 0, both without a draw.
func (g Geometric) sample(rng rand.Source) float64 {
	switch g.Probability {
	case 1:
		return 0
	case 0:
		return math.MaxUint64
	}
	return math.Floor(math.Log(float64OpenClosed01(rng)) / math.Log1p(-g.Probability))
}

// sample is gonum's: Scale * exp(E/Shape) for a standard exponential E.
func (p Pareto) sample(rng rand.Source) float64 {
	return distuv.Pareto{Xm: p.Scale, Alpha: p.Shape, Src: rng}.Rand()
}

// poissonInversionMax is the mean below which Poisson samples by inversion.
// It is also the smallest mean the transformed rejection method is meant for.
const poissonInversionMax = 10

// sample is written here rather than taken from gonum, whose sampler never
// returns 0 once the mean is 10 or more (it rejects k <= 0 where the method
// rejects k < 0; at mean 10 that removes about 1 in 22,000 draws) and whose
// acceptance test subtracts log-gamma values so large beyond a mean of about
// 1e12 that the result is rounding noise (at 1e18 the sample variance comes
// out half again too big).
//
// Below a mean of 10 it inverts the distribution function by walking up
// from 0 with one uniform draw. From 10 up it uses Hörmann's transformed
// rejection with squeeze (PTRS, 1993): two uniform draws per attempt,
// 1.1 to 1.35 attempts on average, and most attempts end at the squeeze
// without a logarithm. The exact test compares with the log probability
// written as Loader's deviance and Stirling-error terms, which keep their
// precision for every mean validation allows (up to 1.844e19).
func (p Poisson) sample(rng rand.Source) float64 {
	lambda := p.Lambda
	switch {
	case !(lambda > 0) || math.IsInf(lambda, 1):
		return math.NaN()
	case lambda < poissonInversionMax:
		return poissonInversion(lambda, rng)
	}
	return poissonPTRS(lambda, rng)
}

// poissonInversion returns the smallest k whose distribution function
// exceeds one uniform draw, for 0 < lambda < 10. The walk stops once the
// probabilities added no longer change the sum (past k = 50 or so), so a
// draw within rounding of 1 cannot run it on.
func poissonInversion(lambda float64, rng rand.Source) float64 {
	u := unitFloat64(rng)
	p := math.Exp(-lambda)
	cdf := p
	k := 0.0
	for u >= cdf {
		k++
		p *= lambda / k
		next := cdf + p
		if next == cdf {
			break
		}
		cdf = next
	}
	return k
}

// poissonPTRS samples a Poisson variate with mean lambda >= 10 by
// transformed rejection with squeeze. The constants are the paper's.
func poissonPTRS(lambda float64, rng rand.Source) float64 {
	b := 0.931 + 2.53*math.Sqrt(lambda)
	a := -0.059 + 0.02483*b
	logInvAlpha := math.Log(1.1239 + 1.1328/(b-3.4))
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := unitFloat64(rng) - 0.5
		v := unitFloat64(rng)
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + lambda + 0.43)
		if us >= 0.07 && v <= vr {
			return k
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		if math.Log(v)+logInvAlpha-math.Log(a/(us*us)+b) <= poissonLogPMF(k, lambda) {
			return k
		}
	}
}

// poissonLogPMF is log(lambda^k e^-lambda / k!) for a whole number k >= 0,
// written as -deviance(k, lambda) - stirlingError(k) - log(2 pi k)/2 so that
// no two large terms cancel.
func poissonLogPMF(k, lambda float64) float64 {
	if k == 0 {
		return -lambda
	}
	return -deviance(k, lambda) - stirlingError(k) - 0.5*math.Log(2*math.Pi*k)
}

// deviance is x ln(x/m) + m - x for x, m > 0 (Loader's bd0). Near x = m the
// two halves nearly cancel, so there it sums the series in v = (x-m)/(x+m)
// instead: (x-m)v + 2x(v^3/3 + v^5/5 + ...). With |v| < 0.1 each term is
// under a hundredth of the one before, and the loop stops when a term no
// longer changes the sum (a dozen terms at most).
func deviance(x, m float64) float64 {
	if math.Abs(x-m) >= 0.1*(x+m) {
		return x*math.Log(x/m) + m - x
	}
	v := (x - m) / (x + m)
	s := (x - m) * v
	term := 2 * x * v
	v2 := v * v
	for j := 3.0; j < 100; j += 2 {
		term *= v2
		next := s + term/j
		if next == s {
			break
		}
		s = next
	}
	return s
}

// stirlingError is ln(n!) - (n ln n - n + ln(2 pi n)/2) for a whole number
// n >= 1: exactly from math.Lgamma up to 15, then from the first five terms
// of its asymptotic series, which are within 1e-16 there.
func stirlingError(n float64) float64 {
	if n <= 15 {
		lg, _ := math.Lgamma(n + 1)
		return lg - (n+0.5)*math.Log(n) + n - 0.5*math.Log(2*math.Pi)
	}
	n2 := n * n
	return (1.0/12 - (1.0/360-(1.0/1260-(1.0/1680-1.0/1188/n2)/n2)/n2)/n2) / n
}

// sample is gonum's: Scale * (-ln(1-U))^(1/Shape) for one uniform U.
func (w Weibull) sample(rng rand.Source) float64 {
	return distuv.Weibull{K: w.Shape, Lambda: w.Scale, Src: rng}.Rand()
}

// sample wraps gonum's standard gamma sampler (Marsaglia and Tsang's
// method; Liu, Martin and Syring's for shapes below 0.2) and multiplies by
// Scale itself. Handing gonum the rate 1/Scale instead would turn scales
// below about 5.6e-309 into an infinite rate. gonum panics on shapes that
// are not > 0, so those (invalid anyway) give NaN here.
func (g Gamma) sample(rng rand.Source) float64 {
	if !(g.Shape > 0) {
		return math.NaN()
	}
	return distuv.Gamma{Alpha: g.Shape, Beta: 1, Src: rng}.Rand() * g.Scale
}

// tinyBetaShape: when both Beta shapes are below it, both are scaled up by
// 2^200 before sampling (see Beta.sample).
const tinyBetaShape = 0x1p-1000

// sample is written here rather than taken from gonum, which returns
// Ga/(Ga+Gb) for standard gamma variates Ga, Gb with shapes Alpha and Beta.
// With both shapes tiny both variates underflow to 0 and that is NaN every
// time (Beta(1e-300, 1e-300) should be 0 or 1, each half the time); with
// both near 1e308 the sum overflows and the result is 0 instead of about
// one half.
//
// This one forms the same ratio from the variates' logarithms, as
// 1/(1 + exp(ln Gb - ln Ga)), and draws the logarithm of a gamma variate
// with shape s < 1 as ln G(s+1) + ln(U)/s (Marsaglia and Tsang's boost),
// which never underflows. Only if both shapes are below 2^-1000, where
// ln(U)/s can overflow for both, does it first multiply both by 2^200: the
// result is then 0 or 1 either way, with probability Alpha/(Alpha+Beta) of
// 1, which the scaling leaves unchanged.
func (b Beta) sample(rng rand.Source) float64 {
	alpha, beta := b.Alpha, b.Beta
	if !(alpha > 0 && beta > 0) {
		return math.NaN()
	}
	if alpha < tinyBetaShape && beta < tinyBetaShape {
		alpha *= 0x1p200
		beta *= 0x1p200
	}
	la := logStdGamma(alpha, rng)
	lb := logStdGamma(beta, rng)
	return 1 / (1 + math.Exp(lb-la))
}

// logStdGamma returns the natural logarithm of a draw from the gamma
// distribution with shape s > 0 and scale 1.
func logStdGamma(s float64, rng rand.Source) float64 {
	if s >= 1 {
		return math.Log(distuv.Gamma{Alpha: s, Beta: 1, Src: rng}.Rand())
	}
	g := distuv.Gamma{Alpha: s + 1, Beta: 1, Src: rng}.Rand()
	return math.Log(g) + math.Log(float64OpenClosed01(rng))/s
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
	return saturatingUint64(math.Round(min(x, maxSampledMicros)))
}

// sampleMicros samples d as a timeout or duration in whole microseconds
// (see roundMicros).
func sampleMicros(d Dist, rng rand.Source) uint64 {
	return roundMicros(d.Sample(rng))
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
	return saturatingUint64(math.Round(d.Sample(rng)))
}
