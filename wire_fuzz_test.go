package maybenot

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// FuzzSerializeMachine serializes random valid machines, drawn from the
// fuzzed seed with 1 to fuzzMaxStates states and every distribution type.
// The string is "02", padded standard base64 and a zlib stream that the
// standard library inflates (checking its Adler-32) to the machine's
// bincode, and it parses back to the machine. (The machines are small to
// keep each run short: the compressor's work grows with the input, and
// FuzzCompress feeds it arbitrary bytes.)
func FuzzSerializeMachine(f *testing.F) {
	f.Add(uint64(0), uint8(1))
	f.Add(uint64(7), uint8(40))
	f.Add(uint64(1<<63+12345), uint8(255))
	f.Fuzz(func(t *testing.T, seed uint64, states uint8) {
		m := machineGen{r: rand.New(splitmix.New(seed))}.machine(1 + int(states)%fuzzMaxStates)
		s := m.Serialize()
		b64, ok := strings.CutPrefix(s, wireVersion)
		if !ok {
			t.Fatalf("Serialize gives %q", s)
		}
		stream, err := base64.StdEncoding.Strict().DecodeString(b64)
		if err != nil {
			t.Fatalf("base64: %v", err)
		}
		zr, err := zlib.NewReader(bytes.NewReader(stream))
		if err != nil {
			t.Fatalf("zlib header: %v", err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("inflate: %v", err)
		}
		if !bytes.Equal(raw, encodeMachine(&m)) {
			t.Fatal("the stream does not inflate to the machine's bincode")
		}
		back, err := ParseMachine(s)
		if err != nil {
			t.Fatalf("ParseMachine: %v", err)
		}
		if !bytes.Equal(encodeMachine(back), raw) {
			t.Fatalf("the string parses to %v, want %v", back, &m)
		}
	})
}

// fuzzMaxStates is the most states of FuzzSerializeMachine's machines.
const fuzzMaxStates = 8
