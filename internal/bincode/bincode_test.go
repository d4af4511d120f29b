package bincode

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestUint64Canonical(t *testing.T) {
	for _, tc := range []struct {
		v    uint64
		want []byte
	}{
		{0, []byte{0}},
		{250, []byte{250}},
		{251, []byte{251, 251, 0}},
		{0xABCD, []byte{251, 0xCD, 0xAB}},
		{math.MaxUint16, []byte{251, 0xFF, 0xFF}},
		{math.MaxUint16 + 1, []byte{252, 0, 0, 1, 0}},
		{math.MaxUint32, []byte{252, 0xFF, 0xFF, 0xFF, 0xFF}},
		{math.MaxUint32 + 1, []byte{253, 0, 0, 0, 0, 1, 0, 0, 0}},
		{math.MaxUint64, []byte{253, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}},
	} {
		var e Encoder
		e.Uint64(tc.v)
		if !bytes.Equal(e.Bytes(), tc.want) {
			t.Errorf("Uint64(%d) encodes as %v, want %v", tc.v, e.Bytes(), tc.want)
		}
		d := NewDecoder(tc.want)
		if got := d.Uint64(); got != tc.v || d.Finish() != nil {
			t.Errorf("%v decodes as %d, %v; want %d", tc.want, got, d.Finish(), tc.v)
		}
	}
}

// decodeCase reads from input with read, which returns what it read.
type decodeCase struct {
	name  string
	input []byte
	read  func(d *Decoder) any
	want  any
	err   string // in the error; "" for success
}

func readUint64(d *Decoder) any { return d.Uint64() }
func readBool(d *Decoder) any   { return d.Bool() }
func readOption(d *Decoder) any { return d.Option() }
func readF32(d *Decoder) any    { return d.F32() }
func readF64(d *Decoder) any    { return d.F64() }

func TestDecode(t *testing.T) {
	for _, tc := range []decodeCase{
		// A small value behind a wide marker is accepted, as bincode does.
		{"non-canonical u16", []byte{251, 5, 0}, readUint64, uint64(5), ""},
		{"non-canonical u16 250", []byte{251, 250, 0}, readUint64, uint64(250), ""},
		{"non-canonical u32", []byte{252, 7, 0, 0, 0}, readUint64, uint64(7), ""},
		{"non-canonical u64", []byte{253, 1, 0, 0, 0, 0, 0, 0, 0}, readUint64, uint64(1), ""},
		{"marker 254", append([]byte{254}, make([]byte, 16)...), readUint64, uint64(0), "128-bit integer"},
		{"marker 255", []byte{255, 0, 0}, readUint64, uint64(0), "invalid integer marker byte 255"},
		{"truncated u16", []byte{251, 1}, readUint64, uint64(0), "unexpected end of input"},
		{"truncated u64", []byte{253}, readUint64, uint64(0), "unexpected end of input"},
		{"empty", nil, readUint64, uint64(0), "unexpected end of input"},

		{"false", []byte{0}, readBool, false, ""},
		{"true", []byte{1}, readBool, true, ""},
		{"bool 2", []byte{2}, readBool, false, "invalid bool byte 2"},
		{"bool 255", []byte{255}, readBool, false, "invalid bool byte 255"},
		{"none", []byte{0}, readOption, false, ""},
		{"some", []byte{1}, readOption, true, ""},
		{"option tag 2", []byte{2}, readOption, false, "invalid option tag 2"},
		{"truncated option", nil, readOption, false, "unexpected end of input"},

		{"f32", []byte{0, 0, 0x80, 0x3F}, readF32, float32(1), ""},
		{"f32 negative zero", []byte{0, 0, 0, 0x80}, readF32, float32(math.Copysign(0, -1)), ""},
		{"truncated f32", []byte{0, 0, 0x80}, readF32, float32(0), "unexpected end of input"},
		{"f64", []byte{0, 0, 0, 0, 0, 0, 0xF0, 0x3F}, readF64, 1.0, ""},
		{"f64 infinity", []byte{0, 0, 0, 0, 0, 0, 0xF0, 0xFF}, readF64, math.Inf(-1), ""},
		{"truncated f64", []byte{0, 0, 0, 0, 0, 0, 0xF0}, readF64, 0.0, "unexpected end of input"},

		{"variant", []byte{3}, func(d *Decoder) any { return d.Variant(4) }, uint32(3), ""},
		{"variant out of range", []byte{4}, func(d *Decoder) any { return d.Variant(4) }, uint32(0), "variant index 4 out of range [0, 4)"},
		{"variant wide", []byte{252, 0, 0, 0, 1}, func(d *Decoder) any { return d.Variant(4) }, uint32(0), "variant index 16777216"},
	} {
		d := NewDecoder(tc.input)
		got := tc.read(d)
		err := d.Finish()
		if got != tc.want {
			t.Errorf("%s: read %v, want %v", tc.name, got, tc.want)
		}
		checkErr(t, tc.name, err, tc.err)
	}
}

