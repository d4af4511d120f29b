package sim

import (
	"math/bits"
	"math/rand/v2"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// Xoshiro256StarStar returns the xoshiro256** generator of rand_xoshiro
// 0.7, seeded as its seed_from_u64(seed) seeds it: the four words of state
// are the first four outputs of SplitMix64(seed) (a state of all zeros,
// which SplitMix64 never gives in practice, is replaced by the seeding for
// 0). A 32-bit draw from it is the high half of a 64-bit one, as
// rand_xoshiro's next_u32 is.
//
// It is the deterministic source of the reference simulator's
// insecure_rng_seed: fast and reproducible, and predictable, so it is for
// simulation and tests only, never for defending real traffic. The source
// is not safe for concurrent use.
func Xoshiro256StarStar(seed uint64) rand.Source {
	sm := splitmix.New(seed)
	var s [4]uint64
	for i := range s {
		s[i] = sm.Uint64()
	}
	if s == [4]uint64{} {
		return Xoshiro256StarStar(0)
	}
	return &xoshiro{s: s}
}

// xoshiro is the state of a xoshiro256** generator.
type xoshiro struct {
	s [4]uint64
}

// Uint64 returns the next 64 bits: the ** scrambler of the second word,
// then one step of the xoshiro256 state transition.
func (x *xoshiro) Uint64() uint64 {
	s := &x.s
	result := bits.RotateLeft64(s[1]*5, 7) * 9
	t := s[1] << 17
	s[2] ^= s[0]
	s[3] ^= s[1]
	s[1] ^= s[2]
	s[0] ^= s[3]
	s[2] ^= t
	s[3] = bits.RotateLeft64(s[3], 45)
	return result
}
