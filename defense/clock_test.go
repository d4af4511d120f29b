package defense

import (
	"slices"
	"testing"
	"time"
)

var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// firing records the virtual time at which named timers fire.
type firing struct {
	c   *VirtualClock
	got []string
}

func (fr *firing) fn(name string) func() {
	return func() {
		fr.got = append(fr.got, fr.c.Now().Sub(epoch).String()+" "+name)
	}
}

func (fr *firing) check(t *testing.T, want ...string) {
	t.Helper()
	if !slices.Equal(fr.got, want) {
		t.Errorf("fired:\n got %q\nwant %q", fr.got, want)
	}
	fr.got = nil
}

func TestVirtualClockOrder(t *testing.T) {
	c := NewVirtualClock(epoch)
	fr := &firing{c: c}
	c.AfterFunc(30*time.Millisecond, fr.fn("c"))
	c.AfterFunc(10*time.Millisecond, fr.fn("a"))
	c.AfterFunc(20*time.Millisecond, fr.fn("b1"))
	c.AfterFunc(20*time.Millisecond, fr.fn("b2")) // same deadline: armed later, fires later
	c.AfterFunc(0, fr.fn("now"))

	c.Advance(0)
	fr.check(t, "0s now")
	c.Advance(20 * time.Millisecond)
	fr.check(t, "10ms a", "20ms b1", "20ms b2")
	if got := c.Now().Sub(epoch); got != 20*time.Millisecond {
		t.Errorf("Now after Advance = %v, want 20ms", got)
	}
	c.Advance(time.Second)
	fr.check(t, "30ms c")
	if got := c.Now().Sub(epoch); got != 1020*time.Millisecond {
		t.Errorf("Now after Advance = %v, want 1.02s", got)
	}
	if _, ok := c.Next(); ok {
		t.Error("Next reports a timer after all fired")
	}
}

func TestVirtualClockStopReset(t *testing.T) {
	c := NewVirtualClock(epoch)
	fr := &firing{c: c}
	a := c.AfterFunc(10*time.Millisecond, fr.fn("a"))
	b := c.AfterFunc(10*time.Millisecond, fr.fn("b"))
	x := c.AfterFunc(5*time.Millisecond, fr.fn("x"))

	if !x.Stop() {
		t.Error("Stop of an armed timer = false")
	}
	if x.Stop() {
		t.Error("second Stop = true")
	}
	// Re-arming a to the same deadline puts it behind b.
	if !a.Reset(10 * time.Millisecond) {
		t.Error("Reset of an armed timer = false")
	}
	if next, ok := c.Next(); !ok || !next.Equal(epoch.Add(10*time.Millisecond)) {
		t.Errorf("Next = %v, %v; want 10ms, true", next, ok)
	}
	c.Advance(10 * time.Millisecond)
	fr.check(t, "10ms b", "10ms a")
	if b.Stop() {
		t.Error("Stop of a fired timer = true")
	}

	if a.Reset(5 * time.Millisecond) {
		t.Error("Reset of a fired timer = true")
	}
	if a.Stop() != true {
		t.Error("Stop after Reset = false")
	}
	x.Reset(1 * time.Millisecond)
	c.Advance(time.Second)
	fr.check(t, "11ms x")
}

func TestVirtualClockChained(t *testing.T) {
	// Timers armed by timer functions fire in the same AdvanceTo when due
	// before its target, each at its own deadline.
	c := NewVirtualClock(epoch)
	fr := &firing{c: c}
	var tick func()
	n := 0
	tick = func() {
		fr.fn("tick")()
		if n++; n < 5 {
			c.AfterFunc(10*time.Millisecond, tick)
		}
	}
	c.AfterFunc(10*time.Millisecond, tick)
	c.AfterFunc(35*time.Millisecond, fr.fn("other"))
	c.AdvanceTo(epoch.Add(40 * time.Millisecond))
	fr.check(t, "10ms tick", "20ms tick", "30ms tick", "35ms other", "40ms tick")
	c.AdvanceTo(epoch) // the past: nothing moves
	if got := c.Now().Sub(epoch); got != 40*time.Millisecond {
		t.Errorf("Now = %v after AdvanceTo into the past, want 40ms", got)
	}
	fr.check(t)
	c.Advance(10 * time.Millisecond)
	fr.check(t, "50ms tick")
}

func TestVirtualClockZeroValue(t *testing.T) {
	var c VirtualClock
	fired := time.Time{}
	c.AfterFunc(time.Second, func() { fired = c.Now() })
	c.Advance(2 * time.Second)
	if want := (time.Time{}).Add(time.Second); !fired.Equal(want) {
		t.Errorf("timer fired at %v, want %v", fired, want)
	}
	if want := (time.Time{}).Add(2 * time.Second); !c.Now().Equal(want) {
		t.Errorf("Now() = %v, want %v", c.Now(), want)
	}
}
