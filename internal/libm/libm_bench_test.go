package libm

import (
	"math"
	"testing"
)

// The benchmarks take their arguments from tables of the kind the samplers
// pass (uniform draws and their logarithms), so that the branches on the
// argument see what sampling gives them, not one value over and over. The
// tables are too long for a branch predictor to learn their patterns.

const benchN = 1 << 14

// benchUniform holds draws in (0, 1], as the samplers' OpenClosed01.
var benchUniform = testInputs(benchN, func(u float64) float64 { return 1 - u })

// benchExpArgs holds arguments of the size Exp gets in sampling.
var benchExpArgs = testInputs(benchN, func(u float64) float64 { return (u*2 - 1) * 20 })

var sink float64

func BenchmarkExp(b *testing.B) {
	b.ReportAllocs()
	var s float64
	for i := 0; b.Loop(); i++ {
		s += Exp(benchExpArgs[i&(benchN-1)])
	}
	sink = s
}

func BenchmarkLog(b *testing.B) {
	b.ReportAllocs()
	var s float64
	for i := 0; b.Loop(); i++ {
		s += Log(benchUniform[i&(benchN-1)])
	}
	sink = s
}

// BenchmarkPow runs Pow as the samplers call it: pareto is a uniform
// draw to the power -1/3 (Pareto with shape 3), weibull is -ln of a
// uniform draw to the power 1/0.7 (Weibull with shape 0.7), deployed
// the same to the power 1/43.655 (the Weibull of the deployed machines).
func BenchmarkPow(b *testing.B) {
	logs := make([]float64, len(benchUniform))
	for i, u := range benchUniform {
		logs[i] = -math.Log(u)
		if logs[i] == 0 {
			logs[i] = 0x1p-53
		}
	}
	for _, c := range []struct {
		name string
		xs   []float64
		y    float64
	}{
		{"pareto", benchUniform, -1.0 / 3},
		{"weibull", logs, 1 / 0.7},
		{"deployed", logs, 1 / 43.655},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var s float64
			for i := 0; b.Loop(); i++ {
				s += Pow(c.xs[i&(benchN-1)], c.y)
			}
			sink = s
		})
	}
}
