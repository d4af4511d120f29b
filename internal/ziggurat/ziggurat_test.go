package ziggurat

import (
	"math"
	"testing"
)

// TestTables checks that the tables are the ZIGNOR layers of the package
// documentation: each X from the one before by the recursion, and F =
// f(X), within a few float64 rounding errors (the published values differ
// from a recomputation by one or two units in the last place); the layers
// shrinking from the base to the top, each of area V; and the first two
// edges and the base width the documentation fixes.
func TestTables(t *testing.T) {
	tests := []struct {
		name string
		x, f *[257]float64
		r, v float64
		pdf  func(float64) float64
		inv  func(float64) float64
	}{
		{"normal", &NormX, &NormF, NormR, 0.00492867323399,
			func(x float64) float64 { return math.Exp(-x * x / 2) },
			func(y float64) float64 { return math.Sqrt(-2 * math.Log(y)) }},
		{"exponential", &ExpX, &ExpF, ExpR, 0.0039496598225815571993,
			func(x float64) float64 { return math.Exp(-x) },
			func(y float64) float64 { return -math.Log(y) }},
	}
	for _, tt := range tests {
		x, f := tt.x, tt.f
		if x[1] != tt.r || x[256] != 0 || f[256] != 1 {
			t.Errorf("%s: X[1] = %v, X[256] = %v, F[256] = %v; want R, 0, 1", tt.name, x[1], x[256], f[256])
		}
		if got, want := x[0], tt.v/tt.pdf(tt.r); math.Abs(got-want) > 1e-15*want {
			t.Errorf("%s: X[0] = %v, want V/f(R) = %v", tt.name, got, want)
		}
		for i := 2; i < 256; i++ {
			want := tt.inv(tt.v/x[i-1] + tt.pdf(x[i-1]))
			if math.Abs(x[i]-want) > 1e-15*want {
				t.Errorf("%s: X[%d] = %v, recursion gives %v", tt.name, i, x[i], want)
			}
		}
		for i := range x {
			if i > 0 && !(x[i] < x[i-1]) {
				t.Errorf("%s: X[%d] = %v not below X[%d] = %v", tt.name, i, x[i], i-1, x[i-1])
			}
			if want := tt.pdf(x[i]); math.Abs(f[i]-want) > 5e-16 {
				t.Errorf("%s: F[%d] = %v, f(X[%d]) = %v", tt.name, i, f[i], i, want)
			}
		}
		// Every layer above the base has area V: X[i](F[i+1] - F[i]) for
		// the rectangle from the edge below to the edge above.
		for i := 1; i < 255; i++ {
			if area := x[i] * (f[i+1] - f[i]); math.Abs(area-tt.v) > 1e-12*tt.v {
				t.Errorf("%s: layer %d has area %v, want %v", tt.name, i, area, tt.v)
			}
		}
	}
}
