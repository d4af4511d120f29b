package defense

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
)

// TestSlowCallbackMerges runs a Defense whose first callback is slow: it
// advances the virtual clock itself, so the timers that fall due meanwhile
// queue their callbacks behind it, and those are merged as the package
// documentation says.
func TestSlowCallbackMerges(t *testing.T) {
	// Machine 0 pads every 1ms. Machine 1 blocks, bypassably, 1.5ms after
	// the first normal packet and after each end of blocking, for 1ms.
	// Machine 0's padding may bypass.
	m0 := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(ms, true, false), on(maybenot.PaddingSent, 1)),
	)
	m1 := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(blocking(1500*time.Microsecond, ms, true, false), on(maybenot.BlockingEnd, 1)),
	)
	var h *harness
	slow := true
	h = newHarness(t, Config{Machines: []maybenot.Machine{m0, m1}})
	inner := h.d.sendPadding
	h.d.sendPadding = func(p Padding) {
		inner(p)
		if slow {
			slow = false
			h.clock.Advance(5 * ms) // from 1ms to 6ms, inside the callback
		}
	}
	h.d.observe = nil
	h.d.NormalQueued()
	h.at(6 * ms)
	// Between 1ms and 6ms: blocked at 1.5ms, padding at 2ms (bypass),
	// unblocked at 2.5ms, padding at 3ms; blocked at 4ms cancels the
	// unblocking, so the padding at 3ms merges into the one at 2ms and
	// loses its bypass; padding at 4ms (bypass) merges too; unblocked at
	// 5ms; paddings at 5ms and 6ms merge.
	h.check(
		"1ms pad(0)",
		"1ms write padding",
		"6ms blocked",
		"6ms pad(0 bypass)",
		"6ms write padding",
		"6ms unblocked",
		"6ms pad(0)",
		"6ms write padding",
	)
	// Then the integrator keeps up again: nothing is merged.
	h.at(8 * ms)
	h.check(
		"6.5ms blocked",
		"7ms pad(0 bypass)",
		"7ms write padding",
		"7.5ms unblocked",
		"8ms pad(0)",
		"8ms write padding",
	)
}

// TestStuckCallbackMemory: a callback stuck for 2s on the real clock while
// a machine pads without pause and packets keep arriving. The callbacks
// waiting are merged, so memory stays put; when the callback returns, the
// Defense goes on.
func TestStuckCallbackMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 2s")
	}
	const (
		stuck         = 2 * time.Second
		maxHeapGrowth = 32 << 20 // bytes
	)
	pad := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(0, false, false), on(maybenot.PaddingSent, 1), on(maybenot.TunnelRecv, 1)),
	)
	release := make(chan struct{})
	var calls atomic.Int64
	d, err := New(Config{
		Machines: []maybenot.Machine{pad},
		SendPadding: func(Padding) {
			if calls.Add(1) == 1 {
				<-release
			}
		},
		BlockingChanged: func(bool) {},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d.NormalQueued()
	for end := time.Now().Add(stuck); time.Now().Before(end); {
		time.Sleep(time.Millisecond)
		d.PacketReceived()
	}
	d.mu.Lock()
	queued := d.calls.len()
	d.mu.Unlock()
	runtime.GC()
	runtime.ReadMemStats(&after)
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("stuck for %v: %d callbacks queued, heap grew by %d bytes", stuck, queued, growth)
	if queued > 3*1+2 {
		t.Errorf("%d callbacks queued for one machine, want at most 5", queued)
	}
	if growth > maxHeapGrowth {
		t.Errorf("heap grew by %d bytes while a callback was stuck, want at most %d", growth, maxHeapGrowth)
	}
	close(release)
	// The cap on actions may have stopped the machine: packets restart it.
	n := calls.Load()
	eventually(t, "padding after the callback returned", func() bool {
		d.PacketReceived()
		return calls.Load() > n+10
	})
}

func TestPanicVirtualClock(t *testing.T) {
	// The first BlockingChanged panics. The panic reaches the caller of
	// Advance; the padding queued behind it comes at the next Advance, and
	// the Defense goes on as before.
	blocker := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(blocking(ms, 5*ms, false, false), on(maybenot.BlockingEnd, 0)),
	)
	padder := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(ms, false, false), on(maybenot.NormalSent, 1)),
	)
	h := newHarness(t, Config{Machines: []maybenot.Machine{blocker, padder}})
	h.d.observe = nil
	inner := h.d.blockingChanged
	panicked := false
	h.d.blockingChanged = func(b bool) {
		inner(b)
		if !panicked {
			panicked = true
			panic("integrator bug")
		}
	}
	advance := func(to time.Duration) (p any) {
		defer func() { p = recover() }()
		h.at(to)
		return nil
	}
	h.send()
	if p := advance(2 * ms); p != "integrator bug" {
		t.Fatalf("Advance recovered %v, want the callback's panic", p)
	}
	h.check("0s write normal", "1ms blocked")
	if blocked, _ := h.d.Blocked(); !blocked {
		t.Error("not blocked after the panic")
	}
	if p := advance(2 * ms); p != nil {
		t.Fatalf("second Advance: %v", p)
	}
	h.check("1ms pad(1)") // the callback that waited behind the panic
	h.send()
	if p := advance(20 * ms); p != nil {
		t.Fatalf("third Advance: %v", p)
	}
	h.check(
		"3ms pad(1)",
		"6ms unblocked",
		"6ms write padding",
		"6ms write normal",
		"6ms write padding",
	)
}

