package sim

import (
	"errors"
	"io"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
)

// baseTimes returns the times of a trace's packets, client's then
// server's, in the order they are sent.
func baseTimes(tr *Trace) (client, server []time.Duration) {
	for _, e := range tr.client {
		client = append(client, e.time)
	}
	for _, e := range tr.server {
		server = append(server, e.time)
	}
	return client, server
}

func TestParseTrace(t *testing.T) {
	const d = 5 * time.Millisecond
	for _, tt := range []struct {
		name           string
		in             string
		client, server []time.Duration
		maxPPS         int
		start          time.Duration
	}{
		{"basic", "0,s,514\n1000000,r,514\n2000000,s\n", []time.Duration{0, 2000000}, []time.Duration{1000000 - d}, 20, -4 * time.Millisecond},
		{"sn and rn", "10,sn\n20,rn\n", []time.Duration{10}, []time.Duration{20 - d}, 10, 20 - d},
		// Padding lines, lines without a comma (blank ones too) and any
		// fields after the direction are skipped.
		{"skipped", "\n# a comment\n5,sp\n6,rp,1\nword\n7,s,x,y,z\n", []time.Duration{7}, nil, 10, 7},
		{"spaces and plus", " +8 ,s\n\t9\t,r\n", []time.Duration{8}, []time.Duration{9 - d}, 10, 9 - d},
		{"crlf", "1,s\r\n2,s\r\n", []time.Duration{1, 2}, nil, 20, 1},
		{"no final newline", "1,s\n2,s", []time.Duration{1, 2}, nil, 20, 1},
		// Out of order: they are sent in time order, and the window counts in
		// line order, dropping only times more than 100 ms before the
		// newest: 0 after 3 s drops nothing.
		{"unordered", "3000000000,s\n0,s\n1,s\n", []time.Duration{0, 1, 3000000000}, nil, 30, 0},
		// The busiest 100 ms window, inclusive: 0, 50 ms, 100 ms in one,
		// 100.000001 ms drops 0.
		{"window", "0,s\n50000000,s\n100000000,s\n100000001,s\n", []time.Duration{0, 50000000, 100000000, 100000001}, nil, 30, 0},
		{"largest time", "3153600000000000000,s\n", []time.Duration{MaxTraceTime}, nil, 10, MaxTraceTime},
	} {
		tr, err := ParseTrace(strings.NewReader(tt.in), Network{Delay: d}, nil, nil)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		c, s := baseTimes(tr)
		if !slicesEqual(c, tt.client) || !slicesEqual(s, tt.server) || tr.maxPPS != tt.maxPPS || tr.start != tt.start {
			t.Errorf("%s: client %v server %v pps %d start %v, want %v %v %d %v", tt.name, c, s, tr.maxPPS, tr.start,
				tt.client, tt.server, tt.maxPPS, tt.start)
		}
		if tr.DefaultPacketsPerSecond() != tt.maxPPS {
			t.Errorf("%s: DefaultPacketsPerSecond %d", tt.name, tr.DefaultPacketsPerSecond())
		}
		if tr.Len() != len(tt.client)+len(tt.server) {
			t.Errorf("%s: Len %d", tt.name, tr.Len())
		}
	}
}

func TestParseTraceErrors(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		{"", "sim: invalid trace: no packets"},
		{"\n\n1,sp\n", "sim: invalid trace: no packets"},
		{"0,s\nx,s\n", `sim: invalid trace: line 2: time "x" is not a whole number of nanoseconds`},
		{"-1,s\n", `sim: invalid trace: line 1: time "-1" is not a whole number of nanoseconds`},
		{"1.5,s\n", `sim: invalid trace: line 1: time "1.5" is not a whole number of nanoseconds`},
		{"+,s\n", `sim: invalid trace: line 1: time "+" is not a whole number of nanoseconds`},
		{",s\n", `sim: invalid trace: line 1: time "" is not a whole number of nanoseconds`},
		{"18446744073709551616,s\n", `sim: invalid trace: line 1: time "18446744073709551616" is not a whole number of nanoseconds`},
		{"3153600000000000001,s\n", "sim: invalid trace: line 1: time 3153600000000000001 ns is later than 3153600000000000000 ns"},
		{"0,s\n\n0,x\n", `sim: invalid trace: line 3: direction "x" is none of s, sn, r, rn, sp and rp`},
		{"0, s\n", `sim: invalid trace: line 1: direction " s" is none of s, sn, r, rn, sp and rp`},
		{"0,S\n", `sim: invalid trace: line 1: direction "S" is none of s, sn, r, rn, sp and rp`},
		{"0,\n", `sim: invalid trace: line 1: direction "" is none of s, sn, r, rn, sp and rp`},
		// A lone \r at the end is part of the line, as in Rust's lines().
		{"0,s\r", `sim: invalid trace: line 1: direction "s\r" is none of s, sn, r, rn, sp and rp`},
		// A bad time is found even on a padding line.
		{"0,s\nx,sp\n", `sim: invalid trace: line 2: time "x" is not a whole number of nanoseconds`},
		{"0,s\n" + strings.Repeat("1", MaxTraceLine+1) + "\n", "sim: invalid trace: line 2: longer than 65536 bytes"},
		{"0,s\n" + strings.Repeat("1", 3*MaxTraceLine), "sim: invalid trace: line 2: longer than 65536 bytes"},
	} {
		_, err := ParseTrace(strings.NewReader(tt.in), Network{}, nil, nil)
		if err == nil || err.Error() != tt.want || !errors.Is(err, ErrInvalidTrace) {
			t.Errorf("ParseTrace(%.30q) error %v, want %q", tt.in, err, tt.want)
		}
	}
	// A line of exactly MaxTraceLine bytes is fine.
	long := "0,s," + strings.Repeat("x", MaxTraceLine-4) + "\r\n"
	if _, err := ParseTrace(strings.NewReader(long), Network{}, nil, nil); err != nil {
		t.Errorf("a line of %d bytes: %v", MaxTraceLine, err)
	}
	bad := []Network{{Delay: -1}, {Delay: MaxDelay + 1}, {PacketsPerSecond: -1}}
	if tooMany := uint64(math.MaxUint32) + 1; uint64(int(tooMany)) == tooMany { // int has 64 bits
		bad = append(bad, Network{PacketsPerSecond: int(tooMany)})
	}
	for _, n := range bad {
		if _, err := ParseTrace(strings.NewReader("0,s\n"), n, nil, nil); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("network %+v: error %v, want ErrInvalidOptions", n, err)
		}
	}
	if _, err := ParseTrace(iotestErrReader{}, Network{}, nil, nil); !errors.Is(err, errRead) {
		t.Errorf("read error: %v", err)
	}
}

