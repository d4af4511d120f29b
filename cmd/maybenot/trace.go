package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// direction is the way a packet goes, seen from the defended side.
type direction uint8

const (
	sent     direction = iota // written to the network
	received                  // arrived from the network
)

// tracePacket is one packet of an input trace: the connection as it is
// without a defense.
type tracePacket struct {
	at  time.Duration // since the start of the trace
	dir direction
}

// parseTrace reads a trace: one packet per line, "time_ns,s" for a packet
// sent and "time_ns,r" for one received, with times in nanoseconds from
// the start of the trace that never decrease. A third field, the packet's
// size as a whole number, may follow and is ignored. Spaces around fields,
// blank lines and lines starting with "#" are skipped. An error names the
// line, counted from 1. A trace without packets is an error.
func parseTrace(r io.Reader) ([]tracePacket, error) {
	sc := bufio.NewScanner(r)
	var (
		packets []tracePacket
		prev    time.Duration
		line    int
	)
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		p, err := parseTraceLine(text)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if p.at < prev {
			return nil, fmt.Errorf("line %d: time %d ns is before the time of the packet before it, %d ns", line, p.at, prev)
		}
		prev = p.at
		packets = append(packets, p)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: line too long", line+1)
		}
		return nil, err
	}
	if len(packets) == 0 {
		return nil, errors.New("no packets in the trace")
	}
	return packets, nil
}

// parseTraceLine parses one line of a trace, without its line break.
func parseTraceLine(text string) (tracePacket, error) {
	fields := strings.Split(text, ",")
	if len(fields) != 2 && len(fields) != 3 {
		return tracePacket{}, fmt.Errorf("%q has %d fields, want time_ns,s|r or time_ns,s|r,size", text, len(fields))
	}
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	ns, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil || ns < 0 {
		return tracePacket{}, fmt.Errorf("time %q is not a whole number of nanoseconds (0 to %d)", fields[0], int64(maxTraceTime))
	}
	p := tracePacket{at: time.Duration(ns)}
	if p.at > maxTraceTime {
		return tracePacket{}, fmt.Errorf("time %d ns is more than the largest, %d ns", ns, int64(maxTraceTime))
	}
	switch fields[1] {
	case "s":
		p.dir = sent
	case "r":
		p.dir = received
	default:
		return tracePacket{}, fmt.Errorf("direction %q is neither s (sent) nor r (received)", fields[1])
	}
	if len(fields) == 3 {
		if _, err := strconv.ParseUint(fields[2], 10, 64); err != nil {
			return tracePacket{}, fmt.Errorf("size %q is not a whole number", fields[2])
		}
	}
	return p, nil
}

// maxTraceTime is the latest time a trace may have, about 100 years: far
// beyond any trace, and far enough from time.Duration's limit that the
// simulation can add its tail (at most maxTail) without overflow.
const maxTraceTime = 100 * 365 * 24 * time.Hour

// record is one packet of the defended trace.
type record struct {
	at      time.Duration // when it was written or received, from the start
	dir     direction
	padding bool
	delay   time.Duration // how long blocking held it back (sent packets)
}

// defendedPacketSize is the size the defended trace gives every packet,
// as the reference's tools do: all packets of a tunnel look the same.
const defendedPacketSize = 514

// code returns the packet's kind as the defended-trace format writes it:
// "sn", "sp", "rn" or "rp" for sent or received, normal or padding.
func (r record) code() string {
	c := "s"
	if r.dir == received {
		c = "r"
	}
	if r.padding {
		return c + "p"
	}
	return c + "n"
}

// writeTrace writes the defended trace in the format of the reference's
// tools: "time_ns,sn|sp|rn|rp,514", one packet per line.
func writeTrace(w io.Writer, records []record) error {
	var b bytes.Buffer
	for _, r := range records {
		b.WriteString(strconv.FormatInt(r.at.Nanoseconds(), 10))
		b.WriteString("," + r.code() + "," + strconv.Itoa(defendedPacketSize) + "\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}