// recoveringClock is the real clock, save that a function it runs that
// panics is recovered, and the panic recorded.
type recoveringClock struct {
	mu     sync.Mutex
	panics []any
}

func (c *recoveringClock) Now() time.Time { return time.Now() }

func (c *recoveringClock) AfterFunc(d time.Duration, f func()) Timer {
	return time.AfterFunc(d, func() {
		defer func() {
			if p := recover(); p != nil {
				c.mu.Lock()
				c.panics = append(c.panics, p)
				c.mu.Unlock()
			}
		}()
		f()
	})
}

func (c *recoveringClock) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.panics)
}

func TestPanicRealClock(t *testing.T) {
	// SendPadding panics every other time; the Defense keeps padding.
	padder := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(ms, false, false), on(maybenot.PaddingSent, 1)),
	)
	clock := &recoveringClock{}
	var calls atomic.Int64
	d, err := New(Config{
		Machines: []maybenot.Machine{padder},
		Clock:    clock,
		SendPadding: func(Padding) {
			if calls.Add(1)%2 == 1 {
				panic("integrator bug")
			}
		},
		BlockingChanged: func(bool) {},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.NormalQueued()
	eventually(t, "ten paddings despite the panics", func() bool { return calls.Load() >= 10 })
	if n := clock.count(); n < 4 {
		t.Errorf("%d panics reached the clock, want at least 4", n)
	}
	if !d.idle() {
		eventually(t, "delivery to end", d.idle)
	}
}

func TestPanicInClose(t *testing.T) {
	// The last BlockingChanged(false), made by Close, panics: the caller
	// of Close sees the panic, and the Defense is closed.
	blocker := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(blocking(0, time.Hour, false, false)),
	)
	clock := NewVirtualClock(epoch)
	d, err := New(Config{
		Machines:    []maybenot.Machine{blocker},
		Clock:       clock,
		SendPadding: func(Padding) {},
		BlockingChanged: func(b bool) {
			if !b {
				panic("on unblocking")
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	d.NormalQueued()
	clock.Advance(0)
	func() {
		defer func() {
			if p := recover(); p != "on unblocking" {
				t.Errorf("Close panicked with %v, want the callback's panic", p)
			}
		}()
		d.Close()
	}()
	d.Close() // nothing more
	if !d.idle() {
		t.Error("still delivering after the panic")
	}
	if b, _ := d.Blocked(); b {
		t.Error("blocked after Close")
	}
}

func TestCloseFromCallback(t *testing.T) {
	// The blocking callback closes the Defense. The last call,
	// BlockingChanged(false), comes right after it returns, before the
	// padding queued behind it, which is dropped.
	blocker := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(blocking(ms, time.Hour, false, false)),
	)
	padder := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(ms, false, false)),
	)
	h := newHarness(t, Config{Machines: []maybenot.Machine{blocker, padder}})
	h.d.observe = nil
	inner := h.d.blockingChanged
	h.d.blockingChanged = func(b bool) {
		inner(b)
		if b {
			h.d.Close()
			h.logf("closed")
		}
	}
	h.send()
	h.send()
	h.at(time.Second)
	h.check(
		"0s write normal",
		"0s write normal",
		"1ms blocked",
		"1ms closed",
		"1ms unblocked",
	)
}

func TestCloseBeforeBlockingTold(t *testing.T) {
	// The padding callback closes the Defense while the news that traffic
	// is blocked waits behind it: the integrator never hears of the
	// blocking, and no callback follows.
	padder := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(ms, false, false)),
	)
	blocker := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(blocking(ms, time.Hour, false, false)),
	)
	h := newHarness(t, Config{Machines: []maybenot.Machine{padder, blocker}})
	h.d.observe = nil
	inner := h.d.sendPadding
	h.d.sendPadding = func(p Padding) {
		inner(p)
		h.d.Close()
	}
	h.send()
	h.at(time.Second)
	h.check(
		"0s write normal",
		"1ms pad(0)",
		"1ms write padding",
	)
}

