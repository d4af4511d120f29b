package defense

import (
	"sync"
	"time"
)

// A Clock tells the time and runs functions later. A Defense takes all its
// time from its Clock: the real one by default, or a VirtualClock for tests
// and simulation.
type Clock interface {
	// Now returns the current time. It must never go backwards.
	Now() time.Time
	// AfterFunc arranges for f to be called, on a goroutine of the
	// clock's choosing, once the clock has advanced by d from now (d <= 0:
	// as soon as possible), and returns a Timer that can stop or re-arm
	// the call. f must not run before Now has advanced by at least d.
	AfterFunc(d time.Duration, f func()) Timer
}

// A Timer is a pending call made by Clock.AfterFunc. *time.Timer is one.
type Timer interface {
	// Stop prevents the call if it has not started yet, and reports
	// whether it did so. It does not wait for a call that already started.
	Stop() bool
	// Reset re-arms the timer to call its function once the clock has
	// advanced by d from now, whether or not it was armed or had fired,
	// and reports whether it was armed.
	Reset(d time.Duration) bool
}

// VirtualClock is a Clock whose time moves only when told to, for
// deterministic tests and simulation. NewVirtualClock sets its start; the
// zero value starts at the zero time.Time. It keeps time to the nanosecond
// within about 292 years of its start (the range of a time.Duration);
// beyond, time stands still at the end of that range.
//
// Timers fire inside Advance and AdvanceTo, on the goroutine that called
// them, in order of their deadlines; timers with equal deadlines fire in
// the order they were armed (by AfterFunc or Reset). While a timer's
// function runs, Now returns that timer's deadline, and a timer it arms that
// falls due by the target time fires in the same call. So a program
// that drives a VirtualClock from one goroutine is fully deterministic and
// never sleeps.
//
// A VirtualClock is safe for concurrent use, but timers fire in a defined
// order only when one goroutine advances the clock.
type VirtualClock struct {
	mu     sync.Mutex
	start  time.Time
	now    int64 // nanoseconds since start
	timers schedule[*virtualTimer]
}

// NewVirtualClock returns a VirtualClock whose time is start.
func NewVirtualClock(start time.Time) *VirtualClock {
	return &VirtualClock{start: start}
}

// Now returns the clock's current time.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	now := c.now
	c.mu.Unlock()
	return c.start.Add(time.Duration(now))
}

// elapsed returns the time since the clock's start, in nanoseconds.
func (c *VirtualClock) elapsed() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc arms a timer that calls f when the clock reaches Now()+d.
// With d <= 0 it is due at once and fires at the next Advance or AdvanceTo.
func (c *VirtualClock) AfterFunc(d time.Duration, f func()) Timer {
	t := &virtualTimer{c: c, f: f}
	t.Reset(d)
	return t
}

// Advance moves the clock forward by d, firing every timer that falls due
// on the way, as AdvanceTo does.
func (c *VirtualClock) Advance(d time.Duration) {
	c.mu.Lock()
	to := later(c.now, d)
	c.mu.Unlock()
	c.advanceTo(to)
}

// AdvanceTo moves the clock forward to t, firing in order every timer due at
// or before t, including timers armed by the functions it calls. Before
// each call the clock is set to the timer's deadline (or left as it is if
// the deadline has passed); at the end it is t. If t is not after Now, the
// clock stays where it is and only the timers due at or before t fire.
//
// The timer functions run on the calling goroutine without any lock of the
// clock held, so they may use the clock; do not call AdvanceTo while holding
// a lock those functions take.
func (c *VirtualClock) AdvanceTo(t time.Time) {
	c.advanceTo(int64(t.Sub(c.start)))
}

func (c *VirtualClock) advanceTo(t int64) {
	for {
		c.mu.Lock()
		tm, ok := c.timers.first()
		if !ok || tm.when > t {
			c.now = max(c.now, t)
			c.mu.Unlock()
			return
		}
		c.timers.pop()
		c.now = max(c.now, tm.when)
		c.mu.Unlock()
		tm.f()
	}
}

// Next returns the deadline of the earliest armed timer, and false if no
// timer is armed. A simulator can use it to advance straight to the next
// thing that happens.
func (c *VirtualClock) Next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tm, ok := c.timers.first(); ok {
		return c.start.Add(time.Duration(tm.when)), true
	}
	return time.Time{}, false
}

// virtualTimer is a timer of a VirtualClock.
type virtualTimer struct {
	slot
	c *VirtualClock
	f func()
}

func (t *virtualTimer) sched() *slot { return &t.slot }

func (t *virtualTimer) Stop() bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.timers.remove(t)
}

func (t *virtualTimer) Reset(d time.Duration) bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	armed := t.pos > 0
	c.timers.set(t, later(c.now, d))
	return armed
}
