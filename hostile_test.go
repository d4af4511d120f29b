package maybenot

import (
	"bytes"
	"compress/zlib"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot/internal/bincode"
	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// Machine strings arrive from servers and configuration files, so parsing
// one must cost little whatever it holds. These are the bounds the tests
// below hold ParseMachine to. Times and allocations are the best of
// measureRuns runs, so that a loaded machine does not make them flaky.
const (
	// bombMaxAlloc and bombMaxTime bound rejecting a zlib bomb: a string
	// of a few KB that inflates far past maxDecompressed.
	bombMaxAlloc = 4 << 20
	bombMaxTime  = 50 * time.Millisecond
	// hugeLengthMaxAlloc bounds rejecting a string whose bincode claims an
	// enormous number of states or transitions.
	hugeLengthMaxAlloc = 64 << 10
	// measureRuns is how many times each measured call runs.
	measureRuns = 3
)

// measure runs f runs times and returns its least time and its least
// allocation (in bytes) over the runs.
func measure(runs int, f func()) (time.Duration, uint64) {
	best, least := time.Duration(math.MaxInt64), uint64(math.MaxUint64)
	var before, after runtime.MemStats
	for range runs {
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		f()
		elapsed := time.Since(start)
		runtime.ReadMemStats(&after)
		best = min(best, elapsed)
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	return best, least
}

// TestInflateLimit checks inflate at the edges of its buffer growth and of
// maxDecompressed: output of any size up to the limit comes back whole,
// one byte more is an error.
func TestInflateLimit(t *testing.T) {
	rng := rand.New(splitmix.New(11))
	sizes := []int{0, 1, inflateStartSize - 1, inflateStartSize, inflateStartSize + 1,
		2*inflateStartSize + 1, 100_000, maxDecompressed - 1, maxDecompressed}
	for _, size := range sizes {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.IntN(4)) // compressible, but not trivially
		}
		compressed := zlibOf(t, data)
		raw, err := inflate(compressed)
		if err != nil || !bytes.Equal(raw, data) {
			t.Errorf("%d bytes: inflate gives %d bytes, %v; want them back", size, len(raw), err)
		}
	}
	for _, size := range []int{maxDecompressed + 1, maxDecompressed + inflateStartSize, 3 * maxDecompressed} {
		if raw, err := inflate(zlibOf(t, make([]byte, size))); err == nil || !strings.Contains(err.Error(), "larger than 1048576 bytes") {
			t.Errorf("%d bytes: inflate gives %d bytes, %v; want an error", size, len(raw), err)
		}
	}
	// A stream cut short, or with a wrong checksum, is an error even at
	// the limit, where inflate reads one byte further.
	full := zlibOf(t, make([]byte, maxDecompressed))
	if _, err := inflate(full[:len(full)-5]); err == nil {
		t.Error("inflate accepts a stream without its checksum")
	}
	bad := bytes.Clone(full)
	bad[len(bad)-1] ^= 1
	if _, err := inflate(bad); err == nil {
		t.Error("inflate accepts a stream with a wrong checksum")
	}
}

// zlibOf returns a zlib stream of data, compressed fast.
func zlibOf(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, err := zlib.NewWriterLevel(&b, zlib.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestParseMachineZlibBomb rejects strings of a few KB that inflate to 2 and
// 16 MiB: inflating stops one byte past maxDecompressed, so the size the
// stream claims makes no difference to the cost.
func TestParseMachineZlibBomb(t *testing.T) {
	for _, size := range []int{maxDecompressed + 1, 2 << 20, 16 << 20} {
		bomb := machineString(t, make([]byte, size))
		if len(bomb) > 32<<10 {
			t.Fatalf("a bomb of %d bytes takes %d bytes", size, len(bomb))
		}
		checkParseError(t, "bomb", bomb, "decompressed machine larger than 1048576 bytes")
		elapsed, alloc := measure(measureRuns, func() { _, _ = ParseMachine(bomb) })
		t.Logf("%d-byte string inflating to %d bytes: rejected in %v, %d bytes allocated", len(bomb), size, elapsed, alloc)
		if alloc >= bombMaxAlloc {
			t.Errorf("rejecting a bomb of %d bytes allocates %d bytes, want < %d", size, alloc, bombMaxAlloc)
		}
		if elapsed >= bombMaxTime {
			t.Errorf("rejecting a bomb of %d bytes takes %v, want < %v", size, elapsed, bombMaxTime)
		}
	}
}

// TestParseMachineHugeLengths rejects bincode whose length prefixes claim
// far more states or transitions than the bytes left could hold, before
// allocating for them.
func TestParseMachineHugeLengths(t *testing.T) {
	header := func() *bincode.Encoder {
		var e bincode.Encoder
		e.Uint64(0)
		e.F64(0)
		e.Uint64(0)
		e.F64(0)
		return &e
	}
	states := func(n uint64) []byte {
		e := header()
		e.Uint64(n)
		e.F64(0)
		return e.Bytes()
	}
	transitions := func(n uint64) []byte {
		e := header()
		e.Len(1)
		e.Option(false) // action
		e.Option(false) // counter A
		e.Option(false) // counter B
		e.Option(true)  // transitions on NormalRecv
		e.Uint64(n)
		e.F64(0)
		return e.Bytes()
	}
	for _, tc := range []struct {
		name string
		raw  []byte
	}{
		{"2^60 states", states(1 << 60)},
		{"2^64-1 states", states(math.MaxUint64)},
		{"2^31 states", states(1 << 31)},
		{"2^60 transitions", transitions(1 << 60)},
		{"2^64-1 transitions", transitions(math.MaxUint64)},
	} {
		s := machineString(t, tc.raw)
		checkParseError(t, tc.name, s, "cannot fit")
		_, alloc := measure(measureRuns, func() { _, _ = ParseMachine(s) })
		t.Logf("%s: rejected with %d bytes allocated", tc.name, alloc)
		if alloc >= hugeLengthMaxAlloc {
			t.Errorf("%s: rejecting allocates %d bytes, want < %d", tc.name, alloc, hugeLengthMaxAlloc)
		}
	}
}
