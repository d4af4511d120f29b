package libm

import (
	"hash/fnv"
	"math"
	"math/big"
	"testing"
)

var (
	inf  = math.Inf(1)
	nan  = math.NaN()
	negZ = math.Copysign(0, -1)
)

// same reports whether a and b are the same float64, NaNs being the same
// as each other and -0 different from +0.
func same(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || a != a && b != b
}

// The special-case tests hold the values the algorithms fix exactly;
// everything else is checked for accuracy further below.

func TestExpSpecial(t *testing.T) {
	tests := []struct{ x, want float64 }{
		{0, 1},
		{negZ, 1},
		{0x1p-30, 1 + 0x1p-30}, // 1 + x below 2^-28
		{-0x1p-29, 1 - 0x1p-29},
		{709.79, inf},
		{1000, inf},
		{inf, inf},
		{-inf, 0},
		{-745.14, 0},
		{nan, nan},
	}
	for _, tt := range tests {
		if got := Exp(tt.x); !same(got, tt.want) {
			t.Errorf("Exp(%v) = %v, want %v", tt.x, got, tt.want)
		}
	}
}

func TestLogSpecial(t *testing.T) {
	tests := []struct{ x, want float64 }{
		{1, 0},
		{0, -inf},
		{negZ, -inf},
		{-1, nan},
		{-5e-324, nan},
		{-inf, nan},
		{inf, inf},
		{nan, nan},
	}
	for _, tt := range tests {
		if got := Log(tt.x); !same(got, tt.want) {
			t.Errorf("Log(%v) = %v, want %v", tt.x, got, tt.want)
		}
	}
}

// TestPowSpecial checks the special cases of C99's pow, which the
// reference's pow follows, and the shortcuts it takes.
func TestPowSpecial(t *testing.T) {
	tests := []struct{ x, y, want float64 }{
		{nan, 0, 1}, {inf, negZ, 1}, {-3, 0, 1}, // y = ±0
		{1, nan, 1}, {1, -inf, 1}, {1, 12.5, 1}, // x = 1
		{nan, 2, nan}, {2, nan, nan}, {-1, nan, nan},
		{-1, inf, 1}, {-1, -inf, 1},
		{0.5, inf, 0}, {0.5, -inf, inf}, {-0.5, -inf, inf},
		{2, inf, inf}, {-2, inf, inf}, {2, -inf, 0},
		{3, 1, 3}, {3, -1, 1.0 / 3}, {-3, 1, -3}, // y = ±1
		{1.1, 2, 1.2100000000000002}, {-1.1, 2, 1.2100000000000002}, // y = 2: x*x
		{2, 0.5, math.Sqrt2}, {-2, 0.5, nan}, {-inf, 0.5, inf}, {negZ, 0.5, 0}, // y = 0.5
		{0, -1, inf}, {negZ, -1, -inf}, {negZ, -2, inf}, {negZ, 3, negZ}, {0, 3, 0}, {negZ, 2.5, 0},
		{inf, -2, 0}, {-inf, 3, -inf}, {-inf, -3, negZ}, {-inf, 2.5, inf}, {-inf, -2.5, 0},
		{-1, 3, -1}, {-1, 4, 1}, {-1, 2.5, nan},
		{-2, 3, -8}, {-2, 4, 16}, {-2, -3, -0.125}, {-2, 2.5, nan}, {-8, 1.0 / 3, nan},
		{-2, 0x1p53, inf}, {-2, 0x1p52 + 1, -inf}, {-0.5, 0x1p52 + 1, negZ},
		{2, 1024, inf}, {2, 1023, 0x1p1023}, {2, -1074, 5e-324}, {2, -1075, 0}, {-2, -1075, negZ},
		{2, -1076, 0}, {2, 1e10, inf}, {2, -1e10, 0},
		{0.5, 1 << 40, 0}, {2, 1 << 40, inf}, {0.5, -(1 << 40), inf},
		{1 + 0x1p-30, 1 << 40, inf}, {1 - 0x1p-30, 1 << 40, 0}, {1 + 0x1p-30, -(1 << 40), 0}, // x near 1, |y| > 2^31
		{math.Nextafter(1, 0), 0x1p70, 0}, {math.Nextafter(1, 2), 0x1p70, inf},
		{5e-324, 0.5, 2.2227587494850775e-162}, {5e-324, -1, inf}, {10, 309, inf},
	}
	for _, tt := range tests {
		if got := Pow(tt.x, tt.y); !same(got, tt.want) {
			t.Errorf("Pow(%v, %v) = %v, want %v", tt.x, tt.y, got, tt.want)
		}
	}
}

