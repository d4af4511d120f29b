// Package miniz writes zlib streams (RFC 1950 around RFC 1951 deflate) byte
// for byte as the reference's compressor does: miniz_oxide 0.8.9 at
// compression level 9, the level flate2 1.1.9 calls Compression::best(),
// fed the whole input before the stream is finished (as a ZlibEncoder is
// when everything is written to it at once and then finished).
//
// Only that one configuration exists here. Its choices, which fix every
// byte of the output, are:
//
//   - The zlib header is 78 DA: a 32 KiB window and the "maximum
//     compression" level field. The trailer is the Adler-32 of the input.
//   - Matching is lazy and uses hash chains. Each position is hashed by its
//     next three bytes into a 2^15-entry table; a chain step follows the
//     previous position with the same hash. A search for a longer match
//     than one of length L spends a budget of 257 probes when L < 32 and 65
//     otherwise; a probe follows up to three chain steps, stopping at the
//     first whose candidate agrees with the input at offsets L-1 and L.
//     Chains hold positions modulo 2^16, and a stored 0 ends a chain, so
//     the first byte of the input (and of every 64 KiB) starts no match.
//   - A match of length 3 at a distance of 8 KiB or more is dropped, and so
//     is a match whose distance equals the position modulo 32 KiB.
//   - A match is kept unless the next position has a longer one; one of 128
//     bytes or more is taken at once.
//   - A block ends when its buffer of literals and matches is nearly full
//     (64 KiB as the reference lays it out), or when it covers more than
//     31 KiB of input and the buffer holds at least 128/115 of a byte per
//     input byte (input that barely compresses). The last block ends with
//     the input.
//   - A block of fewer than 48 input bytes uses the fixed Huffman codes,
//     any other a dynamic code: code lengths from the minimum-redundancy
//     algorithm (Moffat and Katajainen) on the symbols sorted by frequency,
//     then limited to 15 bits (7 for the code-length code) the way miniz
//     limits them. A block of more than 32 input bytes whose codes take at
//     least its input length less one byte is stored raw instead, if its
//     bytes are still in the window.
//
// The work is linear in the input whatever the data: a search spends at
// most 257 probes, each of at most three chain steps and one comparison of
// up to 258 bytes. BenchmarkCompress times 1 MiB inputs, from runs of
// zeros (a few milliseconds) to input that spends the whole probe budget
// at most positions (under a second).
package miniz

import (
	"encoding/binary"
	"hash/adler32"
	"sync"
)

// Compress returns the zlib stream of data. It is safe for concurrent use.
func Compress(data []byte) []byte {
	c := compressors.Get().(*compressor)
	defer compressors.Put(c)
	c.reset(data)
	c.run()
	out := c.out.bytes
	c.data, c.out.bytes = nil, nil
	if cap(c.block) > maxPooledTokens {
		c.block = nil
	}
	return out
}

// compressors recycles the compressors' tables (128 KiB of hash chains)
// and token buffers.
var compressors = sync.Pool{New: func() any { return new(compressor) }}

// maxPooledTokens bounds the token buffer a pooled compressor keeps.
const maxPooledTokens = 4 << 10

// Window and match sizes of deflate.
const (
	windowSize = 1 << 15
	windowMask = windowSize - 1
	minMatch   = 3
	maxMatch   = 258
)

