package sim

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/maybenot-go/maybenot"
)

// Bounds on the inputs of ParseTrace and Run.
const (
	// MaxTracePackets is the most packets (s, sn, r and rn lines) a trace
	// may have; ParseTrace fails with ErrTraceTooLarge beyond it. A Trace
	// keeps 24 bytes per packet (96 MiB at most), and ParseTrace
	// allocates at most 160 bytes per packet in all while it reads
	// (growing its queue and its count of packets per 100 ms).
	MaxTracePackets = 1 << 22

	// MaxTraceLine is the longest line a trace may have, in bytes, without
	// its line end.
	MaxTraceLine = 64 << 10

	// MaxTraceTime is the latest time a trace line may have: 100 years.
	MaxTraceTime = 100 * 365 * 24 * time.Hour

	// MaxDelay is the longest network delay a Network may have: one day.
	MaxDelay = 24 * time.Hour

	// MaxTime is the latest simulated time: about 146 years after time 0
	// of the trace. Run stops with ErrTimeLimit when it gets there.
	MaxTime = time.Duration(1 << 62)
)

// Network is the model of the network between the client and the server:
// a fixed one-way delay and a bottleneck of so many packets per second.
//
// The bottleneck counts, at each side, the packets sent within the last
// second (a packet is in the window while it is at most one second old).
// Beyond the limit, each packet is delayed by (count − limit) × 1 s/limit
// on top of Delay, and the delay may also hold back the base trace (see
// the package documentation).
type Network struct {
	Delay            time.Duration // one-way delay between client and server
	PacketsPerSecond int           // bottleneck; 0: the reference's default (10 × the busiest 100 ms window of the trace)
}

// check reports a Network out of range: Delay in [0, MaxDelay] and
// PacketsPerSecond in [0, 2^32−1] (the reference divides a second by the
// limit as a 32-bit number).
func (n Network) check() error {
	if n.Delay < 0 || n.Delay > MaxDelay {
		return fmt.Errorf("%w: network delay %v is not between 0 and %v", ErrInvalidOptions, n.Delay, MaxDelay)
	}
	if n.PacketsPerSecond < 0 || uint64(n.PacketsPerSecond) > math.MaxUint32 {
		return fmt.Errorf("%w: %d packets per second is not between 0 and %d", ErrInvalidOptions, n.PacketsPerSecond, uint32(math.MaxUint32))
	}
	return nil
}

// Trace is a base trace (time_ns,s|r|sn|rn|sp|rp[,size] lines) turned into
// the simulator's queue.
// Run never modifies it: one Trace may be run many times, from many goroutines.
type Trace struct {
	// The packets sent by the client and by the server, as NormalSent
	// events in the order in which the reference's heap, with the
	// reference's pushes, gives them out (see baseQueue).
	client, server []simEvent
	delay          time.Duration // the network delay the trace was made for
	maxPPS         int           // the default bottleneck
	start          time.Duration // the time of the first packet
}

// Len returns the number of packets in the trace: its s, sn, r and rn
// lines.
func (t *Trace) Len() int { return len(t.client) + len(t.server) }

// DefaultPacketsPerSecond returns the bottleneck Run uses for the trace
// when Network.PacketsPerSecond is 0: 10 times the most packets sent, or
// received, within 100 ms.
func (t *Trace) DefaultPacketsPerSecond() int { return t.maxPPS }

