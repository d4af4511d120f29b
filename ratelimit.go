package maybenot

import (
	"time"

	"github.com/maybenot-go/maybenot/internal/ratewindow"
)

// RateLimitedFramework wraps a Framework and caps how many actions per
// second it hands out, guarding an integrator against machines (or
// event floods) that would otherwise demand too much work.
//
// The rate is estimated with a sliding window of one second: the actions of
// the previous window count in proportion to how much of it still overlaps
// the last second, as if they had been spread evenly, plus the actions of
// the current window. When that estimate reaches the maximum, a call's
// actions are all dropped. Events are always processed, so the machines
// keep their state; only the returned actions are withheld.
//
// Like a Framework, a RateLimitedFramework is not safe for concurrent use.
// It calls the Framework it wraps, so while it is in use that Framework must
// not be called from another goroutine either.
type RateLimitedFramework struct {
	f       *Framework
	prev    float64   // actions returned in the previous window
	current float64   // actions returned in the current window
	tick    time.Time // start of the current window
}

// NewRateLimitedFramework wraps f, which must not be nil. The first window
// starts at f's current time: its creation time, or the time of its last
// TriggerEvents call.
func NewRateLimitedFramework(f *Framework) *RateLimitedFramework {
	return &RateLimitedFramework{f: f, tick: f.now}
}

// Framework returns the wrapped framework.
func (r *RateLimitedFramework) Framework() *Framework { return r.f }

// TriggerEvents passes events and now to the wrapped framework's
// TriggerEvents and returns its actions, unless the estimated rate of
// actions over the last second has reached maxActionsPerSecond: then it
// returns none.
//
// In detail: with delta the time since the current window began, if delta
// is under a second the rate is prev*(1s-delta)/1s + current, and the
// actions are dropped if it is >= maxActionsPerSecond. Otherwise a new
// window begins now (prev becomes current if delta is under two seconds,
// else 0; current becomes 0) and the actions are returned. Either way the
// number of actions returned is added to current.
//
// The returned slice belongs to the framework and is valid until the next
// call.
func (r *RateLimitedFramework) TriggerEvents(events []TriggerEvent,
	maxActionsPerSecond float64, now time.Time) []TriggerAction {
	actions := r.f.TriggerEvents(events, now)
	n, restart := ratewindow.Admit(&r.prev, &r.current, len(actions), since(now, r.tick), maxActionsPerSecond)
	if restart {
		r.tick = now
	}
	return actions[:n]
}
