package machines

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The expected values are correctly rounded, from 80-digit decimal
// arithmetic (Python's decimal module: exp(y·ln x) and ln x, rounded to
// the nearest float64). The first two are where glibc's pow rounds the
// other way, which makes two RegulaTor conformance cases differ from the
// reference in the last bit.
var powCases = []struct{ x, y, want float64 }{
	{0x1.753f7ced91687p-1, 0x1.1b198f004ded2p+0, 0x1.68f73b7e16585p-1},
	{0x1.24dd2f1a9fbe7p-1, 0x1.69b4f4331e638p+1, 0x1.a6722dcc7f926p-3},
	{0x1.0c00ee7efa4ccp-1, 0x1.3ccda1292da7fp+3, 0x1.afd948ce2fb0cp-10},
	{0x1.7f8fe7cb17a2dp-1, 0x1.5184f89ba436cp+2, 0x1.be8036cadf9f2p-3},
	{0x1.56ea98d42822ep-1, 0x1.6935d8aec4dc3p+4, 0x1.ecc798226e451p-14},
	{0x1.5c2e02261ae56p-2, 0x1.ef04f2f3559a4p+4, 0x1.cd5a7663ba397p-49},
	{0x1.4db1640507e66p-2, 0x1.a95c8ced5824fp+4, 0x1.fe59ee9992d22p-44},
	{0x1.648e9ab3f9b0ep-2, 0x1.9688475418243p+2, 0x1.4242b1bdb2cdbp-10},
	{0x1.a9183c4a41a4fp+8, 0x1.a25ee77a78fbcp+1, 0x1.7419f5c9fcc3bp+28},
	{0x1.f2b66f5cc049bp+6, -0x1.62410e5b19902p+1, 0x1.a91e038a90402p-20},
	{0x1.39e72419969f5p+9, 0x1.1e88a214f2ef4p+2, 0x1.86f3e7be8af0dp+41},
	{0x1.20c34ee92f4b4p+9, -0x1.087f7bf021a4ep+0, 0x1.6f88af5fe7eb9p-10},
	{2, 10, 1024},
	{4, 0.5, 2},
	{-2, 3, -8},
	{-2, 4, 16},
	{0.5, -1074, 0x1p+1074 * 0}, // overflows: +Inf, from math.Pow
}

// e^x as pow(e, x): the float64 nearest e, raised to x. For x = -8 and
// x = -31.7 it differs from exp(x).
var powECases = []struct{ x, want float64 }{
	{-8, 0x1.5fc21041027afp-12},
	{-0.5, 0x1.368b2fc6f960ap-1},
	{-31.7, 0x1.33f4037068ee6p-46},
	{-0.001, 0x1.ff7cfe56f1a9ep-1},
	{0, 1},
}

var logCases = []struct{ x, want float64 }{
	{0x1.753f7ced91687p-1, -0x1.43aae18c7b107p-2},
	{0.94, -0x1.fae2206cabe40p-5},
	{1.0 / 277, -0x1.67efe71f4d30bp+2},
	{0x1.5fc2104102800p-12, -0x1.ffffffffffff1p+2},
	{3.5e-300, -0x1.58c2e9f612517p+9},
	{1.0000001, 0x1.ad7f2847b6492p-24},
	{123456.789, 0x1.77281cad8a844p+3},
	{math.E, 1},
	{1, 0},
}

func TestPow(t *testing.T) {
	powCases[len(powCases)-1].want = math.Inf(1)
	for _, c := range powCases {
		if got := pow(c.x, c.y); got != c.want {
			t.Errorf("pow(%x, %x) = %x, want %x", c.x, c.y, got, c.want)
		}
	}
	for _, c := range powECases {
		if got := powE(c.x); got != c.want {
			t.Errorf("powE(%x) = %x, want %x", c.x, got, c.want)
		}
		if got := pow(math.E, c.x); got != c.want {
			t.Errorf("pow(e, %x) = %x, want %x", c.x, got, c.want)
		}
	}
	for _, c := range logCases {
		if got := log(c.x); got != c.want {
			t.Errorf("log(%x) = %x, want %x", c.x, got, c.want)
		}
	}
}

// TestPowSpecialCases checks that the special cases are math.Pow's and
// math.Log's.
func TestPowSpecialCases(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 2, -2, 0.5, -0.5, 3, -3, inf, -inf, nan, 1e308, 1e-300, 2000, -2000}
	same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	for _, x := range vals {
		for _, y := range vals {
			got, want := pow(x, y), math.Pow(x, y)
			if !same(got, want) && !(math.Abs(got-want) <= 1e-15*math.Abs(want)) {
				t.Errorf("pow(%v, %v) = %v, want %v", x, y, got, want)
			}
			if math.Signbit(got) != math.Signbit(want) && !math.IsNaN(want) {
				t.Errorf("pow(%v, %v) = %v, want the sign of %v", x, y, got, want)
			}
		}
		if got, want := log(x), math.Log(x); !same(got, want) && !(math.Abs(got-want) <= 1e-15*math.Abs(want)) {
			t.Errorf("log(%v) = %v, want %v", x, got, want)
		}
	}
}

// TestPowNearMath compares pow and log with math.Pow and math.Log, which
// are within a few units in the last place, over random arguments.
func TestPowNearMath(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		x := math.Exp(r.Float64()*40 - 20)
		y := r.Float64()*200 - 100
		if got, want := pow(x, y), math.Pow(x, y); math.Abs(got-want) > 1e-13*want {
			t.Fatalf("pow(%v, %v) = %v, math.Pow %v", x, y, got, want)
		}
		if got, want := log(x), math.Log(x); math.Abs(got-want) > 1e-15*math.Abs(want)+1e-300 {
			t.Fatalf("log(%v) = %v, math.Log %v", x, got, want)
		}
	}
}

// TestLogSubnormal checks log of subnormal numbers, where math.Log on
// amd64 is wrong (it gives about -709 for 5e-324).
func TestLogSubnormal(t *testing.T) {
	for _, c := range []struct{ x, want float64 }{
		{5e-324, -0x1.74385446d71c3p+9},    // -1074 ln 2
		{0x1p-1030, -0x1.64f886378b146p+9}, // -1030 ln 2
	} {
		if got := log(c.x); got != c.want {
			t.Errorf("log(%x) = %x, want %x", c.x, got, c.want)
		}
	}
}

func TestLibmAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = pow(0.94, 3.3) + powE(-2) + log(3) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}
