package maybenot

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// FuzzSerializeMachine serializes random valid machines, drawn from the
// fuzzed seed with 1 to fuzzMaxStates states and every distribution type,
// and parses the strings back: ParseMachine checks the "02", the padded
// standard base64 and, inflating with the standard library's compress/zlib,
// the stream and its Adler-32, and the machine must come back whole. (The
// machines are small to keep each run short: the compressor's work grows
// with the input, and FuzzCompress in internal/miniz feeds it arbitrary
// bytes.)
func FuzzSerializeMachine(f *testing.F) {
	f.Add(uint64(0), uint8(1))
	f.Add(uint64(7), uint8(40))
	f.Add(uint64(1<<63+12345), uint8(255))
	f.Fuzz(func(t *testing.T, seed uint64, states uint8) {
		m := machineGen{r: rand.New(splitmix.New(seed))}.machine(1 + int(states)%fuzzMaxStates)
		s := m.Serialize()
		back, err := ParseMachine(s)
		if err != nil {
			t.Fatalf("ParseMachine(%q): %v", s, err)
		}
		if !bytes.Equal(encodeMachine(back), encodeMachine(&m)) {
			t.Fatalf("%q parses to %v, want %v", s, back, &m)
		}
	})
}

// fuzzMaxStates is the most states of FuzzSerializeMachine's machines.
const fuzzMaxStates = 6
