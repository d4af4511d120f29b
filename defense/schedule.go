package defense

import (
	"math"
	"time"
)

// slot is the place of something in a schedule: when it is due, in
// nanoseconds from an origin that its owner chooses, and the order in which
// it was set, which breaks ties between equal times.
type slot struct {
	when int64
	seq  uint64
	pos  int // position in the schedule's heap plus one; 0 when not in it
}

// later returns t + d, saturating at the largest time instead of wrapping
// around: a deadline that far off never comes.
func later(t int64, d time.Duration) int64 {
	if d > 0 && t > math.MaxInt64-int64(d) {
		return math.MaxInt64
	}
	if d < 0 && t < math.MinInt64-int64(d) {
		return math.MinInt64
	}
	return t + int64(d)
}

// scheduled is what a schedule holds: a pointer to a struct with a slot.
type scheduled interface {
	sched() *slot
}

// schedule is a set of deadlines, earliest first; deadlines set for the
// same time come out in the order they were set. It is a binary heap: its
// operations take O(log n) time and, once the heap has grown to its size,
// allocate nothing.
type schedule[T scheduled] struct {
	h   []T
	seq uint64
}

// before reports whether a is due before b.
func before(a, b *slot) bool {
	return a.when < b.when || a.when == b.when && a.seq < b.seq
}

// set schedules x for when, or moves it there if it is already scheduled.
// Among deadlines for the same time it comes last.
func (s *schedule[T]) set(x T, when int64) {
	sl := x.sched()
	sl.when = when
	sl.seq = s.seq
	s.seq++
	if sl.pos == 0 {
		s.h = append(s.h, x)
		s.up(len(s.h)-1, x)
		return
	}
	// Moved earlier or later: it goes up or down.
	i := sl.pos - 1
	s.up(i, x)
	if sl.pos-1 == i {
		s.down(i, x)
	}
}

// remove unschedules x and reports whether it was scheduled.
func (s *schedule[T]) remove(x T) bool {
	sl := x.sched()
	if sl.pos == 0 {
		return false
	}
	i := sl.pos - 1
	sl.pos = 0
	n := len(s.h) - 1
	last := s.h[n]
	var zero T
	s.h[n] = zero
	s.h = s.h[:n]
	if i < n {
		s.up(i, last)
		if last.sched().pos-1 == i {
			s.down(i, last)
		}
	}
	return true
}

// first returns the earliest deadline, or false if none is scheduled.
func (s *schedule[T]) first() (T, bool) {
	if len(s.h) == 0 {
		var zero T
		return zero, false
	}
	return s.h[0], true
}

// pop removes and returns the earliest deadline; there must be one.
func (s *schedule[T]) pop() T {
	x := s.h[0]
	s.remove(x)
	return x
}

// clear unschedules everything.
func (s *schedule[T]) clear() {
	for _, x := range s.h {
		x.sched().pos = 0
	}
	clear(s.h)
	s.h = s.h[:0]
}

// up places x, which goes at index i, there or above, moving down the
// deadlines due after it.
func (s *schedule[T]) up(i int, x T) {
	h := s.h
	xs := x.sched()
	for i > 0 {
		p := (i - 1) / 2
		ps := h[p].sched()
		if !before(xs, ps) {
			break
		}
		h[i] = h[p]
		ps.pos = i + 1
		i = p
	}
	h[i] = x
	xs.pos = i + 1
}

// down places x, which goes at index i, there or below, moving up the
// deadlines due before it.
func (s *schedule[T]) down(i int, x T) {
	h := s.h
	xs := x.sched()
	for {
		c := 2*i + 1
		if c >= len(h) {
			break
		}
		cs := h[c].sched()
		if r := c + 1; r < len(h) {
			if rs := h[r].sched(); before(rs, cs) {
				c, cs = r, rs
			}
		}
		if !before(cs, xs) {
			break
		}
		h[i] = h[c]
		cs.pos = i + 1
		i = c
	}
	h[i] = x
	xs.pos = i + 1
}