func TestScalbn(t *testing.T) {
	tests := []struct {
		x    float64
		n    int
		want float64
	}{
		{1, 0, 1},
		{1, 1023, 0x1p1023},
		{1, 1024, inf},
		{5e-324, 2097, 0x1p1023},         // three steps up
		{math.MaxFloat64, -2098, 5e-324}, // 3 steps: the last rounds up to 2^-1074
		{math.MaxFloat64, -2099, 0},
		{1.5, -1074, 1e-323}, // 1.5 · 2^-1074 rounds to even, 2^-1073
		{1.25, -1074, 5e-324},
		{1, -1075, 0}, // exactly half the smallest subnormal: to even, 0
		{1.0000000000000002, -1075, 5e-324},
		{-3, 2, -12},
		{inf, -2000, inf},
		{0, 5000, 0},
		{negZ, -5000, negZ},
	}
	for _, tt := range tests {
		if got := scalbn(tt.x, tt.n); !same(got, tt.want) {
			t.Errorf("scalbn(%v, %d) = %v, want %v", tt.x, tt.n, got, tt.want)
		}
	}
}

// The accuracy tests compare with values computed to 192 bits with
// math/big and rounded once: the reference's functions are within 1 ulp,
// so every result must be the correctly rounded value or one of its two
// neighbours.

const bigPrec = 192

func bigF(x float64) *big.Float { return new(big.Float).SetPrec(bigPrec).SetFloat64(x) }

// bigLn2 is ln 2 = 2 atanh(1/3).
var bigLn2 = bigAtanh2(new(big.Float).SetPrec(bigPrec).Quo(bigF(1), bigF(3)))

// bigAtanh2 is 2 atanh(z) = 2 (z + z³/3 + z⁵/5 + ...) for |z| <= 1/3.
func bigAtanh2(z *big.Float) *big.Float {
	z2 := new(big.Float).SetPrec(bigPrec).Mul(z, z)
	pow := new(big.Float).SetPrec(bigPrec).Set(z)
	sum := new(big.Float).SetPrec(bigPrec).Set(z)
	term := new(big.Float).SetPrec(bigPrec)
	for k := int64(3); k < 400; k += 2 {
		pow.Mul(pow, z2)
		term.Quo(pow, new(big.Float).SetInt64(k))
		sum.Add(sum, term)
		if term.Sign() == 0 || term.MantExp(nil)-sum.MantExp(nil) < -bigPrec {
			break
		}
	}
	return sum.Mul(sum, bigF(2))
}

// bigLog is ln x for a positive finite x: with x = m·2^e and m in
// [sqrt(1/2), sqrt(2)), e ln 2 + 2 atanh((m-1)/(m+1)).
func bigLog(x float64) *big.Float {
	m, e := math.Frexp(x)
	if m < math.Sqrt2/2 {
		m *= 2
		e--
	}
	z := new(big.Float).SetPrec(bigPrec).Quo(
		new(big.Float).SetPrec(bigPrec).Sub(bigF(m), bigF(1)),
		new(big.Float).SetPrec(bigPrec).Add(bigF(m), bigF(1)))
	r := bigAtanh2(z)
	return r.Add(r, new(big.Float).SetPrec(bigPrec).Mul(bigLn2, new(big.Float).SetInt64(int64(e))))
}

// bigExp is e^y: with k the whole number nearest y/ln 2 and r = y - k ln 2,
// the Taylor series of e^r times 2^k.
func bigExp(y *big.Float) *big.Float {
	q, _ := new(big.Float).SetPrec(bigPrec).Quo(y, bigLn2).Float64()
	k := math.Round(q)
	r := new(big.Float).SetPrec(bigPrec).Sub(y, new(big.Float).SetPrec(bigPrec).Mul(bigLn2, bigF(k)))
	sum := bigF(1)
	term := bigF(1)
	for n := int64(1); n < 200; n++ {
		term.Mul(term, r)
		term.Quo(term, new(big.Float).SetInt64(n))
		sum.Add(sum, term)
		if term.Sign() == 0 || term.MantExp(nil)-sum.MantExp(nil) < -bigPrec {
			break
		}
	}
	return sum.SetMantExp(sum, int(k))
}

// ulps is how many float64 steps lie between a and b (both finite, or
// equal).
func ulps(a, b float64) uint64 {
	if a == b {
		return 0
	}
	ia, ib := int64(math.Float64bits(a)), int64(math.Float64bits(b))
	if ia < 0 {
		ia = math.MinInt64 - ia
	}
	if ib < 0 {
		ib = math.MinInt64 - ib
	}
	if ia > ib {
		return uint64(ia - ib)
	}
	return uint64(ib - ia)
}

