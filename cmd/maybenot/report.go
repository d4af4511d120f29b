package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// traceStats is what the defense of one trace amounts to, at the client,
// beside the same trace simulated without machines (the baseline).
type traceStats struct {
	packets int   // in the base trace
	bytes   int64 // of the base trace's packets

	sentNormal, sentPadding int
	recvNormal, recvPadding int
	baseSent, baseRecv      int

	// The time of the last normal packet, defended and not.
	duration, baseDuration time.Duration

	// Normal packets sent later than in the baseline (the k-th normal
	// packet sent against the k-th of the baseline), and by how much.
	delayed              int
	totalDelay, maxDelay time.Duration

	size int // counted for each padding packet
}

// measure compares the packets of a defended run with those of the
// baseline.
func measure(defended, baseline []packet, packets int, bytes int64, size int) traceStats {
	s := traceStats{packets: packets, bytes: bytes, size: size}
	var sent []time.Duration
	for _, p := range defended {
		switch {
		case p.received && p.padding:
			s.recvPadding++
		case p.received:
			s.recvNormal++
		case p.padding:
			s.sentPadding++
		default:
			s.sentNormal++
			sent = append(sent, p.at)
		}
		if !p.padding {
			s.duration = max(s.duration, p.at)
		}
	}
	k := 0
	for _, p := range baseline {
		if p.padding {
			continue
		}
		s.baseDuration = max(s.baseDuration, p.at)
		if p.received {
			s.baseRecv++
			continue
		}
		s.baseSent++
		if k < len(sent) {
			if d := sent[k] - p.at; d > 0 {
				s.delayed++
				s.totalDelay += d
				s.maxDelay = max(s.maxDelay, d)
			}
			k++
		}
	}
	return s
}

// add adds o to s, for totals over traces.
func (s *traceStats) add(o traceStats) {
	s.size = o.size
	s.packets += o.packets
	s.bytes += o.bytes
	s.sentNormal += o.sentNormal
	s.sentPadding += o.sentPadding
	s.recvNormal += o.recvNormal
	s.recvPadding += o.recvPadding
	s.baseSent += o.baseSent
	s.baseRecv += o.baseRecv
	s.duration += o.duration
	s.baseDuration += o.baseDuration
	s.delayed += o.delayed
	s.totalDelay += o.totalDelay
	s.maxDelay = max(s.maxDelay, o.maxDelay)
}

func (s traceStats) padding() int        { return s.sentPadding + s.recvPadding }
func (s traceStats) normal() int         { return s.sentNormal + s.recvNormal }
func (s traceStats) paddingBytes() int64 { return int64(s.padding()) * int64(s.size) }

// percent formats 100·a/b with two decimals, or "n/a" when b is 0.
func percent(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return strconv.FormatFloat(100*a/b, 'f', 2, 64) + "%"
}

// signedPercent is percent with a sign.
func signedPercent(a, b float64) string {
	p := percent(a, b)
	if b != 0 && a >= 0 {
		return "+" + p
	}
	return p
}

// ms formats d in milliseconds with three decimals.
func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 3, 64)
}

// runInfo is what the summary of one run says about its setup.
type runInfo struct {
	client, server []string // the machines, as the summary names them
	trace          string   // where the trace came from
	delay          time.Duration
	pps            int // the bottleneck in use
	defaultPPS     bool
	seed           uint64
}

// writeSummary writes the summary of the defense of one trace: the setup,
// then each figure undefended and defended.
func writeSummary(w io.Writer, info runInfo, s traceStats) error {
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-18s"+format+"\n", append([]any{label + ":"}, args...)...)
	}
	machines := func(names []string) string {
		if len(names) == 0 {
			return "none"
		}
		return strings.Join(names, ", ")
	}
	line("client machines", "%s", machines(info.client))
	line("server machines", "%s", machines(info.server))
	line("trace", "%s, %d packets (%s)", info.trace, s.packets, byteCount(s.bytes))
	bottleneck := strconv.Itoa(info.pps) + " packets/s"
	if info.defaultPPS {
		bottleneck += " (the trace's default)"
	}
	line("network", "%s ms delay, bottleneck %s", ms(info.delay), bottleneck)
	line("seed", "%d", info.seed)
	fmt.Fprintf(&b, "%-18s%-13s %s\n", "", "undefended", "defended")
	row := func(label, base, defended string) {
		fmt.Fprintf(&b, "%-18s%-13s %s\n", label+":", base, defended)
	}
	row("packets out", strconv.Itoa(s.baseSent), fmt.Sprintf("%d (%d normal, %d padding)", s.sentNormal+s.sentPadding, s.sentNormal, s.sentPadding))
	row("packets in", strconv.Itoa(s.baseRecv), fmt.Sprintf("%d (%d normal, %d padding)", s.recvNormal+s.recvPadding, s.recvNormal, s.recvPadding))
	row("padding", "0", fmt.Sprintf("%d packets, %s of the normal ones; %s, %s of the trace's bytes",
		s.padding(), percent(float64(s.padding()), float64(s.normal())), byteCount(s.paddingBytes()),
		percent(float64(s.paddingBytes()), float64(s.bytes))))
	row("duration", ms(s.baseDuration)+" ms", fmt.Sprintf("%s ms (%s), to the last normal packet", ms(s.duration),
		signedPercent(float64(s.duration-s.baseDuration), float64(s.baseDuration))))
	row("delay", "-", fmt.Sprintf("%d normal packets sent later, %s ms in total, %s ms at most",
		s.delayed, ms(s.totalDelay), ms(s.maxDelay)))
	_, err := io.WriteString(w, b.String())
	return err
}

// byteCount formats n bytes.
func byteCount(n int64) string {
	if n == 1 {
		return "1 byte"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// datasetResult is the outcome of one trace of a dataset.
type datasetResult struct {
	name  string // the path under the dataset's directory
	stats traceStats
	err   error
}

// writeDatasetSummary writes a table of the traces of a dataset, one row
// per trace (unless quiet) and a row of totals: packets of the defended
// trace at the client, padding packets and their share of the normal
// ones, padding bytes and their share of the trace's bytes, the time to
// the last normal packet against the baseline, and the delay of normal
// packets sent. Traces that failed are listed as such and left out of the
// totals.
func writeDatasetSummary(w io.Writer, results []datasetResult, quiet bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "trace\tpackets\tpadding\tpadding %\tpadding bytes\tbytes %\tduration (ms)\ttime %\tdelayed\tdelay (ms)\t\n")
	var total traceStats
	ok := 0
	row := func(name string, s traceStats) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\t%s\t%s\t%s\t%d\t%s\t\n", name,
			s.normal()+s.padding(), s.padding(), percent(float64(s.padding()), float64(s.normal())),
			s.paddingBytes(), percent(float64(s.paddingBytes()), float64(s.bytes)),
			ms(s.duration), signedPercent(float64(s.duration-s.baseDuration), float64(s.baseDuration)),
			s.delayed, ms(s.totalDelay))
	}
	for _, r := range results {
		if r.err != nil {
			if !quiet {
				fmt.Fprintf(tw, "%s\tfailed\t\t\t\t\t\t\t\t\t\n", r.name)
			}
			continue
		}
		ok++
		total.add(r.stats)
		if !quiet {
			row(r.name, r.stats)
		}
	}
	row(fmt.Sprintf("total (%d traces)", ok), total)
	return tw.Flush()
}
