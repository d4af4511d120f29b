package maybenot

import (
	"encoding/json"
	"testing"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// TestConformanceRNG checks the SplitMix64 test source against the first
// outputs the reference's test source gives for each seed.
func TestConformanceRNG(t *testing.T) {
	lines := conformanceLines(t, "rng.jsonl")
	for i, line := range lines {
		var c struct {
			Seed uint64   `json:"seed"`
			OK   bool     `json:"ok"`
			U64  []uint64 `json:"u64"`
		}
		if err := json.Unmarshal(line, &c); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if !c.OK || len(c.U64) == 0 {
			t.Fatalf("line %d: no outputs (ok %v)", i+1, c.OK)
		}
		src := splitmix.New(c.Seed)
		for j, want := range c.U64 {
			if got := src.Uint64(); got != want {
				t.Errorf("seed %d, output %d: got %d, want %d", c.Seed, j, got, want)
				break
			}
		}
	}
}

// TestConformanceRNGFloat32 checks the transition draw against the same
// outputs: the high 32 bits of each, as a float32 in [0, 1).
func TestConformanceRNGFloat32(t *testing.T) {
	lines := conformanceLines(t, "rng.jsonl")
	for i, line := range lines {
		var c struct {
			Seed uint64   `json:"seed"`
			U64  []uint64 `json:"u64"`
		}
		if err := json.Unmarshal(line, &c); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		src := splitmix.New(c.Seed)
		for j, x := range c.U64 {
			want := float32(x>>41) / (1 << 23) // 23 bits below the binary point
			if got := unitFloat32(src); got != want {
				t.Errorf("seed %d, draw %d: got %v, want %v", c.Seed, j, got, want)
			}
		}
	}
}
