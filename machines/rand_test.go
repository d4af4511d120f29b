package machines

import (
	"math"
	"testing"
)

// seq is a source that returns its values in turn and counts the draws.
type seq struct {
	v []uint64
	n int
}

func (s *seq) Uint64() uint64 {
	x := s.v[s.n%len(s.v)]
	s.n++
	return x
}

// hi32 makes a 64-bit draw whose 32-bit draw is x.
func hi32(x uint32) uint64 { return uint64(x)<<32 | 0xDEADBEEF }

func TestRangeUint32(t *testing.T) {
	tests := []struct {
		name      string
		low, high uint32
		draws     []uint64
		want      uint32
		used      int
	}{
		// The high word of draw × width, in one draw.
		{"zero", 1, 11, []uint64{hi32(0)}, 1, 1},
		{"top", 1, 11, []uint64{hi32(0xFFFFFFFF)}, 10, 1},
		{"middle", 0, 10, []uint64{hi32(0x80000000)}, 5, 1},
		// A low word of 0xFFFFFFFA is above -10: a second draw, whose
		// high word (5) does not carry.
		{"second draw, no carry", 1, 11, []uint64{hi32(0x19999999), hi32(0x80000000)}, 1, 2},
		// ... whose high word (6) carries one.
		{"second draw, carry", 1, 11, []uint64{hi32(0x19999999), hi32(0x9999999A)}, 2, 2},
		// A width of 1 never needs a second draw.
		{"one value", 7, 8, []uint64{hi32(0xFFFFFFFF)}, 7, 1},
		{"widest", 0, 0xFFFFFFFF, []uint64{hi32(0xFFFFFFFF)}, 0xFFFFFFFE, 1},
	}
	for _, tt := range tests {
		s := &seq{v: tt.draws}
		if got := rangeUint32(s, tt.low, tt.high); got != tt.want || s.n != tt.used {
			t.Errorf("%s: %d with %d draws, want %d with %d", tt.name, got, s.n, tt.want, tt.used)
		}
	}
}

func TestRangeFloat64(t *testing.T) {
	tests := []struct {
		low, high float64
		draw      uint64
		want      float64
	}{
		{0, 10, 0, 0},
		{0.01, 1000, 0, 0.01},
		{0, 10, 1 << 63, 5},
		{0, 1, math.MaxUint64, 1 - 0x1p-52},
		{-3, 5, 1 << 62, -1},
		// Only the top 52 bits count.
		{0, 1, 0xFFF, 0},
	}
	for _, tt := range tests {
		if got := rangeFloat64(&seq{v: []uint64{tt.draw}}, tt.low, tt.high); got != tt.want {
			t.Errorf("rangeFloat64(%v, %v) with %#x = %v, want %v", tt.low, tt.high, tt.draw, got, tt.want)
		}
	}
}

func TestCoin(t *testing.T) {
	for _, tt := range []struct {
		draw uint64
		want bool
	}{{0, true}, {1<<63 - 1, true}, {1 << 63, false}, {math.MaxUint64, false}} {
		if got := coin(&seq{v: []uint64{tt.draw}}); got != tt.want {
			t.Errorf("coin with %#x = %v", tt.draw, got)
		}
	}
}
