package maybenot

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"

	"github.com/maybenot-go/maybenot/internal/bincode"
	"github.com/maybenot-go/maybenot/internal/miniz"
)

// A machine string is "02" (the format version) followed by the standard,
// padded base64 encoding of the zlib compression of the machine's bincode
// encoding.
const (
	wireVersion = "02"
	// maxDecompressed bounds the bincode encoding of a machine, so that a
	// small string cannot inflate into a large allocation.
	maxDecompressed = 1 << 20
	// inflateStartSize is the first size of inflate's output buffer.
	inflateStartSize = 2 << 10
	// The fewest bytes a State and a Trans take on the wire: a state has
	// 16 option tags, a transition a one-byte index and a float32.
	minStateSize = 16
	minTransSize = 5
)

var base64Std = base64.StdEncoding.Strict()

// ParseMachine parses and validates a machine string as the reference
// serializes it ("02" + base64 of zlib of bincode). Any problem, from a
// non-ASCII byte to a machine breaking a validation rule, is an error
// wrapping ErrInvalidMachine. The string may come from anywhere: parsing
// inflates at most 1 MiB, rejects a length prefix claiming more than the
// bytes left could hold before allocating for it, and so allocates at most
// about 25 MiB (a string holds at most about 65,500 states, and an empty
// State takes a few hundred bytes in memory).
func ParseMachine(s string) (*Machine, error) {
	m, err := parseMachine(s)
	if err != nil {
		return nil, invalid(err)
	}
	if err := m.check(); err != nil {
		return nil, invalid(err)
	}
	return m, nil
}

// UnmarshalText sets m to the machine that the machine string text stands
// for, parsed and validated as ParseMachine does, with the same bounds. On
// error m is left unchanged. With MarshalText it makes a Machine usable
// wherever a text form is (flag.TextVar, encoding/xml, configuration
// formats); encoding/json uses the JSON form instead.
func (m *Machine) UnmarshalText(text []byte) error {
	parsed, err := ParseMachine(string(text))
	if err != nil {
		return err
	}
	*m = *parsed
	return nil
}

func parseMachine(s string) (*Machine, error) {
	if len(s) < 3 {
		return nil, errors.New("machine string too short")
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return nil, fmt.Errorf("machine string is not ASCII (byte %d)", i)
		}
	}
	if s[:2] != wireVersion {
		return nil, fmt.Errorf("version mismatch: want %q, got %q", wireVersion, s[:2])
	}
	b64 := s[2:]
	// The standard decoder skips CR and LF; the reference does not.
	if i := strings.IndexAny(b64, "\r\n"); i >= 0 {
		return nil, fmt.Errorf("base64: illegal line break at byte %d", i+2)
	}
	compressed, err := base64Std.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("base64: %w", err)
	}
	buf := inflateBufs.Get().(*[]byte)
	defer inflateBufs.Put(buf)
	raw, err := inflate(compressed, (*buf)[:0])
	if cap(raw) > cap(*buf) && cap(raw) <= maxPooledInflate {
		*buf = raw
	}
	if err != nil {
		return nil, err
	}
	return decodeMachine(raw) // copies what it needs out of raw
}

// inflateBufs recycles inflate's output buffers of up to maxPooledInflate
// bytes; larger ones, rare, are left to the garbage collector.
var inflateBufs = sync.Pool{New: func() any {
	b := make([]byte, 0, inflateStartSize)
	return &b
}}

const maxPooledInflate = 64 << 10

