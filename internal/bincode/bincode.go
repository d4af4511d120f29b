// Package bincode reads and writes the subset of the bincode 1.3 format
// (with its DefaultOptions) that Maybenot machines use: variable-length
// little-endian integers, raw IEEE-754 floats, one-byte booleans and option
// tags, enum variant indices and length-prefixed sequences.
//
// An integer below 251 is one byte; larger ones are a marker byte (251, 252
// or 253) followed by the value as a little-endian uint16, uint32 or uint64.
// Marker 254 (a 128-bit value) and 255 are never valid here.
package bincode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrUnexpectedEnd reports input that ends in the middle of a value.
var ErrUnexpectedEnd = errors.New("unexpected end of input")

const (
	marker16  = 251
	marker32  = 252
	marker64  = 253
	marker128 = 254
)

// Decoder reads values from a byte slice. The first error sticks: once a
// read fails, every later read returns a zero value and Err reports that
// first error, so a caller may check Err once at the end.
type Decoder struct {
	buf []byte
	off int
	err error
}

// NewDecoder returns a Decoder reading b.
func NewDecoder(b []byte) *Decoder { return &Decoder{buf: b} }

// Err returns the first error met, if any.
func (d *Decoder) Err() error { return d.err }

// Remaining returns the number of bytes not read yet.
func (d *Decoder) Remaining() int { return len(d.buf) - d.off }

// Offset returns the number of bytes read so far.
func (d *Decoder) Offset() int { return d.off }

// Fail records err (with the current offset) unless an error is already
// recorded, so callers can report semantic errors the same way.
func (d *Decoder) Fail(err error) {
	if d.err == nil {
		d.err = fmt.Errorf("at byte %d: %w", d.off, err)
	}
}

// take returns the next n bytes, or nil after recording an error.
func (d *Decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if d.Remaining() < n {
		d.Fail(ErrUnexpectedEnd)
		return nil
	}
	b := d.buf[d.off : d.off+n]
	d.off += n
	return b
}

// U8 reads one raw byte.
func (d *Decoder) U8() uint8 {
	if b := d.take(1); b != nil {
		return b[0]
	}
	return 0
}

// Bool reads a boolean: 0 or 1, anything else is an error.
func (d *Decoder) Bool() bool {
	v := d.U8()
	if v > 1 {
		d.Fail(fmt.Errorf("invalid bool byte %d", v))
		return false
	}
	return v == 1
}

// Option reads an option tag and reports whether a value follows: 0 is
// none, 1 is some, anything else is an error.
func (d *Decoder) Option() bool {
	v := d.U8()
	if v > 1 {
		d.Fail(fmt.Errorf("invalid option tag %d", v))
		return false
	}
	return v == 1
}

// Uint64 reads a variable-length unsigned integer. Non-canonical encodings
// (a small value behind a wide marker) are accepted, as bincode does.
func (d *Decoder) Uint64() uint64 {
	m := d.U8()
	switch {
	case m < marker16:
		return uint64(m)
	case m == marker16:
		if b := d.take(2); b != nil {
			return uint64(binary.LittleEndian.Uint16(b))
		}
	case m == marker32:
		if b := d.take(4); b != nil {
			return uint64(binary.LittleEndian.Uint32(b))
		}
	case m == marker64:
		if b := d.take(8); b != nil {
			return binary.LittleEndian.Uint64(b)
		}
	case m == marker128:
		d.Fail(errors.New("128-bit integer where at most 64 bits are allowed"))
	default:
		d.Fail(fmt.Errorf("invalid integer marker byte %d", m))
	}
	return 0
}

// Variant reads an enum variant index, which must be below n.
func (d *Decoder) Variant(n uint32) uint32 {
	v := d.Uint64()
	if d.err == nil && v >= uint64(n) {
		d.Fail(fmt.Errorf("variant index %d out of range [0, %d)", v, n))
		return 0
	}
	return uint32(v)
}

// Len reads a sequence length. Each element takes at least minSize bytes,
// so a length the remaining input cannot hold is an error: a caller may
// allocate the returned length safely.
func (d *Decoder) Len(minSize int) int {
	v := d.Uint64()
	if d.err != nil {
		return 0
	}
	if minSize < 1 {
		minSize = 1
	}
	if v > uint64(d.Remaining()/minSize) {
		d.Fail(fmt.Errorf("sequence of %d elements cannot fit in the %d bytes left: %w", v, d.Remaining(), ErrUnexpectedEnd))
		return 0
	}
	return int(v)
}

// F64 reads a little-endian IEEE-754 double.
func (d *Decoder) F64() float64 {
	if b := d.take(8); b != nil {
		return math.Float64frombits(binary.LittleEndian.Uint64(b))
	}
	return 0
}

// F32 reads a little-endian IEEE-754 single.
func (d *Decoder) F32() float32 {
	if b := d.take(4); b != nil {
		return math.Float32frombits(binary.LittleEndian.Uint32(b))
	}
	return 0
}

// Finish reports the first error, or an error if input remains unread.
func (d *Decoder) Finish() error {
	if d.err == nil && d.Remaining() > 0 {
		d.err = fmt.Errorf("%d bytes left over after the value", d.Remaining())
	}
	return d.err
}

// Encoder appends values to a byte slice.
type Encoder struct {
	buf []byte
}

// NewEncoder returns an Encoder that appends to buf.
func NewEncoder(buf []byte) Encoder { return Encoder{buf: buf} }

// Bytes returns the encoded bytes.
func (e *Encoder) Bytes() []byte { return e.buf }

// U8 appends one raw byte.
func (e *Encoder) U8(v uint8) { e.buf = append(e.buf, v) }

// Bool appends a boolean as 0 or 1.
func (e *Encoder) Bool(v bool) {
	if v {
		e.U8(1)
	} else {
		e.U8(0)
	}
}

// Option appends an option tag: 1 if a value follows, else 0.
func (e *Encoder) Option(some bool) { e.Bool(some) }

// Uint64 appends a variable-length unsigned integer in its canonical form.
func (e *Encoder) Uint64(v uint64) {
	switch {
	case v < marker16:
		e.buf = append(e.buf, byte(v))
	case v <= math.MaxUint16:
		e.buf = binary.LittleEndian.AppendUint16(append(e.buf, marker16), uint16(v))
	case v <= math.MaxUint32:
		e.buf = binary.LittleEndian.AppendUint32(append(e.buf, marker32), uint32(v))
	default:
		e.buf = binary.LittleEndian.AppendUint64(append(e.buf, marker64), v)
	}
}

// Variant appends an enum variant index.
func (e *Encoder) Variant(v uint32) { e.Uint64(uint64(v)) }

// Len appends a sequence length.
func (e *Encoder) Len(n int) { e.Uint64(uint64(n)) }

// F64 appends a little-endian IEEE-754 double.
func (e *Encoder) F64(v float64) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(v))
}

// F32 appends a little-endian IEEE-754 single.
func (e *Encoder) F32(v float32) {
	e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(v))
}