// ParseTrace reads a base trace, the traffic of a connection without a
// defense as seen from the client, and turns it into the queue of events
// that Run simulates, as the reference's parse_trace_advanced does.
//
// Each line is "time_ns,direction" followed by any further fields, which
// are ignored (the reference's traces add the size). time_ns is a whole
// number of nanoseconds since time 0 of the trace (spaces around it and a
// leading + allowed), at most MaxTraceTime; lines need not be in time
// order. direction is s or sn for a packet the client sent, r or rn for
// one it received, and sp or rp for padding, which base traces should not
// hold and which is skipped (its time must still be valid). A line with
// no comma (a blank line, say) is skipped. Lines end in \n or \r\n.
//
// A packet sent at t is queued as the client's NormalSent at t plus the
// client's reporting delay. A packet received at t was sent by the server
// n.Delay earlier: it is queued as the server's NormalSent at t − n.Delay
// plus the server's reporting delay, so that, without a defense, the
// client receives it at t. The default bottleneck, used when Run's
// Network.PacketsPerSecond is 0, is 10 times the most packets sent, or
// received, in a 100 ms window, counted in the order of the lines. Only
// n.Delay is used here; the trace must be run with the same delay.
//
// client and server may be nil (no integration delays). The reporting
// delays are drawn from their Rand in the order of the lines.
//
// Errors wrap ErrInvalidTrace and give the line number (counted from 1)
// where the reference would panic: a time that is not a number, an
// unknown direction, a line longer than MaxTraceLine; also for a trace
// without packets, which the reference cannot run, and a time past
// MaxTraceTime. More than MaxTracePackets packets is ErrTraceTooLarge.
// Read errors are returned wrapped. ParseTrace reads r as it goes, a line
// at a time, so its memory follows the packets (see MaxTracePackets), not
// the size of r.
func ParseTrace(r io.Reader, n Network, client, server *Integration) (*Trace, error) {
	if err := n.check(); err != nil {
		return nil, err
	}
	var (
		t        = &Trace{delay: n.Delay}
		cd, sd   = newDelays(client), newDelays(server)
		sentWin  = newWindow(100 * time.Millisecond)
		recvWin  = newWindow(100 * time.Millisecond)
		sentMax  int
		recvMax  int
		cs, ss   []simEvent // the packets sent by each side, in line order
		packets  int
		br       = bufio.NewReaderSize(r, MaxTraceLine+2)
		lineNo   int
		lastLine bool
	)
	for !lastLine {
		lineNo++
		b, err := br.ReadSlice('\n')
		if err != nil {
			switch {
			case err == io.EOF:
				lastLine = true
			case errors.Is(err, bufio.ErrBufferFull):
				return nil, fmt.Errorf("%w: line %d: longer than %d bytes", ErrInvalidTrace, lineNo, MaxTraceLine)
			default:
				return nil, fmt.Errorf("sim: reading the trace: %w", err)
			}
		}
		if len(b) == 0 && lastLine {
			break
		}
		if b[len(b)-1] == '\n' {
			b = b[:len(b)-1]
			if len(b) > 0 && b[len(b)-1] == '\r' {
				b = b[:len(b)-1]
			}
		}
		if len(b) > MaxTraceLine {
			return nil, fmt.Errorf("%w: line %d: longer than %d bytes", ErrInvalidTrace, lineNo, MaxTraceLine)
		}
		comma := bytes.IndexByte(b, ',')
		if comma < 0 {
			continue
		}
		timeField, dir := b[:comma], b[comma+1:]
		if i := bytes.IndexByte(dir, ','); i >= 0 {
			dir = dir[:i]
		}
		ns, ok := parseUint64(trimSpace(timeField))
		if !ok {
			return nil, fmt.Errorf("%w: line %d: time %s is not a whole number of nanoseconds", ErrInvalidTrace, lineNo, quoteBytes(timeField))
		}
		if ns > uint64(MaxTraceTime) {
			return nil, fmt.Errorf("%w: line %d: time %d ns is later than %d ns", ErrInvalidTrace, lineNo, ns, int64(MaxTraceTime))
		}
		at := time.Duration(ns)
		switch direction(dir) {
		case dirSent:
			rd := cd.reportingDelay()
			cs = append(cs, simEvent{time: at + rd, delay: rd, event: maybenot.NormalSent, flags: fClient})
			sentMax = max(sentMax, sentWin.add(at))
		case dirReceived:
			rd := sd.reportingDelay()
			ss = append(ss, simEvent{time: at - n.Delay + rd, delay: rd, event: maybenot.NormalSent})
			recvMax = max(recvMax, recvWin.add(at))
		case dirPadding:
			continue
		default:
			return nil, fmt.Errorf("%w: line %d: direction %s is none of s, sn, r, rn, sp and rp", ErrInvalidTrace, lineNo, quoteBytes(dir))
		}
		packets++
		if packets > MaxTracePackets {
			return nil, fmt.Errorf("%w: line %d: more than %d packets", ErrTraceTooLarge, lineNo, MaxTracePackets)
		}
	}
	if packets == 0 {
		return nil, fmt.Errorf("%w: no packets", ErrInvalidTrace)
	}
	t.client, t.server = heapOrder(cs), heapOrder(ss)
	t.maxPPS = max(sentMax, recvMax) * 10
	switch {
	case len(t.client) == 0:
		t.start = t.server[0].time
	case len(t.server) == 0:
		t.start = t.client[0].time
	default:
		t.start = min(t.client[0].time, t.server[0].time)
	}
	return t, nil
}

