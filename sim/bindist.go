package sim

import (
	crand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/maybenot-go/maybenot"
)

// MaxBinDelay is the largest delay a BinDist may give: one day, as for the
// timeouts and durations that machines sample.
const MaxBinDelay = 24 * time.Hour

// BinDist is a distribution of integration delays made of bins: each bin
// is a range of milliseconds with a probability. It is the reference
// simulator's BinDist. The zero BinDist has no bins: it always gives 0 and
// draws nothing.
//
// A BinDist is immutable once made; goroutines may share one.
type BinDist struct {
	bins []bin     // by min, then max
	cum  []float64 // cumulative probabilities, in the order of bins
}

// bin is one range [min, max) of delays, in milliseconds.
type bin struct{ min, max float64 }

// ParseBinDist parses a BinDist in the reference's JSON form: an object
// whose keys are ranges of milliseconds, "(min, max)", and whose values are
// their probabilities, such as
//
//	{"(0.0, 0.5)": 0.9, "(0.5, 2.0)": 0.1}
//
// A key may repeat (the last one counts, as in the reference). Each range
// needs 0 <= min <= max <= MaxBinDelay in milliseconds, finite; each
// probability must be finite and >= 0, and they must not all be 0. (The
// reference accepts more and then panics or misbehaves while sampling.)
// Errors wrap ErrInvalidBinDist. Memory and time are linear in len(s).
func ParseBinDist(s string) (BinDist, error) {
	var m map[string]*float64
	dec := json.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(&m); err != nil {
		return BinDist{}, fmt.Errorf("%w: %v", ErrInvalidBinDist, err)
	}
	if dec.More() {
		return BinDist{}, fmt.Errorf("%w: data after the object", ErrInvalidBinDist)
	}
	if len(m) == 0 {
		return BinDist{}, fmt.Errorf("%w: no bins", ErrInvalidBinDist)
	}
	type entry struct {
		b bin
		p float64
	}
	entries := make([]entry, 0, len(m))
	total := 0.0
	for key, p := range m {
		b, err := parseRange(key)
		if err != nil {
			return BinDist{}, fmt.Errorf("%w: bin %s: %v", ErrInvalidBinDist, quote(key), err)
		}
		if p == nil || !(*p >= 0) || math.IsInf(*p, 0) {
			return BinDist{}, fmt.Errorf("%w: bin %s: the probability must be a finite number >= 0", ErrInvalidBinDist, quote(key))
		}
		entries = append(entries, entry{b, *p})
		total += *p
	}
	if !(total > 0) || math.IsInf(total, 0) {
		return BinDist{}, fmt.Errorf("%w: the probabilities sum to %v", ErrInvalidBinDist, total)
	}
	// The reference sorts by min only, leaving bins with the same min in
	// the order of a hash map; sorting by max and probability too makes
	// the order (and so the sampling) the same in every run.
	slices.SortFunc(entries, func(a, b entry) int {
		if c := cmpFloat(a.b.min, b.b.min); c != 0 {
			return c
		}
		if c := cmpFloat(a.b.max, b.b.max); c != 0 {
			return c
		}
		return cmpFloat(a.p, b.p)
	})
	d := BinDist{bins: make([]bin, len(entries)), cum: make([]float64, len(entries))}
	sum := 0.0
	for i, e := range entries {
		sum += e.p
		d.bins[i], d.cum[i] = e.b, sum
	}
	return d, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseRange parses a key "(min, max)": the parentheses trimmed from both
// ends, two numbers separated by a comma, each with spaces around it.
func parseRange(key string) (bin, error) {
	parts := strings.Split(strings.Trim(key, "()"), ",")
	if len(parts) != 2 {
		return bin{}, errors.New("want a range (min, max) of two numbers")
	}
	var v [2]float64
	for i, p := range parts {
		p = strings.TrimSpace(p)
		// strconv accepts hexadecimal floats and underscores, Rust does not.
		if strings.ContainsAny(p, "xX_") {
			return bin{}, fmt.Errorf("%s is not a number", quote(p))
		}
		x, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return bin{}, fmt.Errorf("%s is not a number", quote(p))
		}
		v[i] = x
	}
	const maxMs = int64(MaxBinDelay / time.Millisecond)
	if !(v[0] >= 0 && v[0] <= v[1] && v[1] <= float64(maxMs)) {
		return bin{}, fmt.Errorf("want 0 <= min <= max <= %d ms", maxMs)
	}
	return bin{v[0], v[1]}, nil
}

