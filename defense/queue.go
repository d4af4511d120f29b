package defense

// callback is one call of Config.SendPadding (padding set) or of
// Config.BlockingChanged.
type callback struct {
	padding bool
	// blocked is BlockingChanged's argument.
	blocked bool
	// replace and bypass are the Padding's flags.
	replace, bypass bool
	machine         int32
}

// callQueue holds the callbacks still to be made, in order, in room made
// once: it never grows, however long a callback takes.
//
// The changes of blocking in the queue split it into groups. In a group
// each machine has at most one padding: a padding due while one of the
// same machine still waits in the last group merges into it, taking its
// flags. At most two changes of blocking wait; a third is the opposite of
// the second (they alternate), so it cancels it instead, and the groups on
// either side of the second merge, machine by machine as above. The
// paddings that were due while outgoing traffic was blocked and now go out
// in an unblocked group lose their Bypass flag. So the queue holds at most
// three groups of one padding per machine and two changes: 3n+2 callbacks
// for n machines.
type callQueue struct {
	ring       []callback // a power of two long
	head, tail int        // positions: ring[pos&(len-1)], head <= pos < tail

	// last[m] and prev[m] are the indexes in ring, plus one, of machine m's
	// padding in the last group and in the group before it (0: none).
	last, prev []int32
	// seps holds the positions of the changes of blocking that wait, in
	// order; nsep of them.
	seps [2]int
	nsep int
}

// init makes room for the callbacks of n machines.
func (q *callQueue) init(n int) {
	size := 4
	for size < 3*n+2 {
		size *= 2
	}
	q.ring = make([]callback, size)
	ints := make([]int32, 2*n)
	q.last, q.prev = ints[:n:n], ints[n:]
}

func (q *callQueue) len() int { return q.tail - q.head }

func (q *callQueue) at(pos int) *callback { return &q.ring[q.index(pos)] }

// index returns the index in ring of position pos.
func (q *callQueue) index(pos int) int { return pos & (len(q.ring) - 1) }

func (q *callQueue) push(c callback) {
	*q.at(q.tail) = c
	q.tail++
}

// padding queues a SendPadding call for machine m, or merges it into the
// one of m still waiting in the last group.
func (q *callQueue) padding(m int, replace, bypass bool) {
	if p := q.last[m]; p != 0 {
		c := &q.ring[p-1]
		c.replace, c.bypass = replace, bypass
		return
	}
	q.push(callback{padding: true, replace: replace, bypass: bypass, machine: int32(m)})
	q.last[m] = int32(q.index(q.tail-1) + 1)
}

// blocking queues a BlockingChanged(blocked) call, or, with two changes
// waiting, cancels the second.
func (q *callQueue) blocking(blocked bool) {
	if q.nsep == 2 {
		q.cancelLast()
		return
	}
	q.seps[q.nsep] = q.tail
	q.nsep++
	q.push(callback{blocked: blocked})
	q.last, q.prev = q.prev, q.last
	clear(q.last)
}

// cancelLast removes the last change of blocking and merges the last group
// into the one before it.
func (q *callQueue) cancelLast() {
	sep := q.seps[1]
	wasBlocked := q.at(sep).blocked
	w := sep
	for r := sep + 1; r < q.tail; r++ {
		c := *q.at(r)
		m := c.machine
		q.last[m] = 0
		if wasBlocked {
			c.bypass = false
		}
		if p := q.prev[m]; p != 0 {
			old := &q.ring[p-1]
			old.replace, old.bypass = c.replace, c.bypass
			continue
		}
		*q.at(w) = c
		q.prev[m] = int32(q.index(w) + 1)
		w++
	}
	q.tail = w
	q.nsep = 1
	// last is all zero again; the merged group is the last one now.
	q.last, q.prev = q.prev, q.last
}

// pop removes and returns the first callback; there must be one.
func (q *callQueue) pop() callback {
	i := int32(q.index(q.head) + 1)
	c := *q.at(q.head)
	q.head++
	if c.padding {
		if q.last[c.machine] == i {
			q.last[c.machine] = 0
		}
		if q.prev[c.machine] == i {
			q.prev[c.machine] = 0
		}
	} else {
		q.seps[0] = q.seps[1]
		q.nsep--
	}
	return c
}

// clear drops every callback.
func (q *callQueue) clear() {
	q.head, q.tail, q.nsep = 0, 0, 0
	clear(q.last)
	clear(q.prev)
}
