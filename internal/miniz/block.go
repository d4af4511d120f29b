package miniz

// bitWriter appends bits to a byte slice, least significant bit first, as
// deflate packs them. Whole bytes go to the slice at once; at most seven
// bits wait in acc.
type bitWriter struct {
	bytes []byte
	acc   uint64
	nacc  uint
}

// writeBits writes the n low bits of v, n <= 32.
func (w *bitWriter) writeBits(v uint32, n uint) {
	w.acc |= uint64(v) << w.nacc
	w.nacc += n
	for w.nacc >= 8 {
		w.bytes = append(w.bytes, byte(w.acc))
		w.acc >>= 8
		w.nacc -= 8
	}
}

// padToByte writes zero bits up to the next byte boundary.
func (w *bitWriter) padToByte() {
	if w.nacc > 0 {
		w.writeBits(0, 8-w.nacc)
	}
}

// A mark is a point of the output to return to.
type mark struct {
	n    int
	acc  uint64
	nacc uint
}

func (w *bitWriter) mark() mark { return mark{len(w.bytes), w.acc, w.nacc} }

// reset drops everything written after m.
func (w *bitWriter) reset(m mark) {
	w.bytes, w.acc, w.nacc = w.bytes[:m.n], m.acc, m.nacc
}

// writeBlock writes the block of the tokens gathered since the last one,
// final if last, and starts a new one. The first block is preceded by the
// zlib header.
func (c *compressor) writeBlock(last bool) {
	w := &c.out
	if c.blocks == 0 {
		w.writeBits(zlibCMF, 8)
		w.writeBits(zlibFLG, 8)
	}
	if last {
		w.writeBits(1, 1)
	} else {
		w.writeBits(0, 1)
	}
	start := w.mark()

	var codes *blockCodes
	if c.blockSize < staticBelow {
		codes = &fixedCodes
		w.writeBits(1, 2)
	} else {
		codes = c.dynamicCodes()
	}
	for _, t := range c.block {
		if t.length == 0 {
			codes.lit.write(w, int(t.lit))
			continue
		}
		lc := lengthCode(t.length)
		codes.lit.write(w, lc)
		w.writeBits(uint32(t.length-lengthBase[lc-firstLengthCode]), lengthExtra[lc-firstLengthCode])
		dc := distCode(t.dist)
		codes.dist.write(w, dc)
		w.writeBits(uint32(t.dist-distBase[dc]), distExtra[dc])
	}
	codes.lit.write(w, endOfBlock)

	// A block whose codes take about as many bytes as its input, or more,
	// is stored raw instead, if its input is still in the window.
	written := len(w.bytes) - start.n
	inWindow := c.pos-c.blockStart <= c.dictSize
	if c.blockSize > rawAbove && written+1 >= c.blockSize && inWindow {
		w.reset(start)
		w.writeBits(0, 2)
		w.padToByte()
		w.writeBits(uint32(c.blockSize), 16)
		w.writeBits(^uint32(c.blockSize)&0xFFFF, 16)
		w.bytes = append(w.bytes, c.data[c.blockStart:c.blockStart+c.blockSize]...)
	}

	c.blockStart += c.blockSize
	c.blocks++
	c.block = c.block[:0]
	c.blockSize, c.codeBytes = 0, 0
	c.litFreq = [numLitLen]int{}
	c.distFreq = [numDist]int{}
}

// blockCodes are the Huffman codes of a block.
type blockCodes struct {
	lit  huffman // literals, end of block and lengths
	dist huffman
}

// fixedCodes are deflate's fixed codes (RFC 1951, 3.2.6).
var fixedCodes = func() blockCodes {
	var lit [numLitLen]uint8
	for i := range lit {
		switch {
		case i < 144:
			lit[i] = 8
		case i < 256:
			lit[i] = 9
		case i < 280:
			lit[i] = 7
		default:
			lit[i] = 8
		}
	}
	var dist [numDist]uint8
	for i := range dist {
		dist[i] = 5
	}
	return blockCodes{lit: canonical(lit[:]), dist: canonical(dist[:])}
}()

// Limits of the code lengths.
const (
	maxCodeLen     = 15
	maxCodeLenCode = 7
)