// Sample draws a delay. With several bins it first draws a float64 u in
// [0, 1) (the top 53 bits of one 64-bit draw, scaled) and takes the first
// bin whose cumulative probability is >= u, or the last bin when the
// probabilities sum to less than u. In the bin, a range min == max gives
// min without a draw, and any other gives min + (max-min)·v for one more
// uniform draw v, as rand 0.9's random_range does. The milliseconds are
// then truncated to whole microseconds, as the reference does (so 1.001 ms,
// 1000.9999999999999 µs in float64, gives 1000 µs). A BinDist of one bin draws no u, and the zero BinDist
// draws nothing and gives 0.
func (d BinDist) Sample(rng rand.Source) time.Duration {
	if len(d.bins) == 0 {
		return 0
	}
	i := 0
	if len(d.bins) > 1 {
		u := float64(rng.Uint64()>>11) * 0x1p-53
		i = min(sort.SearchFloat64s(d.cum, u), len(d.bins)-1)
	}
	b := d.bins[i]
	ms := b.min
	if b.min != b.max {
		ms = maybenot.Dist{Type: maybenot.Uniform{Low: b.min, High: b.max}}.Sample(rng)
	}
	// The conversion keeps the product rounded on its own: converting a
	// float64 to uint64 may subtract 2^63 from it, which could be fused
	// with the multiplication.
	us := float64(ms * 1000)
	return time.Duration(uint64(us)) * time.Microsecond
}

// constant reports whether d always gives the same delay without drawing:
// it has no bins, or one bin with min == max.
func (d BinDist) constant() bool {
	return len(d.bins) == 0 || len(d.bins) == 1 && d.bins[0].min == d.bins[0].max
}

// Integration describes the delays of an integration of Maybenot into a
// protocol, as the reference simulator models them:
//
//   - ActionDelay: from an action being taken to it happening. Padding
//     leaves this much later than the framework scheduled it (PaddingSent
//     is reported at once). For blocking, as in the reference, traffic is
//     held from the time scheduled, and BlockingBegin is reported the
//     action delay plus a reporting delay later.
//   - ReportingDelay: from an event happening in the protocol to the
//     framework hearing of it. Packets sent and received, and the end of
//     blocking, reach the framework this much later.
//   - TriggerDelay: from a scheduled action falling due to the
//     integration carrying it out; it is added to every timeout.
//
// Each delay is drawn anew for each use from Rand. The reference draws
// them from an unseeded thread-local source, so its runs with
// integration delays of more than one value are not reproducible; here a
// seeded Rand makes them so, and the frameworks' own sources are never
// drawn from for these delays, so the machines see the same random numbers
// as in the reference. This is the one deliberate difference from the
// reference simulator: with delays of one value (all the reference's
// results can be compared on) both agree exactly.
//
// Rand nil means a secure source (ChaCha8 seeded from crypto/rand), made
// anew for each ParseTrace or Run, so an Integration with a nil Rand can be
// shared by any number of goroutines. A non-nil Rand is drawn from by
// every ParseTrace and Run given this Integration: rand.Source is not safe
// for concurrent use, so give each goroutine its own.
type Integration struct {
	ActionDelay, ReportingDelay, TriggerDelay BinDist
	Rand                                      rand.Source
}

// delays is an Integration in use: its delays and the source they draw
// from. The nil *delays is no integration: every delay is 0.
type delays struct {
	action, reporting, trigger BinDist
	rng                        rand.Source
}

// newDelays returns the delays of in, or nil if in is nil.
func newDelays(in *Integration) *delays {
	if in == nil {
		return nil
	}
	d := &delays{action: in.ActionDelay, reporting: in.ReportingDelay, trigger: in.TriggerDelay, rng: in.Rand}
	if d.rng == nil && !(d.action.constant() && d.reporting.constant() && d.trigger.constant()) {
		var seed [32]byte
		crand.Read(seed[:]) // never fails: it crashes the program instead
		d.rng = rand.NewChaCha8(seed)
	}
	return d
}

func (d *delays) actionDelay() time.Duration {
	if d == nil {
		return 0
	}
	return d.action.Sample(d.rng)
}

func (d *delays) reportingDelay() time.Duration {
	if d == nil {
		return 0
	}
	return d.reporting.Sample(d.rng)
}

func (d *delays) triggerDelay() time.Duration {
	if d == nil {
		return 0
	}
	return d.trigger.Sample(d.rng)
}

// quote quotes s for an error message, cut to at most 40 bytes.
func quote(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:40]) + "..."
	}
	return strconv.Quote(s)
}

// quoteBytes is quote for a byte slice.
func quoteBytes(b []byte) string {
	if len(b) > 40 {
		return strconv.Quote(string(b[:40])) + "..."
	}
	return strconv.Quote(string(b))
}
