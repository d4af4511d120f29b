package miniz

import (
	"math/rand/v2"
	"strings"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// A testInput is an input built in code to reach one behaviour of the
// compressor, with the length and SHA-256 of the stream the reference's
// compressor (miniz_oxide 0.8.9 at level 9, driven as flate2 1.1.9's
// ZlibEncoder drives it) writes for it.
type testInput struct {
	name    string
	make    func(r *rand.Rand) []byte
	outLen  int
	outHash string
}

// testInputs cover every kind of block and every rule of the match
// search. Each draws from SplitMix64 seeded with 1.
var testInputs = []testInput{
	{"empty", func(*rand.Rand) []byte { return nil },
		8, "b171e283c6145acf2b923098dbbc40ffc39b4f1db0212928f9869747376c4ac8"},
	{"one byte", func(*rand.Rand) []byte { return []byte{7} },
		9, "1809afb163782dc272bc7eb9fbb09c456caba8ad2e953136b07b31ce2a6984fd"},
	{"47 bytes: fixed codes", func(*rand.Rand) []byte { return []byte(text47) },
		19, "25e58be31e18b85a476d0eb287c29a489c7189c6219c3fa1875581cb743f02f4"},
	{"48 bytes: dynamic codes", func(*rand.Rand) []byte { return []byte(text47 + ".") },
		34, "586989f87eb6cc53df894936057f635d4d3e190d24a289063aa6e796ef7bd09b"},
	{"random, 100 KiB: stored blocks", func(r *rand.Rand) []byte { return randomBytes(r, 100<<10) },
		102426, "059aa5d4d0c6c6e281cbf940407e247716774e1841ac3e97ce48f19846463463"},
	{"zeros then random: a block ended by a full buffer", func(r *rand.Rand) []byte {
		return append(make([]byte, 1<<10), randomBytes(r, 200<<10)...)
	}, 204900, "1d882e5c93338eaab010ba45431f688bda105bdba10b39ec0f3c53fcc5656b63"},
	{"random, zeros, random: stored and compressed blocks", func(r *rand.Rand) []byte {
		b := randomBytes(r, 40<<10)
		b = append(b, make([]byte, 70<<10)...)
		return append(b, randomBytes(r, 40<<10)...)
	}, 82350, "1a2d55c987404381b0be1ae7a2749a0d00a0e9fcd0d7271ea07afc9137bded80"},
	{"four letters, 300 KiB: lazy matches, full buffers", func(r *rand.Rand) []byte {
		b := make([]byte, 300<<10)
		for i := range b {
			b[i] = "ACGT"[r.IntN(4)]
		}
		return b
	}, 88991, "fe9fdc8133ec35556f16378670395527fe3c7c0cac0711c2b444451f2eb7a476"},
	{"repeats 32,468 bytes apart: the far end of the window", func(r *rand.Rand) []byte {
		block := randomBytes(r, 32<<10-300)
		var b []byte
		for len(b) < 400<<10 {
			b = append(b, block...)
			for range 40 {
				block[r.IntN(len(block))] ^= byte(1 + r.IntN(255))
			}
		}
		return b
	}, 37133, "6aca553cc0ea3dbe2d37ddbb5bc4765d86b22dc6928b12f586e0674d5188cb3f"},
	{"one trigram, then a random byte: probe budgets spent", func(r *rand.Rand) []byte {
		b := make([]byte, 256<<10)
		for i := range b {
			if i%4 == 3 {
				b[i] = byte(r.Uint32())
			} else {
				b[i] = "abc"[i%4]
			}
		}
		return b
	}, 92631, "ba35c18a1b5c02d3d9925c187180e47c0bfa97ca347fd2ec7934acd45472e24d"},
	{"letters of skewed frequencies", func(r *rand.Rand) []byte {
		// Symbol k is drawn with probability about 2^-k.
		b := make([]byte, 200<<10)
		for i := range b {
			k := 0
			for k < 40 && r.IntN(2) == 0 {
				k++
			}
			b[i] = byte(k)
		}
		return b
	}, 63632, "8bf143221df61f47abb86a40f59c8fc793218e534754c7c11239ca769b838723"},
	{"a short match, then a long one a byte later", func(r *rand.Rand) []byte {
		x := randomBytes(r, 300)
		b := append(randomBytes(r, 10), x...)
		b = append(b, randomBytes(r, 50)...)
		b = append(b, 'z')
		b = append(b, x[:4]...)
		b = append(b, randomBytes(r, 50)...)
		b = append(b, 'z')
		return append(b, x...)
	}, 489, "3745cb833c8fdabc6ac88bfe663e85d7b75b6899d1744d14b8ec270d6c69579f"},
	{"words", func(r *rand.Rand) []byte {
		words := []string{"state ", "padding ", "blocking ", "machine ", "event ", "of ", "a ", "the ", "\n", "timer "}
		var b []byte
		for len(b) < 150<<10 {
			b = append(b, words[r.IntN(len(words))]...)
		}
		return b
	}, 20166, "050130ec495a8ba7063053be78ccb5c7d3551a0a839289c3ac6168c18b33d1e5"},
	{"a period of 978 bytes: repeated longest matches", func(r *rand.Rand) []byte {
		unit := randomBytes(r, 977)
		var b []byte
		for len(b) < 200<<10 {
			b = append(b, unit...)
			b = append(b, byte(len(b)))
		}
		return b
	}, 2659, "05cd8b1135f59964ccddddd4712536e12b623f9743c9301059000c4621d91526"},
	{"zeros, 3 MiB: longest matches", func(*rand.Rand) []byte { return make([]byte, 3<<20) },
		3071, "fec41de86a2812cea2426cce697567fdf2e8f95ab1e59d241b60d89bb497db08"},
}

// text47 is 47 bytes of text that compress.
var text47 = strings.Repeat("padding ", 6)[:47]

// randomBytes returns n bytes from r.
func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint64())
	}
	return b
}

// input returns the bytes of in.
func (in testInput) input() []byte { return in.make(rand.New(splitmix.New(1))) }