// dynamicCodes builds the block's dynamic codes from its symbol counts and
// writes the block header that describes them (RFC 1951, 3.2.7).
func (c *compressor) dynamicCodes() *blockCodes {
	w := &c.out
	litFreq := c.litFreq
	litFreq[endOfBlock] = 1
	litLens := codeLengths(litFreq[:], maxCodeLen)
	distLens := codeLengths(c.distFreq[:], maxCodeLen)
	codes := &blockCodes{lit: canonical(litLens), dist: canonical(distLens)}

	// Lengths are sent for the literal/length codes up to the last used
	// one from 257 on, and for distance codes up to the last used one from
	// 1 on (so always at least one).
	nlit := numLitLen - 2
	for nlit > firstLengthCode && litLens[nlit-1] == 0 {
		nlit--
	}
	ndist := numDist - 2
	for ndist > 1 && distLens[ndist-1] == 0 {
		ndist--
	}
	lens := append(litLens[:nlit:nlit], distLens[:ndist]...)
	packed, lenFreq := packLengths(lens)
	lenLens := codeLengths(lenFreq[:], maxCodeLenCode)
	lenCodes := canonical(lenLens)

	nlen := len(lengthOrder)
	for nlen > 4 && lenLens[lengthOrder[nlen-1]] == 0 {
		nlen--
	}

	w.writeBits(2, 2)
	w.writeBits(uint32(nlit-firstLengthCode), 5)
	w.writeBits(uint32(ndist-1), 5)
	w.writeBits(uint32(nlen-4), 4)
	for _, sym := range lengthOrder[:nlen] {
		w.writeBits(uint32(lenLens[sym]), 3)
	}
	for _, p := range packed {
		lenCodes.write(w, int(p.sym))
		if p.sym >= repeatPrevious {
			w.writeBits(uint32(p.extra), repeatExtra[p.sym-repeatPrevious])
		}
	}
	return codes
}

// The code-length alphabet beyond the lengths 0 to 15 themselves.
const (
	repeatPrevious = 16 // the previous length 3 to 6 times, 2 extra bits
	repeatZero     = 17 // a zero length 3 to 10 times, 3 extra bits
	repeatZeroLong = 18 // a zero length 11 to 138 times, 7 extra bits
	numLenCodes    = 19
)

var repeatExtra = [3]uint{2, 3, 7}

// lengthOrder is the order the code-length code's own lengths are sent in.
var lengthOrder = [numLenCodes]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// packedLen is a symbol of the code-length alphabet and its extra bits.
type packedLen struct {
	sym, extra uint8
}

// packLengths run-length codes the code lengths as miniz does: runs of a
// repeated nonzero length go out in pieces of up to six repeats, runs of
// zeros in pieces of up to 138, and runs under three as plain lengths. It
// returns the symbols and how often each occurs.
func packLengths(lens []uint8) ([]packedLen, [numLenCodes]int) {
	var out []packedLen
	var freq [numLenCodes]int
	zeros, repeats := 0, 0
	prev := -1 // no previous length yet
	flushRepeats := func() {
		switch {
		case repeats == 0:
		case repeats < 3:
			for range repeats {
				out = append(out, packedLen{sym: uint8(prev)})
			}
			freq[prev] += repeats
		default:
			out = append(out, packedLen{sym: repeatPrevious, extra: uint8(repeats - 3)})
			freq[repeatPrevious]++
		}
		repeats = 0
	}
	flushZeros := func() {
		switch {
		case zeros == 0:
		case zeros < 3:
			for range zeros {
				out = append(out, packedLen{sym: 0})
			}
			freq[0] += zeros
		case zeros <= 10:
			out = append(out, packedLen{sym: repeatZero, extra: uint8(zeros - 3)})
			freq[repeatZero]++
		default:
			out = append(out, packedLen{sym: repeatZeroLong, extra: uint8(zeros - 11)})
			freq[repeatZeroLong]++
		}
		zeros = 0
	}
	for _, l := range lens {
		switch {
		case l == 0:
			flushRepeats()
			zeros++
			if zeros == 138 {
				flushZeros()
			}
		case int(l) != prev:
			flushZeros()
			flushRepeats()
			out = append(out, packedLen{sym: l})
			freq[l]++
		default:
			flushZeros()
			repeats++
			if repeats == 6 {
				flushRepeats()
			}
		}
		prev = int(l)
	}
	if repeats != 0 {
		flushRepeats()
	} else {
		flushZeros()
	}
	return out, freq
}