// inflate decompresses a zlib stream (checking its Adler-32 trailer) of at
// most maxDecompressed bytes.
//
// It appends to raw[:0], whose capacity it uses first. The buffer (of at
// least inflateStartSize, which holds any machine seen in practice)
// doubles as needed up to exactly the limit; a
// stream that is still going then is read one byte further only to tell
// "exactly at the limit" from "over". So a zlib bomb costs about twice the
// limit in allocations whatever the Go version (io.ReadAll's growth varies
// between versions and overshoots the limit), and never more.
func inflate(compressed, raw []byte) ([]byte, error) {
	raw = raw[:0]
	zr, err := getZlibReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, fmt.Errorf("zlib: %w", err)
	}
	defer putZlibReader(zr)
	var probe [1]byte
	for {
		dst := raw[len(raw):cap(raw)]
		if len(dst) == 0 {
			if len(raw) == maxDecompressed {
				dst = probe[:]
			} else {
				size := min(max(2*cap(raw), inflateStartSize), maxDecompressed)
				raw = append(make([]byte, 0, size), raw...)
				dst = raw[len(raw):cap(raw)]
			}
		}
		n, err := zr.Read(dst)
		if n > 0 && len(raw) == maxDecompressed {
			return nil, fmt.Errorf("zlib: decompressed machine larger than %d bytes", maxDecompressed)
		}
		raw = raw[:len(raw)+n]
		switch {
		case errors.Is(err, io.EOF):
			return raw, nil
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, fmt.Errorf("zlib: truncated stream: %w", err)
		case err != nil:
			return nil, fmt.Errorf("zlib: %w", err)
		}
	}
}

// zlibReaders recycles decompressors. Each holds a 32 KiB window and its
// Huffman tables, most of what parsing a small machine would allocate.
var zlibReaders sync.Pool

// getZlibReader returns a zlib reader of r, recycled if one is free.
func getZlibReader(r io.Reader) (io.ReadCloser, error) {
	zr, ok := zlibReaders.Get().(io.ReadCloser)
	if !ok {
		return zlib.NewReader(r)
	}
	if err := zr.(zlib.Resetter).Reset(r, nil); err != nil {
		zlibReaders.Put(zr)
		return nil, err
	}
	return zr, nil
}

// putZlibReader closes zr and keeps it for reuse.
func putZlibReader(zr io.ReadCloser) {
	zr.Close()
	zlibReaders.Put(zr)
}

// ParseMachines parses a list of machine strings, one per line. Blank lines
// are skipped and spaces around a string are ignored. An error names the
// line (counted from 1) and wraps ErrInvalidMachine.
//
// Each line costs what ParseMachine costs, up to about 25 MiB for a short
// but hostile line, and the machines are all kept: bound the number of
// lines of an untrusted list.
func ParseMachines(s string) ([]Machine, error) {
	var ms []Machine
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		m, err := ParseMachine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		ms = append(ms, *m)
	}
	return ms, nil
}

// Serialize returns the machine string: "02" followed by the standard
// base64 of the zlib stream of the bincode encoding, byte for byte as the
// reference writes it (with its compressor at the best compression
// level), so that Name gives the reference's name too.
//
// The string parses, in ParseMachine and in the reference, exactly when
// the machine validates and its bincode encoding takes at most 1 MiB, which
// a valid machine of more than about 65,500 states may exceed. Serialize
// returns the string of any machine all the same (the reference panics on
// an encoding over 1 MiB instead); MarshalText returns an error in place
// of a string that would not parse.
func (m *Machine) Serialize() string {
	return serialize(encodeMachine(m))
}

// MarshalText returns the machine string of m, as Serialize does, if it
// parses back to m: if m validates and its bincode encoding takes at most
// the 1 MiB that parsing inflates. Otherwise it returns an error wrapping
// ErrInvalidMachine. UnmarshalText parses the result back.
func (m *Machine) MarshalText() ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	raw := encodeMachine(m)
	if len(raw) > maxDecompressed {
		return nil, invalid(fmt.Errorf("the machine's encoding takes %d bytes, more than the %d a machine string may inflate to", len(raw), maxDecompressed))
	}
	return []byte(serialize(raw)), nil
}

// serialize returns the machine string of a bincode encoding.
func serialize(raw []byte) string {
	return wireVersion + base64.StdEncoding.EncodeToString(miniz.Compress(raw))
}

// Name returns a short identifier of the machine: the first 32 characters
// of the lowercase hex SHA-256 of its Serialize string. The reference names
// a machine the same way from the same string, so the names agree.
func (m *Machine) Name() string {
	sum := sha256.Sum256([]byte(m.Serialize()))
	return hex.EncodeToString(sum[:16])
}

