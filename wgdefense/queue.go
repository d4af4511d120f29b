package wgdefense

// entry is a packet waiting to be handed to wireguard-go: a normal packet,
// n bytes at buf[readOffset:], or, when buf is nil, a padding packet, made
// when it is handed over.
type entry struct {
	buf []byte
	n   int
}

// ring is a fixed-capacity FIFO of entries.
type ring struct {
	e       []entry
	head, n int
}

func newRing(capacity int) ring { return ring{e: make([]entry, capacity)} }

func (r *ring) len() int   { return r.n }
func (r *ring) full() bool { return r.n == len(r.e) }

// push appends x and reports whether there was room for it.
func (r *ring) push(x entry) bool {
	if r.full() {
		return false
	}
	r.e[(r.head+r.n)%len(r.e)] = x
	r.n++
	return true
}

// pop removes and returns the first entry. The ring must not be empty.
func (r *ring) pop() entry {
	x := r.e[r.head]
	r.e[r.head] = entry{}
	r.head = (r.head + 1) % len(r.e)
	r.n--
	return x
}