// The directions of a trace line.
const (
	dirInvalid  = iota
	dirSent     // s, sn
	dirReceived // r, rn
	dirPadding  // sp, rp
)

// direction decodes the direction field of a trace line.
func direction(d []byte) int {
	if len(d) == 0 || len(d) > 2 || d[0] != 's' && d[0] != 'r' {
		return dirInvalid
	}
	if len(d) == 2 {
		switch d[1] {
		case 'p':
			return dirPadding
		case 'n':
		default:
			return dirInvalid
		}
	}
	if d[0] == 's' {
		return dirSent
	}
	return dirReceived
}

// parseUint64 parses a decimal number as Rust's u64 parsing does: an
// optional +, then one or more ASCII digits, at most 2^64−1.
func parseUint64(b []byte) (uint64, bool) {
	if len(b) > 0 && b[0] == '+' {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	const cutoff = math.MaxUint64 / 10
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > cutoff || v == cutoff && d > math.MaxUint64%10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// trimSpace is bytes.TrimSpace, with a quick way out for the usual field
// that has no space at either end.
func trimSpace(b []byte) []byte {
	if len(b) > 0 && b[0] > ' ' && b[0] < 0x80 && b[len(b)-1] > ' ' && b[len(b)-1] < 0x80 {
		return b
	}
	return bytes.TrimSpace(b)
}

// window counts the times added within the last span: after adding t, it
// drops from the oldest end every time more than span before t, stopping
// at the first that is not, and returns how many remain (so, for times
// added out of order, it counts as the reference does).
type window struct {
	span time.Duration
	buf  []time.Duration // a ring: n times from head on
	head int
	n    int
}

func newWindow(span time.Duration) window {
	return window{span: span, buf: make([]time.Duration, 64)}
}

// add adds t and returns the count. The ring's length is a power of two.
func (w *window) add(t time.Duration) int {
	if w.n == len(w.buf) {
		grown := make([]time.Duration, 2*len(w.buf))
		k := copy(grown, w.buf[w.head:])
		copy(grown[k:], w.buf[:w.head])
		w.buf, w.head = grown, 0
	}
	mask := len(w.buf) - 1
	w.buf[(w.head+w.n)&mask] = t
	w.n++
	for w.n > 0 && satSub(t, w.buf[w.head&mask]) > w.span {
		w.head = (w.head + 1) & mask
		w.n--
	}
	return w.n
}

// satSub returns a − b, or 0 if b is later: the reference's subtraction
// of one instant from another, which saturates.
func satSub(a, b time.Duration) time.Duration {
	if a < b {
		return 0
	}
	return a - b
}

// add returns t + d for a time t <= MaxTime and a duration 0 <= d <=
// MaxTime, saturating at MaxTime, which Run never reaches without stopping.
func add(t, d time.Duration) time.Duration {
	if t > MaxTime-d {
		return MaxTime
	}
	return t + d
}

// heapOrder returns the events es, pushed in this order onto the
// reference's heap, in the order in which it gives them out, reusing es.
// Events tied in time and rank leave in an order that only the heap's
// algorithm tells, but where the tied events are equal in every field, as
// they are without random reporting delays, their order cannot be seen: then
// events already in time order (a trace's usual order) are in the heap's
// order too, and need no heap.
func heapOrder(es []simEvent) []simEvent {
	ordered := true
	for i := 1; i < len(es) && ordered; i++ {
		a, b := &es[i-1], &es[i]
		ordered = first(a, b) || *a == *b
	}
	if ordered {
		return es
	}
	h := eventHeap{s: es[:0]}
	for _, e := range es {
		h.push(e) // writes only at or below the index of e
	}
	return h.drain()
}