func TestCloseReleasesHeld(t *testing.T) {
	// The integrator of the README, on the real clock, with a machine that
	// blocks for a day: the packets it holds go out at Close.
	day := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(blocking(0, 24*time.Hour, false, false)),
	)
	var (
		mu      sync.Mutex
		blocked bool
		held    []string
		written []string
		d       *Defense
	)
	write := func(p string) { written = append(written, p); d.PacketSent() }
	d, err := New(Config{
		Machines: []maybenot.Machine{day},
		SendPadding: func(p Padding) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case p.Replace && len(held) > 0:
				if p.Bypass {
					write(held[0])
					held = held[1:]
				}
			case p.Bypass || !blocked:
				write("pad")
			default:
				held = append(held, "pad")
			}
		},
		BlockingChanged: func(b bool) {
			mu.Lock()
			defer mu.Unlock()
			if blocked = b; !b {
				for _, p := range held {
					write(p)
				}
				held = nil
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	send := func(p string) {
		d.NormalQueued()
		mu.Lock()
		defer mu.Unlock()
		if blocked {
			held = append(held, p)
		} else {
			write(p)
		}
	}
	send("n0")
	eventually(t, "blocking", func() bool { mu.Lock(); defer mu.Unlock(); return blocked })
	for i := 1; i <= 5; i++ {
		send(fmt.Sprintf("n%d", i))
	}
	d.Close()
	mu.Lock()
	defer mu.Unlock()
	if blocked || len(held) > 0 {
		t.Errorf("after Close: blocked %v, %d packets held", blocked, len(held))
	}
	if got := strings.Join(written, " "); got != "n0 n1 n2 n3 n4 n5" {
		t.Errorf("written %q, want every packet", got)
	}
}

// inlineClock is a VirtualClock whose timers, re-armed with no delay, run
// their function at once inside Reset, on the caller's goroutine: a clock
// the Clock interface allows.
type inlineClock struct{ *VirtualClock }

type inlineTimer struct {
	Timer
	f func()
}

func (c inlineClock) AfterFunc(d time.Duration, f func()) Timer {
	return &inlineTimer{c.VirtualClock.AfterFunc(d, f), f}
}

func (t *inlineTimer) Reset(d time.Duration) bool {
	if d <= 0 {
		armed := t.Timer.Stop()
		t.f()
		return armed
	}
	return t.Timer.Reset(d)
}

func TestInlineClock(t *testing.T) {
	// The padding, due at once, is made inside NormalQueued, through the
	// clock; nothing deadlocks.
	pad := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(0, false, false), on(maybenot.NormalSent, 1)),
	)
	later := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(ms, false, true)),
	)
	clock := inlineClock{NewVirtualClock(epoch)}
	var got []string
	d, err := New(Config{
		Machines:        []maybenot.Machine{pad, later},
		Clock:           clock,
		SendPadding:     func(p Padding) { got = append(got, fmt.Sprintf("%v %s", clock.Now().Sub(epoch), padString(p))) },
		BlockingChanged: func(bool) {},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.NormalQueued()
		if len(got) != 1 {
			t.Errorf("paddings inside NormalQueued: %v, want one", got)
		}
		clock.Advance(time.Second)
	}()
	select {
	case <-done:
	case <-time.After(patience):
		t.Fatal("deadlock with a clock that runs functions inside Reset")
	}
	if want := "0s pad(0); 1ms pad(1 replace)"; strings.Join(got, "; ") != want {
		t.Errorf("paddings %q, want %q", strings.Join(got, "; "), want)
	}
}

func TestStuckCallbackIsolated(t *testing.T) {
	// On real time, Defenses share the goroutines that handle firings; a
	// callback of one that is stuck holds up none of the others.
	padder := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(ms, false, false), on(maybenot.PaddingSent, 1)),
	)
	release := make(chan struct{})
	defer close(release)
	var stuck []*Defense
	for range 4 * maxFirersPerCPU * runtime.GOMAXPROCS(0) {
		d, err := New(Config{
			Machines:        []maybenot.Machine{padder},
			SendPadding:     func(Padding) { <-release },
			BlockingChanged: func(bool) {},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		d.NormalQueued()
		stuck = append(stuck, d)
	}
	var pads atomic.Int64
	d, err := New(Config{
		Machines:        []maybenot.Machine{padder},
		SendPadding:     func(Padding) { pads.Add(1) },
		BlockingChanged: func(bool) {},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, s := range stuck {
		eventually(t, "the stuck callbacks to begin", func() bool { return !s.idle() })
	}
	d.NormalQueued()
	eventually(t, "paddings of a Defense beside stuck ones", func() bool { return pads.Load() >= 20 })
}