// decodeMachine decodes the bincode form of a machine, without validating
// it. Every byte must be used.
func decodeMachine(b []byte) (*Machine, error) {
	d := bincode.NewDecoder(b)
	m := &Machine{
		AllowedPaddingPackets:  d.Uint64(),
		MaxPaddingFrac:         d.F64(),
		AllowedBlockedMicrosec: d.Uint64(),
		MaxBlockingFrac:        d.F64(),
	}
	if n := d.Len(minStateSize); n > 0 {
		m.States = make([]State, n)
		for i := range m.States {
			decodeState(d, &m.States[i])
		}
	}
	if err := d.Finish(); err != nil {
		return nil, fmt.Errorf("bincode: %w", err)
	}
	return m, nil
}

func decodeState(d *bincode.Decoder, s *State) {
	if d.Option() {
		s.Action = decodeAction(d)
	}
	s.CounterA = decodeCounter(d)
	s.CounterB = decodeCounter(d)
	for e := range s.Transitions {
		if !d.Option() {
			continue
		}
		ts := make([]Trans, d.Len(minTransSize))
		for i := range ts {
			target := d.Uint64()
			if target > math.MaxUint32 {
				d.Fail(fmt.Errorf("transition target %d out of range", target))
			}
			ts[i] = Trans{State: uint32(target), Probability: d.F32()}
		}
		s.Transitions[e] = ts
	}
}

func decodeAction(d *bincode.Decoder) Action {
	switch d.Variant(4) {
	case 0:
		return Cancel{Timer: Timer(d.Variant(3))}
	case 1:
		return SendPadding{Bypass: d.Bool(), Replace: d.Bool(), Timeout: decodeDist(d), Limit: decodeOptDist(d)}
	case 2:
		return BlockOutgoing{Bypass: d.Bool(), Replace: d.Bool(), Timeout: decodeDist(d), Duration: decodeDist(d), Limit: decodeOptDist(d)}
	default:
		return UpdateTimer{Replace: d.Bool(), Duration: decodeDist(d), Limit: decodeOptDist(d)}
	}
}

func decodeCounter(d *bincode.Decoder) *Counter {
	if !d.Option() {
		return nil
	}
	return &Counter{Operation: Operation(d.Variant(3)), Dist: decodeOptDist(d), Copy: d.Bool()}
}

func decodeOptDist(d *bincode.Decoder) *Dist {
	if !d.Option() {
		return nil
	}
	dist := decodeDist(d)
	return &dist
}

func decodeDist(d *bincode.Decoder) Dist {
	var t DistType
	switch distKind(d.Variant(uint32(numDistKinds))) {
	case kindUniform:
		t = Uniform{Low: d.F64(), High: d.F64()}
	case kindNormal:
		t = Normal{Mean: d.F64(), Stdev: d.F64()}
	case kindSkewNormal:
		t = SkewNormal{Location: d.F64(), Scale: d.F64(), Shape: d.F64()}
	case kindLogNormal:
		t = LogNormal{Mu: d.F64(), Sigma: d.F64()}
	case kindBinomial:
		t = Binomial{Trials: d.Uint64(), Probability: d.F64()}
	case kindGeometric:
		t = Geometric{Probability: d.F64()}
	case kindPareto:
		t = Pareto{Scale: d.F64(), Shape: d.F64()}
	case kindPoisson:
		t = Poisson{Lambda: d.F64()}
	case kindWeibull:
		t = Weibull{Scale: d.F64(), Shape: d.F64()}
	case kindGamma:
		t = Gamma{Scale: d.F64(), Shape: d.F64()}
	case kindBeta:
		t = Beta{Alpha: d.F64(), Beta: d.F64()}
	}
	return Dist{Type: t, Start: d.F64(), Max: d.F64()}
}

