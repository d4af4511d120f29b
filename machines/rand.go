package machines

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// The draws of the builders that randomize their machines (Front and the
// Interspace builders). They reproduce the reference's random number
// library (rand 0.9) draw for draw over the same 64-bit source, so that the
// same source gives the same machines. A 32-bit draw is the high half of one
// 64-bit draw, as the reference's sources make it.

// draw32 returns 32 random bits: the high half of one 64-bit draw.
func draw32(rng rand.Source) uint32 { return uint32(rng.Uint64() >> 32) }

// rangeUint32 returns a number in [low, high), which must not be empty,
// the way rand 0.9's random_range does for u32 ranges: one 32-bit draw
// multiplied by the width, keeping the high word, and a second draw only
// when the low word falls in the biased zone (then it may carry one into
// the result).
func rangeUint32(rng rand.Source, low, high uint32) uint32 {
	width := high - low // the width of the inclusive range [low, high-1]
	hi, lo := bits.Mul32(draw32(rng), width)
	if lo > -width {
		extra, _ := bits.Mul32(draw32(rng), width)
		if _, carry := bits.Add32(lo, extra, 0); carry != 0 {
			hi++
		}
	}
	return low + hi
}

// rangeFloat64 returns a number in [low, high), which must be finite,
// non-empty and of finite width, the way rand 0.9's random_range does for
// f64 ranges: the top 52 bits of one draw make a number in [1, 2), less 1,
// times the width, plus low. The result may round to high.
func rangeFloat64(rng rand.Source, low, high float64) float64 {
	u := math.Float64frombits(rng.Uint64()>>12|0x3FF0000000000000) - 1
	// The conversion keeps the product rounded on its own: fused into the
	// addition (FMA), the last bit could differ from the reference's.
	return float64(u*(high-low)) + low
}

// half is rand 0.9's Bernoulli threshold for p = 0.5: 0.5 × 2^64.
const half = 1 << 63

// coin returns true with probability 1/2, the way rand 0.9's
// random_bool(0.5) does: one 64-bit draw below 2^63.
func coin(rng rand.Source) bool { return rng.Uint64() < half }

// orDefault returns rng, or math/rand/v2's top-level generator if rng is
// nil.
func orDefault(rng rand.Source) rand.Source {
	if rng == nil {
		return globalSource{}
	}
	return rng
}

// globalSource is math/rand/v2's top-level generator as a Source: ChaCha8,
// seeded by the runtime, safe for concurrent use.
type globalSource struct{}

func (globalSource) Uint64() uint64 { return rand.Uint64() }
