package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/maybenot-go/maybenot"
)

// summary is what a simulation amounts to.
type summary struct {
	sentNormal, sentPadding int
	recvNormal, recvPadding int
	replaced                int // padding replaced by a packet held back
	delayed                 int // normal packets held back by blocking
	totalDelay, maxDelay    time.Duration
	blockings               int
	blocked                 time.Duration
	duration                time.Duration // until the last packet
}

// summarize counts the packets of a simulation and the delay that blocking
// added to the normal packets sent.
func summarize(res *simResult) summary {
	s := summary{replaced: res.replaced, blockings: res.blockings, blocked: res.blocked}
	for _, r := range res.records {
		s.duration = max(s.duration, r.at)
		switch {
		case r.dir == received && r.padding:
			s.recvPadding++
		case r.dir == received:
			s.recvNormal++
		case r.padding:
			s.sentPadding++
		default:
			s.sentNormal++
			if r.delay > 0 {
				s.delayed++
				s.totalDelay += r.delay
				s.maxDelay = max(s.maxDelay, r.delay)
			}
		}
	}
	return s
}

// overhead returns the padding sent as a percentage of the normal packets
// sent, and false if no normal packet was sent.
func (s summary) overhead() (float64, bool) {
	if s.sentNormal == 0 {
		return 0, false
	}
	return 100 * float64(s.sentPadding) / float64(s.sentNormal), true
}

// ms formats d in milliseconds with three decimals: microseconds, the
// resolution of the machines' timers.
func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 3, 64)
}

// writeTable writes the defended trace as a table: time, direction, kind,
// and the delay that blocking added.
func writeTable(w io.Writer, records []record) error {
	var b strings.Builder
	b.WriteString("   time (ms)  dir  packet   delayed (ms)\n")
	for _, r := range records {
		dir, kind := "out", "normal"
		if r.dir == received {
			dir = "in"
		}
		if r.padding {
			kind = "padding"
		}
		if r.delay > 0 {
			fmt.Fprintf(&b, "%12s  %-3s  %-7s  %12s\n", ms(r.at), dir, kind, ms(r.delay))
		} else {
			fmt.Fprintf(&b, "%12s  %-3s  %s\n", ms(r.at), dir, kind)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeSummary writes the summary of a simulation of machines with seed.
func writeSummary(w io.Writer, s summary, machines []maybenot.Machine, seed uint64) error {
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-18s"+format+"\n", append([]any{label + ":"}, args...)...)
	}
	names := make([]string, len(machines))
	for i := range machines {
		names[i] = machines[i].Name()
	}
	line("machines", "%s", strings.Join(names, ", "))
	line("seed", "%d", seed)
	line("duration", "%s ms", ms(s.duration))
	line("packets out", "%d (%d normal, %d padding)", s.sentNormal+s.sentPadding, s.sentNormal, s.sentPadding)
	line("packets in", "%d (%d normal, %d padding)", s.recvNormal+s.recvPadding, s.recvNormal, s.recvPadding)
	if pct, ok := s.overhead(); ok {
		line("padding overhead", "%.2f%% (padding sent per normal packet sent)", pct)
	} else {
		line("padding overhead", "n/a (no normal packet sent)")
	}
	line("padding replaced", "%d (by packets held back)", s.replaced)
	line("blocking", "%s, %s ms in total", count(s.blockings, "time"), ms(s.blocked))
	line("delay", "%s held back, %s ms in total, %s ms at most",
		count(s.delayed, "normal packet"), ms(s.totalDelay), ms(s.maxDelay))
	_, err := io.WriteString(w, b.String())
	return err
}

// count returns "1 time", "2 times" and so on.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
