package miniz

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/adler32"
	"io"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// inflate decompresses a zlib stream with the standard library, which
// checks the header and the Adler-32 trailer.
func inflate(t testing.TB, stream []byte) []byte {
	t.Helper()
	zr, err := zlib.NewReader(bytes.NewReader(stream))
	if err != nil {
		t.Fatalf("zlib header: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("inflate: %v", err)
	}
	return out
}

// TestCompressReference compares Compress with the streams the reference
// writes for the inputs of testInputs, and inflates each back.
func TestCompressReference(t *testing.T) {
	for _, in := range testInputs {
		if testing.Short() && in.outLen > 64<<10 {
			continue
		}
		data := in.input()
		got := Compress(data)
		sum := sha256.Sum256(got)
		if len(got) != in.outLen || hex.EncodeToString(sum[:]) != in.outHash {
			t.Errorf("%s: %d bytes with SHA-256 %x, want %d bytes with %s", in.name, len(got), sum, in.outLen, in.outHash)
		}
		if back := inflate(t, got); !bytes.Equal(back, data) {
			t.Errorf("%s: the stream inflates to %d other bytes", in.name, len(back))
		}
	}
}

// TestCompressExact checks whole streams the reference writes: the
// examples of its own tests and the smallest machine.
func TestCompressExact(t *testing.T) {
	// zlibOf wraps a raw deflate stream of data in the zlib header and
	// trailer Compress writes.
	zlibOf := func(deflate []byte, data string) []byte {
		out := append([]byte{0x78, 0xDA}, deflate...)
		return binary.BigEndian.AppendUint32(out, adler32.Checksum([]byte(data)))
	}
	for _, tc := range []struct {
		name, data string
		want       []byte
	}{
		// The reference's deflate test of the example Mark Adler worked
		// by hand: one block of fixed codes with one match.
		{"Deflate late", "Deflate late",
			zlibOf([]byte{0x73, 0x49, 0x4d, 0xcb, 0x49, 0x2c, 0x49, 0x55, 0x00, 0x11, 0x00}, "Deflate late")},
		// The bincode of the no-op machine (one state, nothing set): the
		// reference serializes it to 02eNpjYEAHjOgCAAA0AAI=.
		{"no-op machine", "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01" + string(make([]byte, 16)),
			[]byte{0x78, 0xda, 0x63, 0x60, 0x40, 0x07, 0x8c, 0xe8, 0x02, 0x00, 0x00, 0x34, 0x00, 0x02}},
		{"empty", "", []byte{0x78, 0xda, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}},
	} {
		if got := Compress([]byte(tc.data)); !bytes.Equal(got, tc.want) {
			t.Errorf("%s: Compress gives % x, want % x", tc.name, got, tc.want)
		}
	}

	// The reference's test that a short run compresses with fixed codes
	// rather than being stored: at most 6 bytes of deflate.
	if got := Compress([]byte{10, 10, 10, 10, 10, 55}); len(got) > 2+6+4 {
		t.Errorf("a short run takes %d bytes: % x", len(got), got)
	}
}

// TestCompressRoundTrip inflates the streams of random inputs of every
// size up to a few blocks, of random bytes and of bytes from small
// alphabets (long matches).
func TestCompressRoundTrip(t *testing.T) {
	r := rand.New(splitmix.New(2))
	for i := range 200 {
		n := r.IntN(1 << (4 + i%14))
		alphabet := 1 + r.IntN(256)
		data := make([]byte, n)
		for j := range data {
			data[j] = byte(r.IntN(alphabet))
		}
		if back := inflate(t, Compress(data)); !bytes.Equal(back, data) {
			t.Fatalf("%d bytes over %d letters: round trip fails", n, alphabet)
		}
	}
}

// TestCompressConcurrent compresses from several goroutines at once,
// which share the pool of compressors, and checks each stream against the
// one compressed alone.
func TestCompressConcurrent(t *testing.T) {
	r := rand.New(splitmix.New(4))
	inputs := make([][]byte, 16)
	want := make([][]byte, len(inputs))
	for i := range inputs {
		inputs[i] = make([]byte, r.IntN(20_000))
		for j := range inputs[i] {
			inputs[i][j] = byte(r.IntN(1 + i*16))
		}
		want[i] = Compress(inputs[i])
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 3 * len(inputs) {
				i := (g + k) % len(inputs)
				if got := Compress(inputs[i]); !bytes.Equal(got, want[i]) {
					t.Errorf("goroutine %d: input %d compresses differently", g, i)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestCodes checks the length and distance symbols at the edges of their
// ranges (RFC 1951, 3.2.5).
func TestCodes(t *testing.T) {
	for _, tc := range []struct{ length, code, base int }{
		{3, 257, 3}, {10, 264, 10}, {11, 265, 11}, {12, 265, 11}, {13, 266, 13},
		{18, 268, 17}, {19, 269, 19}, {34, 272, 31}, {35, 273, 35}, {130, 280, 115},
		{131, 281, 131}, {226, 283, 195}, {227, 284, 227}, {257, 284, 227}, {258, 285, 258},
	} {
		c := lengthCode(tc.length)
		if c != tc.code || lengthBase[c-firstLengthCode] != tc.base {
			t.Errorf("length %d: code %d base %d, want %d and %d", tc.length, c, lengthBase[c-firstLengthCode], tc.code, tc.base)
		}
	}
	for _, tc := range []struct{ dist, code, base int }{
		{1, 0, 1}, {4, 3, 4}, {5, 4, 5}, {6, 4, 5}, {7, 5, 7}, {256, 15, 193}, {257, 16, 257},
		{384, 16, 257}, {385, 17, 385}, {512, 17, 385}, {513, 18, 513}, {24576, 28, 16385},
		{24577, 29, 24577}, {32768, 29, 24577},
	} {
		c := distCode(tc.dist)
		if c != tc.code || distBase[c] != tc.base {
			t.Errorf("distance %d: code %d base %d, want %d and %d", tc.dist, c, distBase[c], tc.code, tc.base)
		}
	}
	if lengthExtra[27] != 5 || lengthExtra[28] != 0 || distExtra[29] != 13 {
		t.Errorf("extra bits: length codes 284 and 285 take %d and %d, distance code 29 %d; want 5, 0, 13",
			lengthExtra[27], lengthExtra[28], distExtra[29])
	}
}

// TestCodeLengths checks the minimum-redundancy lengths and their
// limiting on counts whose optimal code is known.
func TestCodeLengths(t *testing.T) {
	for _, tc := range []struct {
		name  string
		freq  []int
		limit int
		want  []uint8
	}{
		{"none", []int{0, 0}, 15, []uint8{0, 0}},
		{"one symbol", []int{0, 5, 0}, 15, []uint8{0, 1, 0}},
		{"two", []int{3, 0, 9}, 15, []uint8{1, 0, 1}},
		{"equal counts", []int{1, 1, 1, 1}, 15, []uint8{2, 2, 2, 2}},
		// Fibonacci counts give the deepest tree: 1, 1, 2, ..., 8 need
		// lengths 6, 6, 5, 4, 3, 2, 1.
		{"Fibonacci", []int{1, 1, 2, 3, 5, 8, 13}, 15, []uint8{6, 6, 5, 4, 3, 2, 1}},
		// Limited to 4 bits: the two 6-bit and the 5-bit codes become 4
		// bits, overfilling the code space by 2/16; the 3-bit code, then
		// the 2-bit one, is split to make room.
		{"Fibonacci within 4 bits", []int{1, 1, 2, 3, 5, 8, 13}, 4, []uint8{4, 4, 4, 4, 3, 3, 1}},
		{"ties in symbol order", []int{2, 1, 1, 2}, 15, []uint8{2, 2, 2, 2}},
	} {
		got := codeLengths(tc.freq, tc.limit)
		if !bytes.Equal(got, tc.want) {
			t.Errorf("%s: lengths %v, want %v", tc.name, got, tc.want)
		}
		// Whatever the counts, the lengths fill the code space exactly
		// (Kraft), unless there is a single code.
		kraft, used := 0, 0
		for _, l := range got {
			if l > 0 {
				kraft += 1 << (tc.limit - int(l))
				used++
			}
		}
		if used > 1 && kraft != 1<<tc.limit {
			t.Errorf("%s: lengths %v do not form a complete code", tc.name, got)
		}
	}
}

// FuzzCompress compresses arbitrary bytes: the stream inflates back to
// them with the standard library (which checks the Adler-32 trailer). An
// input that fits in the window, whose blocks can all be stored, takes at
// most what storing them would (5 bytes a block) plus the header and
// trailer; one too short to store, at most 9 bits a byte.
func FuzzCompress(f *testing.F) {
	f.Add([]byte(nil))
	f.Add([]byte("Deflate late"))
	f.Add(bytes.Repeat([]byte{0}, 1000))
	f.Add([]byte(text47 + "."))
	f.Add(bytes.Repeat([]byte{0xff, 0xfe, 0xfd, 0xfc}, 8))
	f.Fuzz(func(t *testing.T, data []byte) {
		out := Compress(data)
		if back := inflate(t, out); !bytes.Equal(back, data) {
			t.Fatalf("%d bytes come back as %d other bytes", len(data), len(back))
		}
		limit := len(data) + 5*(len(data)/fatBlockBytes+1) + 6
		if len(data) <= rawAbove {
			// The block header, 9 bits a byte and the end of block.
			limit = 6 + (3+9*len(data)+7+7)/8
		}
		if len(data) <= windowSize-maxMatch && len(out) > limit {
			t.Fatalf("%d bytes compress to %d, more than %d", len(data), len(out), limit)
		}
	})
}

// BenchmarkCompress compresses 1 MiB inputs (the most a machine string
// holds) of three kinds: the bincode shape of the largest machines (runs
// of zero option tags), random bytes (stored blocks), and the input that
// spends the whole probe budget at most positions; and the bincode of a
// typical machine.
func BenchmarkCompress(b *testing.B) {
	r := rand.New(splitmix.New(3))
	trigrams := make([]byte, 1<<20)
	for i := range trigrams {
		if i%4 == 3 {
			trigrams[i] = byte(r.Uint32())
		} else {
			trigrams[i] = "abc"[i%4]
		}
	}
	typical, err := hex.DecodeString(typicalMachine)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		data []byte
	}{
		{"typical-machine", typical},
		{"zeros-1MiB", make([]byte, 1<<20)},
		{"random-1MiB", randomBytes(r, 1<<20)},
		{"long-chains-1MiB", trigrams},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.data)))
			for b.Loop() {
				Compress(bc.data)
			}
		})
	}
}

// typicalMachine is the bincode of a machine deployed by a VPN (the first
// of the conformance data's deployed.txt), 140 bytes.
const typicalMachine = "fd11f838dbf0262e000000000000000000fdffffffffffffffff0000000000000000020000000101010000803f0101010000803f" +
	"000101010000803f0101010000803f000000000000000001010000000000000060e3364100000000ac1e6241000000000000f03f" +
	"00000000000000000000000000000101010000803f0101010000803f0000000000000000"