func TestNaNBits(t *testing.T) {
	// Floats are raw bits: a NaN keeps its payload.
	const bits = 0x7FF8_0000_DEAD_BEEF
	var e Encoder
	e.F64(math.Float64frombits(bits))
	if got := math.Float64bits(NewDecoder(e.Bytes()).F64()); got != bits {
		t.Errorf("NaN bits %#x come back as %#x", uint64(bits), got)
	}
}

func TestLen(t *testing.T) {
	for _, tc := range []struct {
		name    string
		input   []byte
		minSize int
		want    int
		err     string
	}{
		{"fits", []byte{4, 1, 2, 3, 4}, 1, 4, ""},
		{"fits exactly with wide elements", []byte{2, 1, 2, 3, 4}, 2, 2, ""},
		{"zero", []byte{0}, 5, 0, ""},
		{"minSize 0 counts as 1", []byte{4, 1, 2, 3, 4}, 0, 4, ""},
		{"one too many", []byte{5, 1, 2, 3, 4}, 1, 0, "sequence of 5 elements cannot fit in the 4 bytes left"},
		{"wide elements", []byte{3, 1, 2, 3, 4}, 2, 0, "sequence of 3 elements cannot fit"},
		{"2^60", []byte{253, 0, 0, 0, 0, 0, 0, 0, 0x10, 1, 2, 3}, 1, 0, "sequence of 1152921504606846976 elements"},
		{"2^64-1", []byte{253, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, 16, 0, "cannot fit in the 0 bytes left"},
		{"truncated length", []byte{252, 1, 0}, 1, 0, "unexpected end of input"},
	} {
		d := NewDecoder(tc.input)
		got := d.Len(tc.minSize)
		if got != tc.want {
			t.Errorf("%s: Len = %d, want %d", tc.name, got, tc.want)
		}
		if tc.err == "" {
			// Skip the elements so that Finish sees all input used.
			for range got * max(tc.minSize, 1) {
				d.U8()
			}
		}
		err := d.Finish()
		checkErr(t, tc.name, err, tc.err)
		if tc.err != "" && !errors.Is(err, ErrUnexpectedEnd) {
			t.Errorf("%s: error %v does not wrap ErrUnexpectedEnd", tc.name, err)
		}
	}
}

func TestStickyError(t *testing.T) {
	d := NewDecoder([]byte{2, 1, 7, 7})
	if d.Bool() {
		t.Error("Bool of 2 is true")
	}
	first := d.Err()
	if first == nil || !strings.Contains(first.Error(), "at byte 1: invalid bool byte 2") {
		t.Fatalf("Err() = %v", first)
	}
	// Later reads return zero values, consume nothing and keep the first
	// error.
	if d.Bool() || d.Uint64() != 0 || d.U8() != 0 || d.Offset() != 1 || d.Remaining() != 3 {
		t.Error("reads after an error return values or consume input")
	}
	d.Fail(errors.New("later"))
	if d.Err() != first || d.Finish() != first {
		t.Errorf("the error changed from %v to %v", first, d.Err())
	}
}

func TestFinish(t *testing.T) {
	d := NewDecoder([]byte{1, 2, 3})
	d.U8()
	checkErr(t, "trailing bytes", d.Finish(), "2 bytes left over after the value")
	d = NewDecoder([]byte{1})
	d.U8()
	checkErr(t, "all used", d.Finish(), "")
}

func TestEncoder(t *testing.T) {
	var e Encoder
	e.Bool(true)
	e.Bool(false)
	e.Option(true)
	e.Option(false)
	e.Variant(300)
	e.Len(2)
	e.U8(0xAB)
	e.F32(-2)
	e.F64(0.5)
	want := []byte{1, 0, 1, 0, 251, 0x2C, 0x01, 2, 0xAB, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0xE0, 0x3F}
	if !bytes.Equal(e.Bytes(), want) {
		t.Errorf("got  %v\nwant %v", e.Bytes(), want)
	}
}

// checkErr checks that err is nil if want is empty, else that it contains
// want.
func checkErr(t *testing.T, name string, err error, want string) {
	t.Helper()
	got := ""
	if err != nil {
		got = err.Error()
	}
	if (got == "") != (want == "") || !strings.Contains(got, want) {
		t.Errorf("%s: error %q, want one containing %q", name, got, want)
	}
}