// testInputs is a deterministic spread of n values: a 64-bit LCG's top
// bits mapped by f.
func testInputs(n int, f func(u float64) float64) []float64 {
	s := uint64(0x9E3779B97F4A7C15)
	xs := make([]float64, n)
	for i := range xs {
		s = s*6364136223846793005 + 1442695040888963407
		xs[i] = f(float64(s>>11) * 0x1p-53)
	}
	return xs
}

func TestExpAccuracy(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	xs := append(testInputs(n, func(u float64) float64 { return (u*2 - 1) * 745 }),
		testInputs(n/3, func(u float64) float64 { return (u*2 - 1) * 2 })...)
	xs = append(xs, 1, -1, 0x1p-28, -0x1p-28, 0.34657359027997264, 1.0397207708399179,
		-708.4, -740, -745.1, -745.1332191019411, 709.78, 709.782712893383973096)
	for _, x := range xs {
		want, _ := bigExp(bigF(x)).Float64()
		if got := Exp(x); ulps(got, want) > 1 {
			t.Errorf("Exp(%v) = %v, want %v within 1 ulp", x, got, want)
		}
	}
}

func TestLogAccuracy(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	xs := append(testInputs(n, func(u float64) float64 { return math.Ldexp(1+u, int(u*2098)-1074) }),
		testInputs(n/3, func(u float64) float64 { return 0.5 + u })...)
	xs = append(xs, 5e-324, 1e-310, math.MaxFloat64, math.Sqrt2/2, math.Sqrt2, 1-0x1p-53, 1+0x1p-52)
	for _, x := range xs {
		want, _ := bigLog(x).Float64()
		if got := Log(x); ulps(got, want) > 1 {
			t.Errorf("Log(%v) = %v, want %v within 1 ulp", x, got, want)
		}
	}
}

func TestPowAccuracy(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	type pair struct{ x, y float64 }
	var cases []pair
	// The samplers' uses: a uniform draw to a power, and the like.
	ys := testInputs(n, func(u float64) float64 { return (u*2 - 1) * 40 })
	for i, x := range testInputs(n, func(u float64) float64 { return u }) {
		cases = append(cases, pair{x, ys[i]})
	}
	ys = testInputs(n, func(u float64) float64 { return (u*2 - 1) * 3 })
	for i, x := range testInputs(n, func(u float64) float64 { return math.Ldexp(1+u, int(u*400)-200) }) {
		cases = append(cases, pair{x, ys[i]})
	}
	// Subnormal results, exact powers of ten.
	cases = append(cases, pair{2, -1022.5}, pair{5e-324, 0.25}, pair{10, 308}, pair{10, -323}, pair{0.5, 1074.5})
	// Near 1 with large exponents, the |y| > 2^31 path, and subnormal x.
	for i, x := range testInputs(n/3, func(u float64) float64 { return 1 + (u-0.5)*0x1p-22 }) {
		cases = append(cases, pair{x, ys[i] * 0x1p33})
	}
	for i, x := range testInputs(n/3, func(u float64) float64 { return math.Ldexp(1+u, -1060) }) {
		cases = append(cases, pair{x, ys[i] / 4})
	}
	for _, c := range cases {
		got := Pow(c.x, c.y)
		prod := new(big.Float).SetPrec(bigPrec).Mul(bigLog(c.x), bigF(c.y))
		if l, _ := prod.Float64(); l > 710 || l < -746 {
			continue // overflows or underflows in big, checked in TestPowSpecial
		}
		want, _ := bigExp(prod).Float64()
		if ulps(got, want) > 1 {
			t.Errorf("Pow(%v, %v) = %v, want %v within 1 ulp", c.x, c.y, got, want)
		}
	}
}

// TestBitsStable hashes the results of the three functions on a fixed set
// of inputs. The value was recorded on linux/amd64; the same must come out
// on every GOARCH and GOAMD64 level (a fused multiply-add, or any change to
// an operation, changes bits).
func TestBitsStable(t *testing.T) {
	const want = 0xc251ac3680e00849
	h := fnv.New64a()
	var buf [8]byte
	put := func(x float64) {
		b := math.Float64bits(x)
		for i := range buf {
			buf[i] = byte(b >> (8 * i))
		}
		h.Write(buf[:])
	}
	xs := testInputs(20000, func(u float64) float64 { return (u*2 - 1) * 750 })
	ps := testInputs(20000, func(u float64) float64 { return math.Ldexp(1+u, int(u*2098)-1074) })
	for i, x := range xs {
		put(Exp(x))
		put(Log(ps[i]))
		put(Pow(ps[i], x/20))
		put(Pow(ps[i]/math.MaxFloat64*2, x/1000))
	}
	if got := h.Sum64(); got != want {
		t.Errorf("digest %#x, want %#x", got, uint64(want))
	}
}
