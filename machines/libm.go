package machines

import "math"

// The reference computes the parameters of FRONT and RegulaTor with the
// platform's pow and log (glibc's on Linux), which are correctly rounded
// but for rare cases (about 1 in 1,000 for pow). Go's math.Pow is a few
// units in the last place off in most cases, so pow and log here compute
// in double-double arithmetic (about 104 bits) and round once: their
// results are the correctly rounded ones, and so glibc's wherever glibc
// rounds correctly.

// pow is x^y, correctly rounded for x > 0 (and x < 0 with an integer y)
// and results in the normal range; the special cases, and results near
// overflow or underflow, are math.Pow's (the C99 special cases, as glibc).
func pow(x, y float64) float64 {
	if !isFinite(x) || !isFinite(y) || x == 0 || y == 0 || x == 1 {
		return math.Pow(x, y)
	}
	sign := 1.0
	if x < 0 {
		if y != math.Trunc(y) {
			return math.Pow(x, y) // NaN
		}
		x = -x
		if math.Mod(y, 2) != 0 {
			sign = -1
		}
	}
	t := logDD(x).mulFloat(y)
	// Keep out of the ranges where the result overflows or is subnormal,
	// where scaling by a power of two is no longer exact.
	if !(t.hi > -707 && t.hi < 709) {
		return sign * math.Pow(x, y)
	}
	return sign * expDD(t).hi
}

// powE is pow(math.E, x), as the reference computes e^x: the float64
// nearest e raised to x, not exp(x) (which differs from it in the last
// bits for |x| > 1).
func powE(x float64) float64 {
	t := lnE.mulFloat(x)
	if !(t.hi > -707 && t.hi < 709) { // NaN included
		return math.Pow(math.E, x)
	}
	return expDD(t).hi
}

// log is the natural logarithm of x, correctly rounded for finite x > 0;
// otherwise math.Log's special cases.
func log(x float64) float64 {
	if !isFinite(x) || !(x > 0) {
		return math.Log(x)
	}
	return logDD(x).hi
}

// dd is a double-double number, the unevaluated sum hi + lo with
// |lo| <= ulp(hi)/2: 106 bits of significand.
type dd struct{ hi, lo float64 }

// The error-free transformations. The conversions keep Go from fusing a
// product into an addition, which would change the low parts: Go may fuse
// across statements too, so every product that is added to or subtracted
// from is converted.

// twoSum returns a + b exactly, as a double-double.
func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

// fastTwoSum is twoSum for |a| >= |b|.
func fastTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

// twoProd returns a × b exactly, as a double-double.
func twoProd(a, b float64) dd {
	p := float64(a * b)
	return dd{p, math.FMA(a, b, -p)}
}

func (x dd) neg() dd { return dd{-x.hi, -x.lo} }

func (x dd) add(y dd) dd {
	s := twoSum(x.hi, y.hi)
	t := twoSum(x.lo, y.lo)
	s = fastTwoSum(s.hi, s.lo+t.hi)
	return fastTwoSum(s.hi, s.lo+t.lo)
}

func (x dd) mul(y dd) dd {
	p := twoProd(x.hi, y.hi)
	return fastTwoSum(p.hi, p.lo+(float64(x.hi*y.lo)+float64(x.lo*y.hi)))
}

func (x dd) mulFloat(y float64) dd {
	p := twoProd(x.hi, y)
	return fastTwoSum(p.hi, p.lo+float64(x.lo*y))
}

func (x dd) divFloat(y float64) dd {
	q1 := x.hi / y
	p := twoProd(q1, y)
	s := twoSum(x.hi, -p.hi)
	q2 := (s.hi + (s.lo - p.lo + x.lo)) / y
	return fastTwoSum(q1, q2)
}

func (x dd) div(y dd) dd {
	q1 := x.hi / y.hi
	r := x.add(y.mulFloat(q1).neg())
	q2 := r.hi / y.hi
	r = r.add(y.mulFloat(q2).neg())
	q3 := r.hi / y.hi
	return fastTwoSum(q1, q2).add(dd{q3, 0})
}

// ln2 is ln 2 to 106 bits: the float64 nearest it, and the float64
// nearest the rest (from a 60-digit decimal expansion of ln 2).
var ln2 = dd{0x1.62e42fefa39efp-1, 0x1.abc9e3b39803fp-56}

// The series: expTerms terms of e^r for |r| <= ln(2)/2^9 and logTerms of
// atanh(s)/s for |s| <= 3-2√2 reach below 2^-110 of the result.
const (
	expTerms = 11
	logTerms = 24
)

// expHalvings is how many times expDD halves its reduced argument before
// the series, squaring the result as many times after.
const expHalvings = 8

var (
	invFactorial [expTerms]dd // 1/n!
	invOdd       [logTerms]dd // 1/(2n+1)
	lnE          dd           // ln of the float64 nearest e, which is 1 - 5.3e-17
)

func init() {
	invFactorial[0] = dd{1, 0}
	for n := 1; n < expTerms; n++ {
		invFactorial[n] = invFactorial[n-1].divFloat(float64(n))
	}
	for n := range invOdd {
		invOdd[n] = dd{1, 0}.divFloat(float64(2*n + 1))
	}
	lnE = logDD(math.E)
}

// expDD is e^a for |a.hi| < 709 and results in the normal range: e^a =
// 2^k (e^(r/256))^256 with r = a - k ln 2, |r| <= ln(2)/2, and e^(r/256)
// from its Taylor series. The squarings lose 8 of the 106 bits.
func expDD(a dd) dd {
	k := math.Round(a.hi / ln2.hi)
	r := a.add(ln2.mulFloat(k).neg())
	r = dd{math.Ldexp(r.hi, -expHalvings), math.Ldexp(r.lo, -expHalvings)}
	sum := invFactorial[expTerms-1]
	for n := expTerms - 2; n >= 0; n-- {
		sum = sum.mul(r).add(invFactorial[n])
	}
	for range expHalvings {
		sum = sum.mul(sum)
	}
	return dd{math.Ldexp(sum.hi, int(k)), math.Ldexp(sum.lo, int(k))}
}

// logDD is ln x for finite x > 0: with x = 2^e m, m in [√2/2, √2),
// ln x = e ln 2 + 2 atanh(s), s = (m-1)/(m+1), atanh from its series.
func logDD(x float64) dd {
	m, e := math.Frexp(x)
	if m < math.Sqrt2/2 {
		m *= 2
		e--
	}
	s := dd{m - 1, 0}.div(twoSum(m, 1)) // m - 1 is exact
	s2 := s.mul(s)
	sum := invOdd[logTerms-1]
	for n := logTerms - 2; n >= 0; n-- {
		sum = sum.mul(s2).add(invOdd[n])
	}
	return ln2.mulFloat(float64(e)).add(s.mul(sum).mulFloat(2))
}

// isFinite reports whether x is neither NaN nor infinite. (Not x-x == 0:
// inlined into isFinite(a*b), that may be fused into one multiply-add that
// gives the product's rounding error instead of 0.)
func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
