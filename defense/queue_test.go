package defense

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// queueOp is one step of a callQueue scenario: "pN" queues a padding of
// machine N, with "r" (replace) and "b" (bypass) after it as flags; "T" and
// "F" queue BlockingChanged(true) and (false).
func applyQueueOps(q *callQueue, ops string) {
	for op := range strings.FieldsSeq(ops) {
		switch op[0] {
		case 'T', 'F':
			q.blocking(op[0] == 'T')
		case 'p':
			q.padding(int(op[1]-'0'), strings.Contains(op[2:], "r"), strings.Contains(op[2:], "b"))
		}
	}
}

// drainQueue pops every callback, in the notation of applyQueueOps.
func drainQueue(q *callQueue) string {
	var out []string
	for q.len() > 0 {
		c := q.pop()
		switch {
		case !c.padding && c.blocked:
			out = append(out, "T")
		case !c.padding:
			out = append(out, "F")
		default:
			s := fmt.Sprintf("p%d", c.machine)
			if c.replace {
				s += "r"
			}
			if c.bypass {
				s += "b"
			}
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

func TestCallQueue(t *testing.T) {
	for _, tt := range []struct {
		name, ops, want string
	}{
		{"order kept", "p0 p1 T p2b F p0", "p0 p1 T p2b F p0"},
		{"padding of a machine merges, with the later flags", "p0 p1 p0r", "p0r p1"},
		{"not across a change of blocking", "p0 T p0b p0", "p0 T p0"},
		{"two changes wait", "T p0b F p0 p0r", "T p0b F p0r"},
		{"a third change cancels the second", "p0 T p1b F p1 p2 T", "p0 T p1 p2"},
		{"a cancelled blocking takes the bypass away", "F p1 T p1b p2b F", "F p1 p2"},
		{"cancel, then a change again", "T p0b F p1 T p0b F", "T p0b p1 F"},
		{"changes only", "T F T F T F T", "T"},
		{"changes only, even", "T F T F T F", "T F"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var q callQueue
			q.init(3)
			applyQueueOps(&q, tt.ops)
			if got := drainQueue(&q); got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.ops, got, tt.want)
			}
		})
	}
}

func TestCallQueuePopWhileQueuing(t *testing.T) {
	// A padding already popped (being made) does not take later ones.
	var q callQueue
	q.init(2)
	applyQueueOps(&q, "p0 p1")
	if c := q.pop(); !c.padding || c.machine != 0 {
		t.Fatalf("popped %+v, want machine 0's padding", c)
	}
	applyQueueOps(&q, "p0r p1r T p0 F p1")
	if got, want := drainQueue(&q), "p1r p0r T p0 F p1"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// Emptied, the queue starts over.
	applyQueueOps(&q, "T p1b")
	if got, want := drainQueue(&q), "T p1b"; got != want {
		t.Errorf("after emptying: got %q, want %q", got, want)
	}
}

// TestCallQueueBound queues and pops at random as a Defense would and checks
// that the queue never holds more than 3n+2 callbacks, never grows its
// room, keeps changes of blocking alternating, and hands out Bypass only
// while the integrator was told that traffic is blocked.
func TestCallQueueBound(t *testing.T) {
	for _, n := range []int{0, 1, 4, 9} {
		var q callQueue
		q.init(n)
		room := len(q.ring)
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		blocked, told := false, false // the Defense's state; the integrator's
		most := 0
		for range 100_000 {
			switch r := rng.IntN(10); {
			case r < 5 && n > 0:
				q.padding(rng.IntN(n), rng.IntN(2) == 0, blocked && rng.IntN(2) == 0)
			case r < 7:
				blocked = !blocked
				q.blocking(blocked)
			default:
				for k := rng.IntN(3); k > 0 && q.len() > 0; k-- {
					c := q.pop()
					if !c.padding {
						if c.blocked == told {
							t.Fatalf("n=%d: BlockingChanged(%v) twice in a row", n, c.blocked)
						}
						told = c.blocked
					} else if c.bypass && !told {
						t.Fatalf("n=%d: a padding with Bypass while the integrator is not blocked", n)
					}
				}
			}
			most = max(most, q.len())
			if q.len() > 3*n+2 {
				t.Fatalf("n=%d: %d callbacks queued, more than 3n+2", n, q.len())
			}
		}
		if len(q.ring) != room {
			t.Errorf("n=%d: the queue's room grew from %d to %d", n, room, len(q.ring))
		}
		// Once drained, the integrator holds the Defense's state.
		for q.len() > 0 {
			if c := q.pop(); !c.padding {
				told = c.blocked
			}
		}
		if told != blocked {
			t.Errorf("n=%d: after draining the integrator was told %v, the Defense is %v", n, told, blocked)
		}
		t.Logf("n=%d: at most %d of %d callbacks queued", n, most, 3*n+2)
	}
}

func TestCallQueueSizes(t *testing.T) {
	for _, n := range []int{0, 1, 2, 10, 100} {
		var q callQueue
		q.init(n)
		if len(q.ring) < 3*n+2 || len(q.ring)&(len(q.ring)-1) != 0 {
			t.Errorf("n=%d: room for %d callbacks, want a power of two >= %d", n, len(q.ring), 3*n+2)
		}
		if !slices.Equal(q.last, make([]int32, n)) || len(q.prev) != n {
			t.Errorf("n=%d: per-machine positions %d, %d", n, len(q.last), len(q.prev))
		}
	}
}
