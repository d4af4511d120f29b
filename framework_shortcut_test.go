package maybenot

import "testing"

// The tests in this file cover the shortcut TriggerEvents takes for a lone
// event that changes nothing: it must behave as the whole call would.

func TestShortcutDeliversPendingSignal(t *testing.T) {
	// Machine 0 signals on NormalSent and on every Signal; machine 1
	// answers every Signal with one, so that a signal stays pending after
	// each call; machine 2 observes. No machine has transitions for
	// TunnelSent: a call with it alone still delivers the pending signal.
	m0 := newTestMachine(t, 0, 0, 0, 0,
		newState(nil, edge{NormalSent, StateSignal}, edge{Signal, StateSignal}))
	m1 := newTestMachine(t, 0, 0, 0, 0,
		newState(nil, edge{Signal, StateSignal}))
	f := newTestFramework(t, []Machine{m0, m1, signalObserver(t)}, 0, 0)
	if f.quiet&eventBit(TunnelSent) == 0 {
		t.Fatal("TunnelSent does not take the shortcut: the test exercises nothing")
	}
	step(t, f, at(0), evs(normalSent), padding(2, 1*us))
	if f.quiet != 0 {
		t.Fatalf("shortcut open (%b) with a signal pending", f.quiet)
	}
	step(t, f, at(1), evs(tunnelSent), padding(2, 2*us))
}

func TestShortcutClearsActionsAndSetsTime(t *testing.T) {
	// A lone ignored event returns no actions, the last call's included,
	// and is the framework's time from then on.
	m := newTestMachine(t, 10, 0, 0, 0,
		newState(nil, edge{NormalRecv, 1}),
		newState(padAfter(3), edge{NormalRecv, 1}))
	f := newTestFramework(t, []Machine{m}, 0, 0)
	step(t, f, at(1), evs(normalRecv), padding(0, 3*us))
	for _, e := range []TriggerEvent{tunnelRecv, {Event: Signal}, {Event: LimitReached}, {Event: 200}} {
		if f.quiet>>(e.Event%16)&1 == 0 {
			t.Fatalf("%v does not take the shortcut", e)
		}
		step(t, f, at(2), evs(e))
	}
	if !f.now.Equal(at(2)) {
		t.Fatalf("framework time +%v, want +2µs", f.now.Sub(base))
	}
	r := NewRateLimitedFramework(f)
	if !r.tick.Equal(at(2)) {
		t.Fatalf("rate limiter's window starts at +%v, want +2µs", r.tick.Sub(base))
	}
	step(t, f, at(3), evs(normalRecv), padding(0, 3*us))
}

func TestShortcutLeavesCountersToTheLongWay(t *testing.T) {
	// NormalSent and PaddingSent are counted even when no state has
	// transitions for them, so they never take the shortcut.
	m := newTestMachine(t, 0, 0.5, 0, 0,
		newState(padAfter(1), edge{NormalRecv, 0}))
	f := newTestFramework(t, []Machine{m}, 0, 0)
	if f.quiet&(eventBit(NormalSent)|eventBit(PaddingSent)) != 0 {
		t.Fatalf("shortcut events %b include NormalSent or PaddingSent", f.quiet)
	}
	for i := range int64(4) {
		f.TriggerEvents(evs(normalSent), at(i))
		f.TriggerEvents(evs(paddingSent(0)), at(i))
	}
	if f.normalSent != 4 || f.paddingSent != 4 || f.runtime[0].paddingSent != 4 {
		t.Fatalf("counted %d normal and %d (%d) padding packets, want 4 and 4",
			f.normalSent, f.paddingSent, f.runtime[0].paddingSent)
	}
}
