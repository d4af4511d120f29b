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
	"unsafe"

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
	// maxCompressed bounds the zlib stream of a machine string: 1/8 more
	// than maxDecompressed, and 1 KiB. An encoder stores what it cannot
	// compress, at 5 bytes a block more, and even deflate's fixed codes
	// take at most 9 bits a byte, so only a stream padded on purpose (with
	// empty blocks, say) needs more.
	maxCompressed = maxDecompressed/8*9 + 1<<10
	// maxString is the length of the longest machine string ParseMachine
	// reads: the version and the base64 of maxCompressed bytes
	// (1,574,234 bytes).
	maxString = len(wireVersion) + (maxCompressed+2)/3*4
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
// wrapping ErrInvalidMachine.
//
// The string may come from anywhere. A string longer than 1,574,234 bytes
// (the base64 of a zlib stream 1/8 larger than the 1 MiB a machine may
// take, more than any encoder writes) is rejected before it is read
// further; parsing inflates at most 1 MiB, and rejects a length prefix
// claiming more than the bytes left could hold before allocating for it.
// So parsing any string allocates at most about 25 MiB (a string holds at
// most about 65,500 states, and an empty State takes 344 bytes in memory
// on 64-bit platforms) and takes milliseconds.
func ParseMachine(s string) (*Machine, error) {
	unlimited := math.MaxInt
	m, err := parseMachine(s, &unlimited)
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

// parseMachine decodes a machine string without validating the machine,
// charging the memory of what it builds to budget (see decodeMachineWithin).
func parseMachine(s string, budget *int) (*Machine, error) {
	if len(s) < 3 {
		return nil, errors.New("machine string too short")
	}
	if len(s) > maxString {
		return nil, fmt.Errorf("machine string of %d bytes is longer than the %d a machine can take", len(s), maxString)
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
	return decodeMachineWithin(raw, budget) // copies what it needs out of raw
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

// DefaultMachinesBudget is the memory, in bytes, that the machines of one
// ParseMachines call may take: 64 MiB. That is thousands of the machines
// seen in practice, which take a few KiB each, or two of the largest a
// machine string can carry (about 22.5 MiB each).
const DefaultMachinesBudget = 64 << 20

// ErrMachinesBudget reports a list of machine strings whose machines would
// take more memory than ParseMachines or ParseMachinesBudget allows.
var ErrMachinesBudget = errors.New("maybenot: machines exceed the memory budget")

// ParseMachines parses a list of machine strings, one per line, as
// ParseMachinesBudget does with a budget of DefaultMachinesBudget. Call
// ParseMachinesBudget to allow more, or less.
func ParseMachines(s string) ([]Machine, error) {
	return ParseMachinesBudget(s, DefaultMachinesBudget)
}

// ParseMachinesBudget parses a list of machine strings, one per line, each
// as ParseMachine does. Blank lines are skipped and spaces around a string
// are ignored. An error names the line (counted from 1) and wraps
// ErrInvalidMachine, or ErrMachinesBudget.
//
// The machines may take at most budget bytes of memory in all (a budget
// of 0 or less allows none). Each Machine, State, Trans, Action, Counter
// and Dist counts at its size in memory (a State takes 344 bytes on
// 64-bit platforms) before it is allocated, so a list that would take
// more is refused at the line that would pass the budget, before that
// line's machine is built. Besides the machines it returns, parsing a line
// allocates scratch of at most about 3.5 MiB (the decoded base64 and the
// inflated bincode), which it does not keep.
func ParseMachinesBudget(s string, budget int) ([]Machine, error) {
	var ms []Machine
	left := budget
	for n := 1; ; n++ {
		line, rest, more := strings.Cut(s, "\n")
		if line = strings.TrimSpace(line); line != "" {
			m, err := parseMachineLine(line, &left)
			if errors.Is(err, ErrMachinesBudget) {
				return nil, fmt.Errorf("line %d: %w: the machines up to this line take more than %d bytes", n, ErrMachinesBudget, budget)
			}
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			ms = append(ms, *m)
		}
		if !more {
			return ms, nil
		}
		s = rest
	}
}

// parseMachineLine is ParseMachine with a budget, which also pays for the
// Machine itself.
func parseMachineLine(s string, budget *int) (*Machine, error) {
	if *budget < machineSize {
		return nil, ErrMachinesBudget
	}
	*budget -= machineSize
	m, err := parseMachine(s, budget)
	if errors.Is(err, ErrMachinesBudget) {
		return nil, err
	}
	if err == nil {
		err = m.check()
	}
	if err != nil {
		return nil, invalid(err)
	}
	return m, nil
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

// machineDecoder decodes the bincode form of machines, charging what it
// allocates to a memory budget: each value at its size in memory, an
// Action or a distribution type at the size of the largest.
type machineDecoder struct {
	*bincode.Decoder
	budget *int // bytes left
}

// The sizes that a machineDecoder charges.
const (
	machineSize  = int(unsafe.Sizeof(Machine{}))
	stateSize    = int(unsafe.Sizeof(State{}))
	transSize    = int(unsafe.Sizeof(Trans{}))
	actionSize   = int(unsafe.Sizeof(BlockOutgoing{}))
	counterSize  = int(unsafe.Sizeof(Counter{}))
	distSize     = int(unsafe.Sizeof(Dist{}))
	distTypeSize = int(unsafe.Sizeof(SkewNormal{}))
)

// spend charges n values of size bytes and reports whether the budget
// covers them; if not, decoding fails with ErrMachinesBudget.
func (d machineDecoder) spend(n, size int) bool {
	if d.Err() != nil {
		return false
	}
	if n > *d.budget/size {
		d.Fail(ErrMachinesBudget)
		return false
	}
	*d.budget -= n * size
	return true
}

// decodeMachine decodes the bincode form of a machine, without validating
// it. Every byte must be used.
func decodeMachine(b []byte) (*Machine, error) {
	unlimited := math.MaxInt
	return decodeMachineWithin(b, &unlimited)
}

// decodeMachineWithin is decodeMachine, taking the memory of the machine's
// states, transitions, actions, counters and distributions (not of the
// Machine itself) from budget. The error is ErrMachinesBudget if the
// budget runs out first.
func decodeMachineWithin(b []byte, budget *int) (*Machine, error) {
	d := machineDecoder{bincode.NewDecoder(b), budget}
	m := &Machine{
		AllowedPaddingPackets:  d.Uint64(),
		MaxPaddingFrac:         d.F64(),
		AllowedBlockedMicrosec: d.Uint64(),
		MaxBlockingFrac:        d.F64(),
	}
	if n := d.Len(minStateSize); n > 0 && d.spend(n, stateSize) {
		m.States = make([]State, n)
		for i := range m.States {
			d.state(&m.States[i])
		}
	}
	if err := d.Finish(); err != nil {
		if errors.Is(err, ErrMachinesBudget) {
			return nil, ErrMachinesBudget
		}
		return nil, fmt.Errorf("bincode: %w", err)
	}
	return m, nil
}

// decodeState decodes a state, with no budget.
func decodeState(d *bincode.Decoder, s *State) {
	unlimited := math.MaxInt
	machineDecoder{d, &unlimited}.state(s)
}

func (d machineDecoder) state(s *State) {
	if d.Option() {
		s.Action = d.action()
	}
	s.CounterA = d.counter()
	s.CounterB = d.counter()
	for e := range s.Transitions {
		if !d.Option() {
			continue
		}
		n := d.Len(minTransSize)
		if !d.spend(n, transSize) {
			return
		}
		ts := make([]Trans, n)
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

func (d machineDecoder) action() Action {
	if !d.spend(1, actionSize) {
		return nil
	}
	switch d.Variant(4) {
	case 0:
		return Cancel{Timer: Timer(d.Variant(3))}
	case 1:
		return SendPadding{Bypass: d.Bool(), Replace: d.Bool(), Timeout: d.dist(), Limit: d.optDist()}
	case 2:
		return BlockOutgoing{Bypass: d.Bool(), Replace: d.Bool(), Timeout: d.dist(), Duration: d.dist(), Limit: d.optDist()}
	default:
		return UpdateTimer{Replace: d.Bool(), Duration: d.dist(), Limit: d.optDist()}
	}
}

func (d machineDecoder) counter() *Counter {
	if !d.Option() || !d.spend(1, counterSize) {
		return nil
	}
	return &Counter{Operation: Operation(d.Variant(3)), Dist: d.optDist(), Copy: d.Bool()}
}

func (d machineDecoder) optDist() *Dist {
	if !d.Option() || !d.spend(1, distSize) {
		return nil
	}
	dist := d.dist()
	return &dist
}

func (d machineDecoder) dist() Dist {
	if !d.spend(1, distTypeSize) {
		return Dist{}
	}
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
	appendMachine(&e, m)
	return e.Bytes()
}

// appendMachine appends the bincode encoding of m to e.
func appendMachine(e *bincode.Encoder, m *Machine) {
	e.Uint64(m.AllowedPaddingPackets)
	e.F64(m.MaxPaddingFrac)
	e.Uint64(m.AllowedBlockedMicrosec)
	e.F64(m.MaxBlockingFrac)
	e.Len(len(m.States))
	for i := range m.States {
		encodeState(e, &m.States[i])
	}
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
