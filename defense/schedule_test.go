package defense

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// item is a deadline for the schedule test.
type item struct {
	slot
	id int
}

func (x *item) sched() *slot { return &x.slot }

// TestSchedule sets, moves and removes deadlines at random and checks that
// they come out as a sorted list of the same deadlines would: by time,
// then by the order they were set.
func TestSchedule(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var s schedule[*item]
	items := make([]*item, 40)
	for i := range items {
		items[i] = &item{id: i}
	}
	type entry struct {
		when int64
		seq  uint64
		id   int
	}
	model := map[int]entry{} // the scheduled items
	var seq uint64
	sorted := func() []entry {
		var es []entry
		for _, e := range model {
			es = append(es, e)
		}
		slices.SortFunc(es, func(a, b entry) int {
			if a.when != b.when {
				return int(a.when - b.when)
			}
			return int(a.seq) - int(b.seq)
		})
		return es
	}
	for step := range 20_000 {
		x := items[rng.IntN(len(items))]
		switch rng.IntN(4) {
		case 0, 1:
			when := int64(rng.IntN(20))
			s.set(x, when)
			model[x.id] = entry{when, seq, x.id}
			seq++
		case 2:
			_, want := model[x.id]
			if got := s.remove(x); got != want {
				t.Fatalf("step %d: remove(%d) = %v, want %v", step, x.id, got, want)
			}
			delete(model, x.id)
		case 3:
			es := sorted()
			got, ok := s.first()
			if ok != (len(es) > 0) {
				t.Fatalf("step %d: first() ok = %v with %d scheduled", step, ok, len(es))
			}
			if ok {
				if got.id != es[0].id {
					t.Fatalf("step %d: first() = %d, want %d", step, got.id, es[0].id)
				}
				if s.pop() != got || got.pos != 0 {
					t.Fatalf("step %d: pop() did not remove the first", step)
				}
				delete(model, got.id)
			}
		}
		for i, x := range s.h {
			if x.pos != i+1 {
				t.Fatalf("step %d: item %d at %d records position %d", step, x.id, i, x.pos-1)
			}
			if i > 0 && before(x.sched(), s.h[(i-1)/2].sched()) {
				t.Fatalf("step %d: heap order broken at %d", step, i)
			}
		}
		if len(s.h) != len(model) {
			t.Fatalf("step %d: %d scheduled, want %d", step, len(s.h), len(model))
		}
	}
	s.clear()
	for _, x := range items {
		if x.pos != 0 {
			t.Fatalf("item %d still scheduled after clear", x.id)
		}
	}
}

func TestLater(t *testing.T) {
	for _, tt := range []struct {
		t    int64
		d    time.Duration
		want int64
	}{
		{5, 7, 12},
		{5, -7, -2},
		{math.MaxInt64 - 1, 2, math.MaxInt64},
		{math.MaxInt64, time.Duration(math.MaxInt64), math.MaxInt64},
		{math.MinInt64 + 1, -2, math.MinInt64},
	} {
		if got := later(tt.t, tt.d); got != tt.want {
			t.Errorf("later(%d, %d) = %d, want %d", tt.t, tt.d, got, tt.want)
		}
	}
}
