package miniz

import (
	"math/bits"
	"slices"
)

// Alphabet sizes, as the reference sizes its tables: literal/length
// symbols 286 and 287 and distance symbols 30 and 31 are never used.
const (
	numLitLen       = 288
	numDist         = 32
	endOfBlock      = 256
	firstLengthCode = 257
)

// huffman is a prefix code: each symbol's code, bit-reversed so that it
// can be written least significant bit first, and its length (0 for a
// symbol without a code).
type huffman struct {
	codes []uint16
	lens  []uint8
}

// write writes the code of sym.
func (h *huffman) write(w *bitWriter, sym int) {
	w.writeBits(uint32(h.codes[sym]), uint(h.lens[sym]))
}

// canonical returns the canonical code of the given lengths (RFC 1951,
// 3.2.2).
func canonical(lens []uint8) huffman {
	var count [maxCodeLen + 1]int
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	var next [maxCodeLen + 1]int
	code := 0
	for l := 1; l <= maxCodeLen; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	h := huffman{codes: make([]uint16, len(lens)), lens: lens}
	for sym, l := range lens {
		if l == 0 {
			continue
		}
		h.codes[sym] = bits.Reverse16(uint16(next[l])) >> (16 - l)
		next[l]++
	}
	return h
}

// codeLengths returns code lengths for symbols with the given counts,
// none over limit, as miniz computes them. The used symbols (count > 0)
// are sorted by count, ties in symbol order; the minimum-redundancy code
// of Moffat and Katajainen ("In-place calculation of minimum-redundancy
// codes", 1995) gives the number of codes of each length; lengths over
// limit are then folded in, and the most frequent symbols get the shortest
// codes.
//
// Counts stay far below 2^16 here (a block holds fewer than 60,000
// tokens), as the reference's 16-bit arithmetic needs.
func codeLengths(freq []int, limit int) []uint8 {
	type symFreq struct{ sym, key int }
	var syms []symFreq
	for s, f := range freq {
		if f != 0 {
			syms = append(syms, symFreq{s, f})
		}
	}
	slices.SortFunc(syms, func(a, b symFreq) int {
		if a.key != b.key {
			return a.key - b.key
		}
		return a.sym - b.sym
	})

	keys := make([]int, len(syms))
	for i, s := range syms {
		keys[i] = s.key
	}
	minimumRedundancy(keys)

	// numCodes[l] is how many symbols get a code of length l; the longest
	// possible code over 60,000 counts is well under 32 bits.
	var numCodes [33]int
	for _, depth := range keys {
		numCodes[depth]++
	}
	limitLengths(numCodes[:], len(syms), limit)

	lens := make([]uint8, len(freq))
	last := len(syms)
	for l := 1; l <= limit; l++ {
		first := last - numCodes[l]
		for _, s := range syms[first:last] {
			lens[s.sym] = uint8(l)
		}
		last = first
	}
	return lens
}

// minimumRedundancy replaces the weights a, sorted in nondecreasing order,
// with the depths of their leaves in a minimum-redundancy code, in place.
// A single weight gets depth 1.
func minimumRedundancy(a []int) {
	n := len(a)
	switch n {
	case 0:
		return
	case 1:
		a[0] = 1
		return
	}
	// Phase 1: build the tree, leaving in each internal node the index of
	// its parent.
	a[0] += a[1]
	root, leaf := 0, 2
	for next := 1; next < n-1; next++ {
		if leaf >= n || a[root] < a[leaf] {
			a[next] = a[root]
			a[root] = next
			root++
		} else {
			a[next] = a[leaf]
			leaf++
		}
		if leaf >= n || (root < next && a[root] < a[leaf]) {
			a[next] += a[root]
			a[root] = next
			root++
		} else {
			a[next] += a[leaf]
			leaf++
		}
	}
	// Phase 2: the depth of each internal node.
	a[n-2] = 0
	for next := n - 3; next >= 0; next-- {
		a[next] = a[a[next]] + 1
	}
	// Phase 3: the depth of each leaf.
	avail, used, depth := 1, 0, 0
	root, next := n-2, n-1
	for avail > 0 {
		for root >= 0 && a[root] == depth {
			used++
			root--
		}
		for avail > used {
			a[next] = depth
			next--
			avail--
		}
		avail = 2 * used
		depth++
		used = 0
	}
}

// limitLengths folds the codes longer than limit into the counts per
// length numCodes, as miniz does: every longer code becomes one of length
// limit, then, while the lengths overfill the code space, a code of length
// limit is removed and the longest shorter code is split in two one bit
// longer. n is the number of codes; one code needs no limiting.
func limitLengths(numCodes []int, n, limit int) {
	if n <= 1 {
		return
	}
	for l := limit + 1; l < len(numCodes); l++ {
		numCodes[limit] += numCodes[l]
		numCodes[l] = 0
	}
	total := 0
	for l := 1; l <= limit; l++ {
		total += numCodes[l] << (limit - l)
	}
	for ; total > 1<<limit; total-- {
		numCodes[limit]--
		for l := limit - 1; l > 0; l-- {
			if numCodes[l] != 0 {
				numCodes[l]--
				numCodes[l+1] += 2
				break
			}
		}
	}
}

// Length and distance codes (RFC 1951, 3.2.5), built from the rule that
// defines them: after the first codes, which have no extra bits, every
// two (distances) or four (lengths) codes take one extra bit more, each
// code's base following the last value of the one before. Length 258 has a
// code of its own.
var (
	lengthBase  [29]int
	lengthExtra [29]uint
	distBase    [30]int
	distExtra   [30]uint
	// lengthCodes[l-minMatch] and distCodes[d-1] for d <= 256, and
	// distCodes[256+(d-1)>>7] for larger d, are the codes of length l and
	// distance d.
	lengthCodes [maxMatch - minMatch + 1]uint16
	distCodes   [512]uint8
)

func init() {
	base := minMatch
	for c := range 28 {
		if c >= 8 {
			lengthExtra[c] = uint(c/4 - 1)
		}
		lengthBase[c] = base
		for range 1 << lengthExtra[c] {
			lengthCodes[base-minMatch] = uint16(firstLengthCode + c)
			base++
		}
	}
	lengthBase[28] = maxMatch
	lengthCodes[maxMatch-minMatch] = firstLengthCode + 28

	base = 1
	for c := range 30 {
		if c >= 4 {
			distExtra[c] = uint(c/2 - 1)
		}
		distBase[c] = base
		for range 1 << distExtra[c] {
			if base <= 256 {
				distCodes[base-1] = uint8(c)
			} else if (base-1)&127 == 0 {
				distCodes[256+(base-1)>>7] = uint8(c)
			}
			base++
		}
	}
}

// lengthCode returns the literal/length symbol of a match length.
func lengthCode(length int) int { return int(lengthCodes[length-minMatch]) }

// distCode returns the distance symbol of a match distance.
func distCode(dist int) int {
	if dist <= 256 {
		return int(distCodes[dist-1])
	}
	return int(distCodes[256+(dist-1)>>7])
}