var errRead = errors.New("read failed")

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errRead }

// repeatReader gives the line n times.
type repeatReader struct {
	line string
	n    int
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	k := 0
	for k < len(p) && r.n > 0 {
		c := copy(p[k:], r.line[r.off:])
		k += c
		r.off += c
		if r.off == len(r.line) {
			r.off = 0
			r.n--
		}
	}
	if k == 0 {
		return 0, io.EOF
	}
	return k, nil
}

// parseTraceBytesPerPacket bounds what ParseTrace allocates in all, per
// packet, for the worst trace: every packet in one 100 ms window, so that
// the window keeps them all. The trace itself keeps 24 bytes per packet;
// the rest is the growth of the heap and of the window's ring.
const parseTraceBytesPerPacket = 160

// TestParseTraceMemory checks the bound of MaxTracePackets: a trace of
// that many packets parses within parseTraceBytesPerPacket per packet
// (about 640 MiB allocated in all, far less live), and one more packet is
// ErrTraceTooLarge, found without reading further.
func TestParseTraceMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("parses 4 Mi packets")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tr, err := ParseTrace(&repeatReader{line: "0,s\n", n: MaxTracePackets}, Network{}, nil, nil)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != MaxTracePackets {
		t.Fatalf("%d packets", tr.Len())
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > parseTraceBytesPerPacket*MaxTracePackets {
		t.Errorf("allocated %d bytes, %.1f per packet, want at most %d", got, float64(got)/MaxTracePackets, parseTraceBytesPerPacket)
	}
	t.Logf("%.1f bytes allocated per packet", float64(after.TotalAlloc-before.TotalAlloc)/MaxTracePackets)
	tr = nil
	r := &repeatReader{line: "0,r\n", n: 2 * MaxTracePackets}
	if _, err := ParseTrace(r, Network{}, nil, nil); !errors.Is(err, ErrTraceTooLarge) {
		t.Errorf("%d packets: error %v, want ErrTraceTooLarge", MaxTracePackets+1, err)
	}
	if r.n < MaxTracePackets-MaxTraceLine {
		t.Errorf("read on after the limit: %d lines left of %d", r.n, 2*MaxTracePackets)
	}
}

// TestTraceUnchanged checks that Run leaves the Trace as it was, so that
// runs of one Trace give the same events.
func TestTraceUnchanged(t *testing.T) {
	n := Network{Delay: 10 * time.Millisecond}
	tr, err := ParseTrace(strings.NewReader(shortTrace(be000, time.Millisecond)), n, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c0, s0 := baseTimes(tr)
	runs := make([][]Event, 2)
	for i := range runs {
		runs[i], err = Run(one(ratio3(t)), one(blockEvery5(t)), tr, Options{Network: n, MaxIterations: 10000,
			ClientRand: Xoshiro256StarStar(3), ServerRand: Xoshiro256StarStar(4)})
		if err != nil {
			t.Fatal(err)
		}
	}
	c1, s1 := baseTimes(tr)
	if !slicesEqual(c0, c1) || !slicesEqual(s0, s1) {
		t.Error("Run changed the trace")
	}
	if !slicesEqual(runs[0], runs[1]) || len(runs[0]) == 0 {
		t.Error("two runs of the same trace and seeds differ")
	}
	_ = maybenot.NormalSent
}
