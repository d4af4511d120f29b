package maybenot

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// TestCompiledDistSamplesAsDist checks that a compiled distribution, which
// samples some types from parameters prepared once, takes the same draws
// and gives the same timeouts and limits as sampling the Dist itself, for
// typical parameters and for the edges of Start and Max.
func TestCompiledDistSamplesAsDist(t *testing.T) {
	inf := math.Inf(1)
	types := append([]DistType{
		Uniform{Low: -5, High: 5},
		Uniform{Low: 1.5e6, High: 9.5e6},
		Uniform{Low: -math.MaxFloat64, High: math.MaxFloat64}, // the width overflows
		Normal{Mean: 50.262, Stdev: 28.562},
		Normal{Mean: 0, Stdev: -3},
		Normal{Mean: 1, Stdev: inf}, // invalid: NaN, the long way
		Weibull{Scale: 37.894, Shape: 43.655},
		Weibull{Scale: 1e300, Shape: 1e-3},
		Weibull{Scale: 1, Shape: 0}, // invalid
		Binomial{Trials: 0, Probability: 0.73},
	}, allDistTypes...)
	bounds := []struct{ start, max float64 }{
		{0, 0}, {9598.682, 484856.2}, {-100, 0}, {37.065, 270.046}, {0, -1}, {1e300, 0}, {-inf, 0},
	}
	for _, typ := range types {
		for _, b := range bounds {
			d := Dist{Type: typ, Start: b.start, Max: b.max}
			for _, limit := range []bool{false, true} {
				var pd progDist
				if limit {
					pd = compileDist(&d, func(d Dist, rng rand.Source) uint64 { return sampleLimit(&d, rng) })
				} else {
					pd = compileDist(&d, sampleMicros)
				}
				got, want := &countingSource{src: splitmix.New(3)}, &countingSource{src: splitmix.New(3)}
				for i := range 200 {
					var g, w uint64
					if limit {
						g, w = pd.count(got), sampleLimit(&d, want)
					} else {
						g, w = pd.micros(got), sampleMicros(d, want)
					}
					if g != w || got.draws != want.draws {
						t.Fatalf("%v (limit %v), sample %d: compiled gives %d after %d draws, Dist %d after %d",
							d, limit, i, g, got.draws, w, want.draws)
					}
				}
			}
		}
	}
}
