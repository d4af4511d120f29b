package maybenot

import (
	"encoding/json"
	"testing"
)

// BenchmarkSerialize serializes the real machines of decode.jsonl in turn,
// one per iteration, and the largest a machine string can carry.
func BenchmarkSerialize(b *testing.B) {
	var real []*Machine
	for _, line := range conformanceLines(b, "decode.jsonl") {
		var c struct{ Input string }
		if err := json.Unmarshal(line, &c); err != nil {
			b.Fatal(err)
		}
		m, err := ParseMachine(c.Input)
		if err != nil {
			b.Fatal(err)
		}
		real = append(real, m)
	}
	b.Run("real", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			real[i%len(real)].Serialize()
		}
	})
	b.Run("most-states", func(b *testing.B) {
		m := emptyStates(maxWireStates - 8)
		b.ReportAllocs()
		for b.Loop() {
			m.Serialize()
		}
	})
}