// The compressor's parameters at level 9.
const (
	// The zlib header: CMF (deflate, 32 KiB window) then FLG (level field
	// 3, "maximum compression", and the check bits that make the pair a
	// multiple of 31).
	zlibCMF = 0x78
	zlibFLG = 0xDA

	hashBits = 15
	hashSize = 1 << hashBits
	// hashShift is how far the hash moves for each byte, so that a hash
	// covers three bytes.
	hashShift = (hashBits + 2) / 3

	// probesShort and probesLong are the probe budgets of a search for a
	// match longer than one of under, or at least, probesLongFrom bytes.
	probesShort    = 257
	probesLong     = 65
	probesLongFrom = 32

	// farMatch is the distance from which a match of minMatch bytes is not
	// worth its distance code.
	farMatch = 8 << 10
	// takeAtOnce is the length from which a match is taken without
	// looking for a longer one at the next position.
	takeAtOnce = 128

	// codeBufSize is the size of the reference's buffer of a block's
	// literals and matches. Laid out there as one byte per literal, three
	// per match and a flag byte per eight of them, it bounds a block:
	// the block ends once more than codeBufSize-8 bytes are used.
	codeBufSize = 64 << 10
	// A block of more than fatBlockBytes of input also ends once its
	// buffer holds 128/fatNum of a byte or more per input byte (used *
	// fatNum >> fatDenShift reaches the input size).
	fatBlockBytes = 31 << 10
	fatNum        = 115
	fatDenShift   = 7
	// A block of fewer than staticBelow input bytes uses the fixed codes.
	staticBelow = 48
	// A block of more than rawAbove input bytes may be stored raw.
	rawAbove = 32
)

// A token is a literal byte or a match of a block.
type token struct {
	length int // 0 for a literal
	dist   int // from 1 to windowSize, for a match
	lit    byte
}

// compressor holds the state of one stream. Positions are offsets into
// data; the hash chains store them modulo 2^16 in slots indexed modulo the
// window size, as the reference does, which decides which stale candidates
// a search meets.
type compressor struct {
	data []byte
	// filled is how many input bytes have entered the lookahead, pos is
	// the position being matched, and lookahead = filled - pos.
	filled, pos, lookahead int
	// dictSize is how far back from pos a match may reach: the bytes
	// before pos, at most the window less the lookahead.
	dictSize int
	// head[h] is the last position inserted with hash h, and prev[p mod
	// windowSize] the position inserted before p with the same hash.
	head [hashSize]uint16
	prev [windowSize]uint16

	// A match found at the previous position, kept to see whether the
	// next one has a longer match: its length (0 for none), distance and
	// the literal at that position.
	savedLen, savedDist int
	savedLit            byte

	block     []token
	blockSize int // input bytes the block's tokens cover
	// codeBytes is how many bytes the tokens take in the reference's
	// buffer, flags aside.
	codeBytes  int
	blockStart int // position of the block's first byte
	blocks     int // blocks written

	litFreq  [numLitLen]int
	distFreq [numDist]int

	out bitWriter
}

// reset makes c ready to compress data, as a new compressor.
func (c *compressor) reset(data []byte) {
	block := c.block[:0]
	*c = compressor{
		data:  data,
		block: block,
		out:   bitWriter{bytes: make([]byte, 0, len(data)/2+64)},
	}
}

// run compresses the whole input and writes the trailer.
func (c *compressor) run() {
	for c.filled < len(c.data) || c.lookahead > 0 {
		c.fill()
		c.step()
		if c.blockFull() {
			c.writeBlock(false)
		}
	}
	c.writeBlock(true)
	c.out.padToByte()
	c.out.bytes = binary.BigEndian.AppendUint32(c.out.bytes, adler32.Checksum(c.data))
}

// fill tops the lookahead up to maxMatch bytes, inserting into the hash
// chains each position whose three bytes are then all known.
func (c *compressor) fill() {
	n := min(len(c.data)-c.filled, maxMatch-c.lookahead)
	for range n {
		if c.filled >= minMatch-1 {
			c.insert(c.filled - (minMatch - 1))
		}
		c.filled++
	}
	c.lookahead += n
	c.dictSize = min(c.dictSize, windowSize-c.lookahead)
}

// insert adds position p, whose three bytes are known, to its hash chain.
func (c *compressor) insert(p int) {
	h := (int(c.data[p])<<(2*hashShift) ^ int(c.data[p+1])<<hashShift ^ int(c.data[p+2])) & (hashSize - 1)
	c.prev[p&windowMask] = c.head[h]
	c.head[h] = uint16(p)
}

