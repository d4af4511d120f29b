package defense

import (
	"container/heap"
	"time"
)

// slot is the place of something in a schedule: when it is due, and the
// order in which it was set, which breaks ties between equal times.
type slot struct {
	when time.Time
	seq  uint64
	pos  int // position in the schedule's heap plus one; 0 when not in it
}

// scheduled is what a schedule holds: a pointer to a struct with a slot.
type scheduled interface {
	sched() *slot
}

// schedule is a set of deadlines, earliest first; deadlines set for the
// same time come out in the order they were set. Its operations take
// O(log n) time and, once the heap has grown to its size, allocate
// nothing.
type schedule[T scheduled] struct {
	h   deadlineHeap[T]
	seq uint64
}

// set schedules x for when, or moves it there if it is already scheduled.
// Among deadlines for the same time it comes last.
func (s *schedule[T]) set(x T, when time.Time) {
	sl := x.sched()
	sl.when = when
	sl.seq = s.seq
	s.seq++
	if sl.pos > 0 {
		heap.Fix(&s.h, sl.pos-1)
		return
	}
	heap.Push(&s.h, x)
}

// remove unschedules x and reports whether it was scheduled.
func (s *schedule[T]) remove(x T) bool {
	sl := x.sched()
	if sl.pos == 0 {
		return false
	}
	heap.Remove(&s.h, sl.pos-1)
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
	return heap.Pop(&s.h).(T)
}

// clear unschedules everything.
func (s *schedule[T]) clear() {
	for _, x := range s.h {
		x.sched().pos = 0
	}
	clear(s.h)
	s.h = s.h[:0]
}

// deadlineHeap implements heap.Interface for schedule.
type deadlineHeap[T scheduled] []T

func (h deadlineHeap[T]) Len() int { return len(h) }

func (h deadlineHeap[T]) Less(i, j int) bool {
	a, b := h[i].sched(), h[j].sched()
	if !a.when.Equal(b.when) {
		return a.when.Before(b.when)
	}
	return a.seq < b.seq
}

func (h deadlineHeap[T]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].sched().pos = i + 1
	h[j].sched().pos = j + 1
}

func (h *deadlineHeap[T]) Push(x any) {
	t := x.(T)
	t.sched().pos = len(*h) + 1
	*h = append(*h, t)
}

func (h *deadlineHeap[T]) Pop() any {
	old := *h
	n := len(old) - 1
	t := old[n]
	var zero T
	old[n] = zero
	t.sched().pos = 0
	*h = old[:n]
	return t
}