// encodeMachine returns the bincode form of m. Values that have no encoding
// (an unknown action or distribution type, a nil distribution type) are
// written as out-of-range variant indices, which no decoder accepts.
func encodeMachine(m *Machine) []byte {
	var e bincode.Encoder
	e.Uint64(m.AllowedPaddingPackets)
	e.F64(m.MaxPaddingFrac)
	e.Uint64(m.AllowedBlockedMicrosec)
	e.F64(m.MaxBlockingFrac)
	e.Len(len(m.States))
	for i := range m.States {
		encodeState(&e, &m.States[i])
	}
	return e.Bytes()
}

func encodeState(e *bincode.Encoder, s *State) {
	e.Option(s.Action != nil)
	if s.Action != nil {
		encodeAction(e, s.Action)
	}
	encodeCounter(e, s.CounterA)
	encodeCounter(e, s.CounterB)
	for _, ts := range s.Transitions {
		e.Option(ts != nil)
		if ts == nil {
			continue
		}
		e.Len(len(ts))
		for _, t := range ts {
			e.Uint64(uint64(t.State))
			e.F32(t.Probability)
		}
	}
}

func encodeAction(e *bincode.Encoder, a Action) {
	switch a := a.(type) {
	case Cancel:
		e.Variant(0)
		e.Variant(uint32(a.Timer))
	case SendPadding:
		e.Variant(1)
		e.Bool(a.Bypass)
		e.Bool(a.Replace)
		encodeDist(e, &a.Timeout)
		encodeOptDist(e, a.Limit)
	case BlockOutgoing:
		e.Variant(2)
		e.Bool(a.Bypass)
		e.Bool(a.Replace)
		encodeDist(e, &a.Timeout)
		encodeDist(e, &a.Duration)
		encodeOptDist(e, a.Limit)
	case UpdateTimer:
		e.Variant(3)
		e.Bool(a.Replace)
		encodeDist(e, &a.Duration)
		encodeOptDist(e, a.Limit)
	default:
		e.Variant(4)
	}
}

func encodeCounter(e *bincode.Encoder, c *Counter) {
	e.Option(c != nil)
	if c == nil {
		return
	}
	e.Variant(uint32(c.Operation))
	encodeOptDist(e, c.Dist)
	e.Bool(c.Copy)
}

func encodeOptDist(e *bincode.Encoder, d *Dist) {
	e.Option(d != nil)
	if d != nil {
		encodeDist(e, d)
	}
}

func encodeDist(e *bincode.Encoder, d *Dist) {
	switch t := d.Type.(type) {
	case Uniform:
		e.Variant(uint32(kindUniform))
		e.F64(t.Low)
		e.F64(t.High)
	case Normal:
		e.Variant(uint32(kindNormal))
		e.F64(t.Mean)
		e.F64(t.Stdev)
	case SkewNormal:
		e.Variant(uint32(kindSkewNormal))
		e.F64(t.Location)
		e.F64(t.Scale)
		e.F64(t.Shape)
	case LogNormal:
		e.Variant(uint32(kindLogNormal))
		e.F64(t.Mu)
		e.F64(t.Sigma)
	case Binomial:
		e.Variant(uint32(kindBinomial))
		e.Uint64(t.Trials)
		e.F64(t.Probability)
	case Geometric:
		e.Variant(uint32(kindGeometric))
		e.F64(t.Probability)
	case Pareto:
		e.Variant(uint32(kindPareto))
		e.F64(t.Scale)
		e.F64(t.Shape)
	case Poisson:
		e.Variant(uint32(kindPoisson))
		e.F64(t.Lambda)
	case Weibull:
		e.Variant(uint32(kindWeibull))
		e.F64(t.Scale)
		e.F64(t.Shape)
	case Gamma:
		e.Variant(uint32(kindGamma))
		e.F64(t.Scale)
		e.F64(t.Shape)
	case Beta:
		e.Variant(uint32(kindBeta))
		e.F64(t.Alpha)
		e.F64(t.Beta)
	default:
		e.Variant(uint32(numDistKinds))
		return
	}
	e.F64(d.Start)
	e.F64(d.Max)
}
