package bincode

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// wantUint64 decodes the variable-length integer at the start of b on its
// own, as the format describes it: the value and the bytes it takes, with
// ok false if b does not start with a valid one and short true if that is
// for want of bytes.
func wantUint64(b []byte) (v uint64, n int, ok, short bool) {
	if len(b) == 0 {
		return 0, 0, false, true
	}
	switch b[0] {
	case marker16:
		n = 3
	case marker32:
		n = 5
	case marker64:
		n = 9
	case marker128, 255:
		return 0, 0, false, false
	default:
		return uint64(b[0]), 1, true, false
	}
	if len(b) < n {
		return 0, 0, false, true
	}
	var wide [8]byte
	copy(wide[:], b[1:n])
	return binary.LittleEndian.Uint64(wide[:]), n, true, false
}

// FuzzDecoder reads arbitrary data with an arbitrary sequence of reads,
// one per byte of ops: the low three bits pick the read, the high five bits
// give Variant its bound and Len its minimum element size (from -4 up).
// No read panics; each one that succeeds takes exactly the bytes its value
// is encoded in and returns that value; each that fails for want of bytes
// reports ErrUnexpectedEnd; after the first error every read returns the
// zero value, takes nothing and leaves the error as it was; Len never
// returns more elements than the bytes left could hold; values read
// encode again (integers canonically, so never longer) to bytes that
// decode to the same value; and Finish fails exactly when a read failed or
// bytes are left.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte{3, 3, 6, 7, 1, 2, 0x6d, 0x15}, []byte{251, 1, 0, 253, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0x80, 0x3f, 1, 0, 4, 2})
	f.Add([]byte{5, 5, 5}, []byte{253, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0})
	f.Fuzz(func(t *testing.T, ops, data []byte) {
		d := NewDecoder(data)
		for i, op := range ops {
			off, err := d.Offset(), d.Err()
			if d.Remaining() != len(data)-off || off < 0 || off > len(data) {
				t.Fatalf("read %d: offset %d and %d remaining in %d bytes", i, off, d.Remaining(), len(data))
			}
			rest := data[off:]
			param := int(op >> 3)
			var got uint64 // the value read, widened
			// What the read must give: the value, the bytes it takes,
			// whether it succeeds and, if not, whether for want of bytes.
			var want uint64
			var size int
			var ok, short bool
			switch op & 7 {
			case 0:
				got = uint64(d.U8())
				ok, short = len(rest) >= 1, len(rest) < 1
				if ok {
					want, size = uint64(rest[0]), 1
				}
			case 1, 2:
				var v bool
				if op&7 == 1 {
					v = d.Bool()
				} else {
					v = d.Option()
				}
				if v {
					got = 1
				}
				ok, short = len(rest) >= 1 && rest[0] <= 1, len(rest) < 1
				if ok {
					want, size = uint64(rest[0]), 1
				}
			case 3:
				got = d.Uint64()
				want, size, ok, short = wantUint64(rest)
				if ok {
					var e Encoder
					e.Uint64(got)
					if again := NewDecoder(e.Bytes()).Uint64(); again != got || len(e.Bytes()) > size {
						t.Fatalf("read %d: %d encodes as %x, which decodes as %d", i, got, e.Bytes(), again)
					}
				}
			case 4:
				bound := uint32(param)
				got = uint64(d.Variant(bound))
				want, size, ok, short = wantUint64(rest)
				ok = ok && want < uint64(bound)
			case 5:
				minSize := param - 4
				n := d.Len(minSize)
				got = uint64(n)
				want, size, ok, short = wantUint64(rest)
				if ok && want > uint64((len(rest)-size)/max(minSize, 1)) {
					ok = false
				}
				if n < 0 || n*max(minSize, 1) > d.Remaining() {
					t.Fatalf("read %d: Len(%d) = %d with %d bytes left", i, minSize, n, d.Remaining())
				}
			case 6:
				v := d.F64()
				got = math.Float64bits(v)
				ok, short = len(rest) >= 8, len(rest) < 8
				if ok {
					want, size = binary.LittleEndian.Uint64(rest), 8
					var e Encoder
					e.F64(v)
					if math.Float64bits(NewDecoder(e.Bytes()).F64()) != got {
						t.Fatalf("read %d: float64 bits %x do not survive encoding", i, got)
					}
				}
			case 7:
				v := d.F32()
				got = uint64(math.Float32bits(v))
				ok, short = len(rest) >= 4, len(rest) < 4
				if ok {
					want, size = uint64(binary.LittleEndian.Uint32(rest)), 4
					var e Encoder
					e.F32(v)
					if uint64(math.Float32bits(NewDecoder(e.Bytes()).F32())) != got {
						t.Fatalf("read %d: float32 bits %x do not survive encoding", i, got)
					}
				}
			}

			switch {
			case err != nil:
				if d.Err() != err || d.Offset() != off || got != 0 {
					t.Fatalf("read %d (op %d) after error %q: got %d, offset %d -> %d, error %v",
						i, op&7, err, got, off, d.Offset(), d.Err())
				}
			case ok:
				if d.Err() != nil || got != want || d.Offset() != off+size {
					t.Fatalf("read %d (op %d) of %x: got %d, offset %d -> %d, error %v; want %d, offset %d",
						i, op&7, rest, got, off, d.Offset(), d.Err(), want, off+size)
				}
			default:
				if d.Err() == nil || got != 0 {
					t.Fatalf("read %d (op %d) of %x: got %d, no error", i, op&7, rest, got)
				}
				if short && !errors.Is(d.Err(), ErrUnexpectedEnd) {
					t.Fatalf("read %d (op %d) of %x: error %q, want ErrUnexpectedEnd", i, op&7, rest, d.Err())
				}
			}
		}

		before, left := d.Err(), d.Remaining()
		err := d.Finish()
		switch {
		case before != nil:
			if err != before {
				t.Fatalf("Finish = %v after error %v", err, before)
			}
		case (err == nil) != (left == 0):
			t.Fatalf("Finish = %v with %d bytes left", err, left)
		}
	})
}
