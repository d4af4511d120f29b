package sim

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
)

// tied returns events that are all tied (same time and rank), told apart
// by their machine field.
func tied(ids ...int32) []simEvent {
	es := make([]simEvent, len(ids))
	for i, id := range ids {
		es[i] = simEvent{time: 7, event: maybenot.TunnelSent, machine: id}
	}
	return es
}

// TestHeapTies checks the order in which tied events leave, worked out by
// hand from the algorithm of Rust's BinaryHeap. Pushing A B C D gives
// [A B C D]. The first pop takes A, moves D to the root and sifts the hole
// down along the right child on the tie (C), giving [C B D]; D does not
// rise above C. The next pop takes C and leaves [B D]. So the order is
// A C B D, where a sift-down that stops early (container/heap) would give
// A D C B or A B C D.
func TestHeapTies(t *testing.T) {
	for _, tt := range []struct {
		name string
		ops  []int32 // >= 0: push that machine; -1: pop
		want []int32 // the machines popped, in order
	}{
		{"four", []int32{0, 1, 2, 3, -1, -1, -1, -1}, []int32{0, 2, 1, 3}},
		// [0 1 2 3 4]: pop 0; 4 goes to the root and the hole down along
		// 2 (tied with 1: right) to a leaf, where 4 stays: [2 1 4 3].
		// Pop 2: 3 to the root, the hole down along 4: [4 1 3]. Pop 4:
		// the hole goes to the only child: [1 3].
		{"five", []int32{0, 1, 2, 3, 4, -1, -1, -1, -1, -1}, []int32{0, 2, 4, 1, 3}},
		// [0 1 2]: pop 0; the hole goes to the only child: [1 2]. Push 3:
		// [1 2 3]. Pop 1: [2 3]. So a lone child keeps the order.
		{"interleaved", []int32{0, 1, 2, -1, 3, -1, -1, -1}, []int32{0, 1, 2, 3}},
		// [0 1 2 3 4 5 6]: pop 0; the hole goes down along 2 and then to
		// its only child left, 5, and 6 fills it: [2 1 5 3 4 6]. Pop 2:
		// [5 1 6 3 4]. Pop 5: [6 1 4 3]. Pop 6: [4 1 3]. Pop 4: [1 3].
		{"seven", []int32{0, 1, 2, 3, 4, 5, 6, -1, -1, -1, -1, -1, -1, -1}, []int32{0, 2, 5, 6, 4, 1, 3}},
	} {
		var h eventHeap
		var got []int32
		for _, op := range tt.ops {
			if op >= 0 {
				h.push(tied(op)[0])
			} else {
				got = append(got, h.pop().machine)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: popped %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestHeapOrder checks that events leave by time, then rank, whatever
// the order they came in.
func TestHeapOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	kinds := []maybenot.Event{maybenot.TunnelSent, maybenot.NormalSent, maybenot.PaddingSent, maybenot.TunnelRecv,
		maybenot.NormalRecv, maybenot.PaddingRecv, maybenot.BlockingBegin, maybenot.BlockingEnd, maybenot.TimerBegin, maybenot.TimerEnd}
	for range 100 {
		var h eventHeap
		var all []simEvent
		for range rng.IntN(200) {
			e := simEvent{time: time.Duration(rng.IntN(20)), event: kinds[rng.IntN(len(kinds))]}
			all = append(all, e)
			h.push(e)
			if rng.IntN(4) == 0 {
				// Pops in between must give the first of what is in.
				got := h.pop()
				i := slices.IndexFunc(all, func(x simEvent) bool { return !first(&x, &got) && !first(&got, &x) })
				for _, x := range all {
					if first(&x, &got) {
						t.Fatalf("popped %v while %v was in", got, x)
					}
				}
				all = slices.Delete(all, i, i+1)
			}
		}
		prev := simEvent{time: -1}
		for h.len() > 0 {
			e := h.pop()
			if first(&e, &prev) {
				t.Fatalf("popped %v after %v", e, prev)
			}
			prev = e
		}
	}
}

// TestHeapDrain checks that drain gives the events in the order of pop,
// ties included, for heaps of tied and untied events of every size up to
// 64.
func TestHeapDrain(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 65 {
		var a, b eventHeap
		for i := range n {
			// Times 0 to 3 and two kinds: many ties, told apart by
			// machine.
			e := simEvent{time: time.Duration(rng.IntN(4)), event: maybenot.TunnelSent, machine: int32(i)}
			if rng.IntN(2) == 0 {
				e.event = maybenot.TunnelRecv
			}
			a.push(e)
			b.push(e)
		}
		var want []simEvent
		for a.len() > 0 {
			want = append(want, a.pop())
		}
		if got := b.drain(); !slices.Equal(got, want) {
			t.Fatalf("%d events: drain gave %v, pop %v", n, got, want)
		}
		if b.len() != 0 {
			t.Fatalf("%d events: %d left after drain", n, b.len())
		}
	}
}

// TestHeapOrderOfTrace checks heapOrder against pushing a side's packets
// onto the heap and popping them all: traces in time order and out of it,
// with tied packets that are equal and tied packets that differ in their
// reporting delay.
func TestHeapOrderOfTrace(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 400 {
		n := rng.IntN(80)
		es := make([]simEvent, n)
		at := time.Duration(0)
		for j := range es {
			switch i % 4 {
			case 0, 1: // in time order, with ties
				at += time.Duration(rng.IntN(3))
			default: // any order
				at = time.Duration(rng.IntN(20))
			}
			es[j] = simEvent{time: at, event: maybenot.NormalSent, flags: fClient}
			if i%2 == 1 {
				es[j].delay = time.Duration(rng.IntN(2)) // ties may differ
			}
		}
		var h eventHeap
		for _, e := range es {
			h.push(e)
		}
		var want []simEvent
		for h.len() > 0 {
			want = append(want, h.pop())
		}
		if got := heapOrder(slices.Clone(es)); !slices.Equal(got, want) {
			t.Fatalf("case %d, %v: heapOrder gave %v, the heap %v", i, es, got, want)
		}
	}
}
