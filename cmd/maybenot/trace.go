package main

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/sim"
)

// defaultPacketSize is the size written for every packet of a defended
// trace, and counted for each padding packet, unless -size says
// otherwise: the size of a Tor cell, which the reference's datasets use.
const defaultPacketSize = 514

// packet is one packet of a defended trace, as the client sees it.
type packet struct {
	at       time.Duration // since time 0 of the trace
	received bool
	padding  bool
}

// code returns the packet's kind as the trace format writes it: "sn",
// "sp", "rn" or "rp" for sent or received, normal or padding.
func (p packet) code() string {
	switch {
	case p.received && p.padding:
		return "rp"
	case p.received:
		return "rn"
	case p.padding:
		return "sp"
	}
	return "sn"
}

// clientPackets returns the packets sent and received at the client among
// events, in order.
func clientPackets(events []sim.Event) []packet {
	var ps []packet
	for _, e := range events {
		if !e.Client || e.Event != maybenot.TunnelSent && e.Event != maybenot.TunnelRecv {
			continue
		}
		ps = append(ps, packet{at: e.Time, received: e.Event == maybenot.TunnelRecv, padding: e.Padding})
	}
	return ps
}

// networkActivity returns the events among events that a run with
// OnlyNetworkActivity returns: packets sent and received. It reuses the
// slice.
func networkActivity(events []sim.Event) []sim.Event {
	out := events[:0]
	for _, e := range events {
		if e.Event == maybenot.TunnelSent || e.Event == maybenot.TunnelRecv {
			out = append(out, e)
		}
	}
	return out
}

// writeTrace writes packets in the reference's trace format,
// "time_ns,sn|sp|rn|rp,size", one packet per line, every packet of the
// given size. Times are from time 0 of the base trace; a time before it
// (which only odd integration delays give) is written as 0, so that the
// trace reads back.
func writeTrace(w io.Writer, packets []packet, size int) error {
	bw := bufio.NewWriter(w)
	var line []byte
	tail := "," + strconv.Itoa(size) + "\n"
	for _, p := range packets {
		line = strconv.AppendInt(line[:0], max(p.at.Nanoseconds(), 0), 10)
		line = append(line, ',')
		line = append(line, p.code()...)
		line = append(line, tail...)
		bw.Write(line)
	}
	return bw.Flush()
}

// byteCounter adds up, as a trace goes through it, the sizes of its
// packets (the third field of s, sn, r and rn lines; a packet without a
// size counts as size). It only counts: ParseTrace judges the lines.
type byteCounter struct {
	size    int
	total   int64
	partial []byte
}

func (c *byteCounter) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(c.partial)+len(b) <= sim.MaxTraceLine+2 {
				c.partial = append(c.partial, b...)
			}
			break
		}
		line := b[:i]
		if len(c.partial) > 0 {
			line = append(c.partial, line...)
			c.partial = c.partial[:0]
		}
		c.count(line)
		b = b[i+1:]
	}
	return n, nil
}

// close counts a last line without a line end.
func (c *byteCounter) close() {
	if len(c.partial) > 0 {
		c.count(c.partial)
		c.partial = nil
	}
}

func (c *byteCounter) count(line []byte) {
	fields := bytes.SplitN(bytes.TrimSuffix(line, []byte{'\r'}), []byte{','}, 4)
	if len(fields) < 2 {
		return
	}
	switch string(fields[1]) {
	case "s", "sn", "r", "rn":
	default:
		return
	}
	size := c.size
	if len(fields) > 2 {
		if v, err := strconv.Atoi(string(bytes.TrimSpace(fields[2]))); err == nil && v >= 0 {
			size = v
		}
	}
	c.total += int64(size)
}

// readTrace parses a trace for the simulator from r, for the network n
// and the integrations, and returns it with the bytes of its packets.
func readTrace(r io.Reader, n sim.Network, client, server *sim.Integration, size int) (*sim.Trace, int64, error) {
	c := &byteCounter{size: size}
	tr, err := sim.ParseTrace(io.TeeReader(r, c), n, client, server)
	if err != nil {
		return nil, 0, err
	}
	c.close()
	return tr, c.total, nil
}
