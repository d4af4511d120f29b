package maybenot

import (
	"testing"
)

// benchMachineJSON returns the JSON form of a machine of n states, each
// with an action, a counter and transitions.
func benchMachineJSON(b *testing.B, n int) []byte {
	b.Helper()
	m := &Machine{AllowedPaddingPackets: 1, MaxPaddingFrac: 0.5, States: make([]State, n)}
	for i := range m.States {
		s := &m.States[i]
		s.Action = padAfter(float64(i))
		s.CounterA = &Counter{Operation: CounterIncrement, Dist: &Dist{Type: Uniform{Low: 1, High: 2}}}
		s.Transitions[NormalSent] = []Trans{{State: uint32(i+1) % uint32(n), Probability: 0.5}, {State: StateEnd, Probability: 0.25}}
		s.Transitions[PaddingSent] = []Trans{{State: 0, Probability: 1}}
	}
	data, err := m.MarshalJSON()
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkMachineUnmarshalJSON(b *testing.B) {
	for _, bc := range []struct {
		name string
		data []byte
	}{
		{"testMachine", []byte(testMachineJSON)},
		{"1000states", benchMachineJSON(b, 1000)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.data)))
			for b.Loop() {
				var m Machine
				if err := m.UnmarshalJSON(bc.data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMachineMarshalJSON(b *testing.B) {
	m := testMachine()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}