// step decides what to do at pos: emit a literal, a match, or the match
// saved at the previous position, or save the match found here; then it
// moves past what it emitted.
func (c *compressor) step() {
	curLen := minMatch - 1
	if c.savedLen != 0 {
		curLen = c.savedLen
	}
	dist, length := c.findMatch(0, curLen)
	if (length == minMatch && dist >= farMatch) || dist == c.pos&windowMask {
		dist, length = 0, 0
	}

	move := 1
	switch {
	case c.savedLen != 0 && length > c.savedLen:
		// The match here is longer: the saved position becomes a literal.
		c.literal(c.savedLit)
		if length >= takeAtOnce {
			c.match(length, dist)
			c.savedLen = 0
			move = length
		} else {
			c.savedLen, c.savedDist, c.savedLit = length, dist, c.data[c.pos]
		}
	case c.savedLen != 0:
		// The saved match, which began one byte back, stands.
		c.match(c.savedLen, c.savedDist)
		move = c.savedLen - 1
		c.savedLen = 0
	case dist == 0:
		c.literal(c.data[c.pos])
	case length >= takeAtOnce:
		c.match(length, dist)
		move = length
	default:
		c.savedLen, c.savedDist, c.savedLit = length, dist, c.data[c.pos]
	}

	c.pos += move
	c.lookahead -= move
	c.dictSize = min(c.dictSize+move, windowSize)
}

// findMatch returns the best match at pos longer than bestLen (with
// bestDist, which it returns if it finds none), searching the hash chain
// with the reference's probe budget and order of comparisons: each probe
// takes up to three chain steps, and ends early at a candidate that agrees
// with the input at offsets bestLen-1 and bestLen, which any longer match
// must.
func (c *compressor) findMatch(bestDist, bestLen int) (int, int) {
	maxLen := min(maxMatch, c.lookahead)
	bestLen = max(bestLen, 1)
	if maxLen <= bestLen {
		return bestDist, bestLen
	}
	p, d := c.pos, c.data
	prev, dictSize := &c.prev, c.dictSize
	probes := probesShort
	if bestLen >= probesLongFrom {
		probes = probesLong
	}
	tail0, tail1 := d[p+bestLen-1], d[p+bestLen]
	slot := p & windowMask
	steps := 0 // left in the current probe
	for {
		if steps == 0 {
			if probes--; probes == 0 {
				return bestDist, bestLen
			}
			steps = 3
		}
		steps--
		next := int(prev[slot])
		dist := (p - next) & 0xFFFF
		if next == 0 || dist > dictSize {
			return bestDist, bestLen
		}
		slot = next & windowMask
		q := p - dist
		if d[q+bestLen-1] != tail0 || d[q+bestLen] != tail1 {
			continue
		}
		steps = 0 // a candidate ends the probe
		if dist == 0 {
			return bestDist, bestLen
		}
		if d[q] != d[p] || d[q+1] != d[p+1] {
			continue
		}
		n := 2 + commonPrefix(d[p+2:min(p+maxMatch, len(d))], d[q+2:])
		if n >= maxMatch {
			return dist, maxLen
		}
		if n > bestLen {
			bestDist, bestLen = dist, min(maxLen, n)
			if bestLen >= maxLen {
				return bestDist, bestLen
			}
			tail0, tail1 = d[p+bestLen-1], d[p+bestLen]
		}
	}
}

// commonPrefix returns how many leading bytes a and b share, at most
// len(a).
func commonPrefix(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return len(a)
}

// literal adds a literal to the block.
func (c *compressor) literal(b byte) {
	c.block = append(c.block, token{lit: b})
	c.blockSize++
	c.codeBytes++
	c.litFreq[b]++
}

// match adds a match to the block.
func (c *compressor) match(length, dist int) {
	c.block = append(c.block, token{length: length, dist: dist})
	c.blockSize += length
	c.codeBytes += 3
	c.litFreq[lengthCode(length)]++
	c.distFreq[distCode(dist)]++
}

// codeBufUsed is how much of the reference's buffer the block takes: a
// byte for the first flag, the tokens, and a flag byte after each eight.
func (c *compressor) codeBufUsed() int {
	return 1 + c.codeBytes + len(c.block)/8
}

// blockFull reports whether the block must end before the next step.
func (c *compressor) blockFull() bool {
	used := c.codeBufUsed()
	if used > codeBufSize-8 {
		return true
	}
	return c.blockSize > fatBlockBytes && used*fatNum>>fatDenShift >= c.blockSize
}
