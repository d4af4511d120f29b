// Package splitmix implements SplitMix64, the small deterministic random
// source the conformance data was produced with. It is for tests and
// simulations, never for defending real traffic: its output is predictable.
package splitmix

// Source is a SplitMix64 generator. It implements math/rand/v2's Source.
// The zero value is the generator seeded with 0.
type Source struct {
	state uint64
}

// New returns a generator seeded with seed.
func New(seed uint64) *Source { return &Source{state: seed} }

// Uint64 returns the next 64 random bits.
func (s *Source) Uint64() uint64 {
	s.state += 0x9E3779B97F4A7C15
	z := s.state
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}
