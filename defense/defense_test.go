package defense

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
)

const ms = time.Millisecond

func TestReportedEvents(t *testing.T) {
	h := newHarness(t, Config{Machines: []maybenot.Machine{machine(t, state(nil))}})
	h.d.NormalQueued()
	h.d.PacketSent()
	h.at(1 * ms)
	h.d.PacketReceived()
	h.d.NormalReceived()
	h.d.PacketReceived()
	h.d.PaddingReceived()
	h.check(
		"0s NormalSent",
		"0s TunnelSent",
		"1ms TunnelRecv",
		"1ms NormalRecv",
		"1ms TunnelRecv",
		"1ms PaddingRecv",
	)
}

func TestPaddingReplacedBeforeExpiry(t *testing.T) {
	// Every normal packet (re)schedules padding 10ms later.
	m := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(10*ms, false, false), on(maybenot.NormalSent, 1)),
	)
	h := newHarness(t, Config{Machines: []maybenot.Machine{m}})
	h.send()
	h.at(5 * ms)
	h.send()
	h.at(15*ms - time.Microsecond) // the first deadline, 10ms, has passed
	h.check(
		"0s NormalSent -> SendPadding(machine 0, timeout 10ms)",
		"0s write normal",
		"0s TunnelSent",
		"5ms NormalSent -> SendPadding(machine 0, timeout 10ms)",
		"5ms write normal",
		"5ms TunnelSent",
	)
	h.at(time.Second)
	h.check(
		"15ms PaddingSent(0)",
		"15ms pad(0)",
		"15ms write padding",
		"15ms TunnelSent",
	)
}

func TestCancel(t *testing.T) {
	// The internal timer is set for 20ms, then padding for 10ms, then a
	// received packet cancels one or both.
	for _, tt := range []struct {
		timer maybenot.Timer
		want  []string
	}{
		{maybenot.TimerAction, []string{"20ms TimerEnd(0)"}},
		{maybenot.TimerInternal, []string{
			"10ms PaddingSent(0)",
			"10ms pad(0)",
			"10ms write padding",
			"10ms TunnelSent",
		}},
		{maybenot.TimerAll, nil},
	} {
		t.Run(tt.timer.String(), func(t *testing.T) {
			m := machine(t,
				state(nil, on(maybenot.NormalSent, 1)),
				state(updateTimer(20*ms, false), on(maybenot.TimerBegin, 2)),
				state(padding(10*ms, false, false), on(maybenot.NormalRecv, 3)),
				state(maybenot.Cancel{Timer: tt.timer}),
			)
			h := newHarness(t, Config{Machines: []maybenot.Machine{m}})
			h.d.NormalQueued()
			h.at(1 * ms)
			h.d.NormalReceived()
			h.check(
				"0s NormalSent -> UpdateTimer(machine 0, duration 20ms)",
				"0s TimerBegin(0) -> SendPadding(machine 0, timeout 10ms)",
				"1ms NormalRecv -> Cancel(machine 0, timer "+tt.timer.String()+")",
			)
			h.at(time.Second)
			h.check(tt.want...)
		})
	}
}

func TestUpdateTimer(t *testing.T) {
	// The timer is set for 30ms at 0; at 5ms a second UpdateTimer asks for
	// a new duration.
	for _, tt := range []struct {
		name     string
		duration time.Duration
		replace  bool
		begins   bool // the second UpdateTimer sets the timer
		end      string
	}{
		{"keep longer remaining", 10 * ms, false, false, "30ms"},
		{"replace with shorter", 10 * ms, true, true, "15ms"},
		{"keep longer new", 50 * ms, false, true, "55ms"},
		{"replace with longer", 50 * ms, true, true, "55ms"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := machine(t,
				state(nil, on(maybenot.NormalSent, 1)),
				state(updateTimer(30*ms, false), on(maybenot.NormalRecv, 2)),
				state(updateTimer(tt.duration, tt.replace)),
			)
			h := newHarness(t, Config{Machines: []maybenot.Machine{m}})
			h.d.NormalQueued()
			h.at(5 * ms)
			h.d.NormalReceived()
			second := "5ms NormalRecv -> UpdateTimer(machine 0, duration " + tt.duration.String()
			if tt.replace {
				second += ", replace"
			}
			h.at(time.Second)
			want := []string{
				"0s NormalSent -> UpdateTimer(machine 0, duration 30ms)",
				"0s TimerBegin(0)",
				second + ")",
			}
			if tt.begins { // only a timer that was set begins
				want = append(want, "5ms TimerBegin(0)")
			}
			h.check(append(want, tt.end+" TimerEnd(0)")...)
		})
	}
}

func TestTimerBeginOrder(t *testing.T) {
	// Both machines set their timers on the same event; the TimerBegin
	// events follow in the next call, together, in machine order.
	m0 := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(updateTimer(20*ms, false), on(maybenot.TimerBegin, 2)),
		state(padding(5*ms, false, false)),
	)
	m1 := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(updateTimer(ms, false)),
	)
	h := newHarness(t, Config{Machines: []maybenot.Machine{m0, m1}})
	h.d.NormalQueued()
	h.check(
		"0s NormalSent -> UpdateTimer(machine 0, duration 20ms); UpdateTimer(machine 1, duration 1ms)",
		"0s TimerBegin(0), TimerBegin(1) -> SendPadding(machine 0, timeout 5ms)",
	)
	h.at(time.Second)
	h.check(
		"1ms TimerEnd(1)",
		"5ms PaddingSent(0)",
		"5ms pad(0)",
		"5ms write padding",
		"5ms TunnelSent",
		"20ms TimerEnd(0)",
	)
}

func TestBlocking(t *testing.T) {
	// Machine 0 blocks at once for 100ms, bypassable. Machine 1 fires a
	// BlockOutgoing at 20ms, not bypassable.
	for _, tt := range []struct {
		name       string
		duration   time.Duration
		replace    bool
		bypassable bool   // after machine 1's action
		end        string // when blocking ends
	}{
		{"shorter kept", 50 * ms, false, true, "100ms"},
		{"equal kept", 80 * ms, false, true, "100ms"},
		{"extended", 150 * ms, false, false, "170ms"},
		{"replaced shorter", 50 * ms, true, false, "70ms"},
		{"replaced longer", 150 * ms, true, false, "170ms"},
		{"replaced with zero", 0, true, false, "20ms"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m0 := machine(t,
				state(nil, on(maybenot.NormalSent, 1)),
				state(blocking(0, 100*ms, true, false)),
			)
			m1 := machine(t,
				state(nil, on(maybenot.NormalSent, 1)),
				state(blocking(20*ms, tt.duration, false, tt.replace)),
			)
			h := newHarness(t, Config{Machines: []maybenot.Machine{m0, m1}})
			h.d.NormalQueued()
			if blocked, _ := h.d.Blocked(); blocked {
				t.Error("blocked before the action timer fired")
			}
			h.at(0)
			if blocked, bypassable := h.d.Blocked(); !blocked || !bypassable {
				t.Errorf("Blocked() = %v, %v at 0s; want true, true", blocked, bypassable)
			}
			h.at(20 * ms)
			if blocked, bypassable := h.d.Blocked(); tt.duration > 0 && (!blocked || bypassable != tt.bypassable) {
				t.Errorf("Blocked() = %v, %v at 20ms; want true, %v", blocked, bypassable, tt.bypassable)
			}
			second := "0s NormalSent -> BlockOutgoing(machine 0, timeout 0s, duration 100ms, bypass); " +
				"BlockOutgoing(machine 1, timeout 20ms, duration " + tt.duration.String()
			if tt.replace {
				second += ", replace"
			}
			h.at(time.Second)
			if blocked, bypassable := h.d.Blocked(); blocked || bypassable {
				t.Errorf("Blocked() = %v, %v at the end; want false, false", blocked, bypassable)
			}
			h.check(
				second+")",
				"0s BlockingBegin(0)",
				"0s blocked",
				"20ms BlockingBegin(1)", // in every case
				tt.end+" BlockingEnd",
				tt.end+" unblocked",
			)
		})
	}
}

func TestPaddingWhileBlocked(t *testing.T) {
	// Machine 0 blocks from 0 to 50ms. Machine 1 pads at 10ms. If a packet
	// is waiting, the integrator queued a normal packet at 5ms.
	for _, tt := range []struct {
		name                   string
		bypassable             bool
		bypass, replace        bool
		waiting                bool
		at10, at50             []string // after PaddingSent(1) and pad at 10ms; after unblocked at 50ms
		bypassFlag, replaceTag string
	}{
		{name: "non-bypassable/none", at50: []string{"write padding"}},
		{name: "non-bypassable/bypass", bypass: true, at50: []string{"write padding"}},
		{name: "non-bypassable/replace, empty queue", replace: true, at50: []string{"write padding"}},
		{name: "non-bypassable/replace, waiting", replace: true, waiting: true, at50: []string{"write normal"}},
		{name: "non-bypassable/bypass replace, empty queue", bypass: true, replace: true, at50: []string{"write padding"}},
		{name: "non-bypassable/bypass replace, waiting", bypass: true, replace: true, waiting: true, at50: []string{"write normal"}},
		{name: "non-bypassable/none, waiting", waiting: true, at50: []string{"write normal", "write padding"}},
		{name: "bypassable/none", bypassable: true, at50: []string{"write padding"}},
		{name: "bypassable/bypass", bypassable: true, bypass: true, at10: []string{"write padding"}},
		{name: "bypassable/bypass, waiting", bypassable: true, bypass: true, waiting: true,
			at10: []string{"write padding"}, at50: []string{"write normal"}},
		{name: "bypassable/replace, empty queue", bypassable: true, replace: true, at50: []string{"write padding"}},
		{name: "bypassable/replace, waiting", bypassable: true, replace: true, waiting: true, at50: []string{"write normal"}},
		{name: "bypassable/bypass replace, empty queue", bypassable: true, bypass: true, replace: true, at10: []string{"write padding"}},
		{name: "bypassable/bypass replace, waiting", bypassable: true, bypass: true, replace: true, waiting: true,
			at10: []string{"write normal"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m0 := machine(t,
				state(nil, on(maybenot.NormalSent, 1)),
				state(blocking(0, 50*ms, tt.bypassable, false)),
			)
			m1 := machine(t,
				state(nil, on(maybenot.NormalSent, 1)),
				state(padding(10*ms, tt.bypass, tt.replace)),
			)
			h := newHarness(t, Config{Machines: []maybenot.Machine{m0, m1}})
			h.d.NormalQueued()
			h.at(5 * ms)
			if tt.waiting {
				h.send()
			}
			h.at(time.Second)

			flags := func(bypass, replace bool) string {
				s := ""
				if bypass {
					s += ", bypass"
				}
				if replace {
					s += ", replace"
				}
				return s
			}
			pad := "pad(1"
			if tt.bypass && tt.bypassable {
				pad += " bypass"
			}
			if tt.replace {
				pad += " replace"
			}
			want := []string{
				"0s NormalSent -> BlockOutgoing(machine 0, timeout 0s, duration 50ms" + flags(tt.bypassable, false) +
					"); SendPadding(machine 1, timeout 10ms" + flags(tt.bypass, tt.replace) + ")",
				"0s BlockingBegin(0)",
				"0s blocked",
			}
			if tt.waiting {
				want = append(want, "5ms NormalSent")
			}
			want = append(want, "10ms PaddingSent(1)", "10ms "+pad+")")
			for _, w := range tt.at10 {
				want = append(want, "10ms "+w, "10ms TunnelSent")
			}
			want = append(want, "50ms BlockingEnd", "50ms unblocked")
			for _, w := range tt.at50 {
				want = append(want, "50ms "+w, "50ms TunnelSent")
			}
			h.check(want...)
		})
	}
}

func TestPaddingNotBlocked(t *testing.T) {
	// Outside blocking a bypass flag has nothing to bypass: Padding.Bypass
	// stays false.
	m := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(10*ms, true, true)),
	)
	h := newHarness(t, Config{Machines: []maybenot.Machine{m}})
	h.d.NormalQueued()
	h.at(time.Second)
	h.check(
		"0s NormalSent -> SendPadding(machine 0, timeout 10ms, bypass, replace)",
		"10ms PaddingSent(0)",
		"10ms pad(0 replace)",
		"10ms write padding",
		"10ms TunnelSent",
	)
}

func TestMachineEnds(t *testing.T) {
	// The machine schedules padding, then ends before it is due: ending
	// cancels nothing, so the padding still goes out and is reported.
	m := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(10*ms, false, false), on(maybenot.NormalRecv, maybenot.StateEnd)),
	)
	h := newHarness(t, Config{Machines: []maybenot.Machine{m}})
	h.d.NormalQueued()
	h.at(2 * ms)
	h.d.NormalReceived()
	if !h.d.fw.AllMachinesEnded() {
		t.Error("the machine has not ended")
	}
	h.at(20 * ms)
	h.d.NormalQueued()
	h.at(time.Second)
	h.check(
		"0s NormalSent -> SendPadding(machine 0, timeout 10ms)",
		"2ms NormalRecv",
		"10ms PaddingSent(0)",
		"10ms pad(0)",
		"10ms write padding",
		"10ms TunnelSent",
		"20ms NormalSent",
	)
}

func TestLimitedPadding(t *testing.T) {
	// Padding every 10ms, three times: the state's limit ends it.
	three := exactly(3 * time.Microsecond) // the limit is sampled as a count
	m := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(maybenot.SendPadding{Timeout: exactly(10 * ms), Limit: &three}, on(maybenot.PaddingSent, 1)),
	)
	h := newHarness(t, Config{Machines: []maybenot.Machine{m}})
	h.d.NormalQueued()
	h.at(time.Second)
	h.check(
		"0s NormalSent -> SendPadding(machine 0, timeout 10ms)",
		"10ms PaddingSent(0) -> SendPadding(machine 0, timeout 10ms)",
		"10ms pad(0)",
		"10ms write padding",
		"10ms TunnelSent",
		"20ms PaddingSent(0) -> SendPadding(machine 0, timeout 10ms)",
		"20ms pad(0)",
		"20ms write padding",
		"20ms TunnelSent",
		"30ms PaddingSent(0)",
		"30ms pad(0)",
		"30ms write padding",
		"30ms TunnelSent",
	)
}

func TestRateLimit(t *testing.T) {
	// Every normal packet asks for padding; at most 2 actions a second.
	m := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(time.Hour, false, false), on(maybenot.NormalSent, 1)),
	)
	h := newHarness(t, Config{Machines: []maybenot.Machine{m}, MaxActionsPerSecond: 2})
	for range 4 {
		h.d.NormalQueued()
	}
	h.at(time.Second)
	h.d.NormalQueued()
	h.check(
		"0s NormalSent -> SendPadding(machine 0, timeout 1h0m0s)",
		"0s NormalSent -> SendPadding(machine 0, timeout 1h0m0s)",
		"0s NormalSent",
		"0s NormalSent",
		"1s NormalSent -> SendPadding(machine 0, timeout 1h0m0s)",
	)
}

func TestCallbackReentry(t *testing.T) {
	// The callbacks call back into the Defense: report packets, ask
	// whether blocked, and finally close it from inside a callback.
	m0 := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(blocking(10*ms, 10*ms, false, false)),
	)
	m1 := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(5*ms, false, false), on(maybenot.PaddingSent, 1)),
	)
	clock := NewVirtualClock(epoch)
	var d *Defense
	var pads, blocks int
	var blockedSeen []bool
	d, err := New(Config{
		Machines: []maybenot.Machine{m0, m1},
		Clock:    clock,
		SendPadding: func(p Padding) {
			pads++
			d.NormalQueued()
			d.PacketSent()
			d.PacketSent()
			if pads == 4 {
				d.Close()
			}
		},
		BlockingChanged: func(blocked bool) {
			blocks++
			b, _ := d.Blocked()
			blockedSeen = append(blockedSeen, b)
			d.PacketReceived()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var events []maybenot.TriggerEvent
	d.observe = func(_ time.Time, e []maybenot.TriggerEvent, _ []maybenot.TriggerAction) {
		events = append(events, e...)
	}
	d.NormalQueued()
	clock.Advance(time.Second)
	if pads != 4 || blocks != 2 {
		t.Errorf("%d padding and %d blocking callbacks, want 4 and 2", pads, blocks)
	}
	if len(blockedSeen) != 2 || !blockedSeen[0] || blockedSeen[1] {
		t.Errorf("Blocked() inside the blocking callbacks gave %v, want [true false]", blockedSeen)
	}
	// Padding every 5ms; blocking from 10ms to 20ms. At 10ms and 20ms the
	// blocking timer is handled first, as it was set first, and both
	// timers are handled before the callbacks they cause. The padding at
	// 20ms closes the Defense.
	p := func(m int) maybenot.TriggerEvent {
		return maybenot.TriggerEvent{Event: maybenot.PaddingSent, Machine: maybenot.MachineID(m)}
	}
	ns := maybenot.TriggerEvent{Event: maybenot.NormalSent}
	ts := maybenot.TriggerEvent{Event: maybenot.TunnelSent}
	tr := maybenot.TriggerEvent{Event: maybenot.TunnelRecv}
	want := []maybenot.TriggerEvent{
		ns,
		p(1), ns, ts, ts,
		{Event: maybenot.BlockingBegin, Machine: 0}, p(1), tr, ns, ts, ts,
		p(1), ns, ts, ts,
		{Event: maybenot.BlockingEnd}, p(1), tr, ns, ts, ts,
	}
	if len(events) != len(want) {
		t.Fatalf("events %v, want %v", events, want)
	}
	for i := range want {
		if events[i] != want[i] {
			t.Fatalf("events %v, want %v", events, want)
		}
	}
	if _, ok := clock.Next(); ok {
		t.Error("a timer is still armed after Close")
	}
}

func TestClose(t *testing.T) {
	m := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(blocking(0, 20*ms, false, false), on(maybenot.BlockingBegin, 2)),
		state(padding(10*ms, false, false)),
	)
	h := newHarness(t, Config{Machines: []maybenot.Machine{m}})
	h.d.NormalQueued()
	h.at(5 * ms)
	h.send() // held back
	h.check(
		"0s NormalSent -> BlockOutgoing(machine 0, timeout 0s, duration 20ms)",
		"0s BlockingBegin(0) -> SendPadding(machine 0, timeout 10ms)",
		"0s blocked",
		"5ms NormalSent",
	)
	// Close tells the integrator that the blocking is over, before it
	// returns, so the held packet goes out; the machines hear no more.
	h.d.Close()
	h.check(
		"5ms unblocked",
		"5ms write normal",
	)
	h.d.Close()
	if blocked, bypassable := h.d.Blocked(); blocked || bypassable {
		t.Errorf("Blocked() = %v, %v after Close, want false, false", blocked, bypassable)
	}
	h.d.NormalQueued()
	h.d.PacketSent()
	h.d.PacketReceived()
	h.d.NormalReceived()
	h.d.PaddingReceived()
	h.at(time.Second)
	h.check() // no padding, no end of blocking, no events
	if _, ok := h.clock.Next(); ok {
		t.Error("a timer is still armed after Close")
	}
}

func TestNewErrors(t *testing.T) {
	noop := func(Padding) {}
	noBlock := func(bool) {}
	valid := []maybenot.Machine{machine(t, state(nil))}
	for _, tt := range []struct {
		name string
		cfg  Config
		is   error
	}{
		{"no SendPadding", Config{Machines: valid, BlockingChanged: noBlock}, nil},
		{"no BlockingChanged", Config{Machines: valid, SendPadding: noop}, nil},
		{"negative rate", Config{Machines: valid, SendPadding: noop, BlockingChanged: noBlock, MaxActionsPerSecond: -1}, nil},
		{"NaN rate", Config{Machines: valid, SendPadding: noop, BlockingChanged: noBlock, MaxActionsPerSecond: math.NaN()}, nil},
		{"padding fraction", Config{Machines: valid, SendPadding: noop, BlockingChanged: noBlock, MaxPaddingFrac: 2}, maybenot.ErrPaddingLimit},
		{"blocking fraction", Config{Machines: valid, SendPadding: noop, BlockingChanged: noBlock, MaxBlockingFrac: -1}, maybenot.ErrBlockingLimit},
		{"invalid machine", Config{Machines: []maybenot.Machine{{}}, SendPadding: noop, BlockingChanged: noBlock}, maybenot.ErrInvalidMachine},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := New(tt.cfg)
			if err == nil {
				d.Close()
				t.Fatal("New succeeded")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("New: %v, want an error matching %v", err, tt.is)
			}
		})
	}
	d, err := New(Config{SendPadding: noop, BlockingChanged: noBlock, MaxActionsPerSecond: math.Inf(1)})
	if err != nil {
		t.Fatalf("New with no machines and an infinite rate: %v", err)
	}
	d.NormalQueued()
	d.Close()
}

func TestSelfAnsweringMachine(t *testing.T) {
	// State 1 sets the internal timer and, on the TimerBegin that follows,
	// returns to itself: it would answer itself forever.
	m := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(updateTimer(ms, true), on(maybenot.TimerBegin, 1)),
	)

	t.Run("report returns", func(t *testing.T) {
		h := newHarness(t, Config{Machines: []maybenot.Machine{m}})
		h.d.NormalQueued()
		if len(h.log) != maxRounds {
			t.Fatalf("the report made %d calls to the framework, want %d:\n%s", len(h.log), maxRounds, strings.Join(h.log, "\n"))
		}
		if !h.d.wake.running() {
			t.Error("the TimerBegin left over is not scheduled")
		}
		if len(h.d.events) != 1 || h.d.events[0] != (maybenot.TriggerEvent{Event: maybenot.TimerBegin}) {
			t.Errorf("waiting events = %v, want [TimerBegin(0)]", h.d.events)
		}
	})

	t.Run("rate limit ends it", func(t *testing.T) {
		h := newHarness(t, Config{Machines: []maybenot.Machine{m}, MaxActionsPerSecond: 50})
		h.d.NormalQueued()
		h.at(time.Second)
		// 50 UpdateTimer actions pass; the 51st call's action is dropped,
		// so no TimerBegin follows it; the last timer set ends 1ms later.
		calls := 0
		for _, line := range h.log {
			if strings.Contains(line, "UpdateTimer") {
				calls++
			}
		}
		if calls != 50 {
			t.Errorf("%d UpdateTimer actions passed, want 50:\n%s", calls, strings.Join(h.log, "\n"))
		}
		if last := h.log[len(h.log)-1]; last != "1ms TimerEnd(0)" {
			t.Errorf("last line %q, want the timer's end", last)
		}
	})
}

func TestDefaultActionCap(t *testing.T) {
	for _, tt := range []struct {
		rate   float64
		want   float64
		capped bool
	}{
		{0, DefaultMaxActionsPerSecond, true},
		{25, 25, true},
		{math.Inf(1), math.Inf(1), false},
	} {
		d, err := New(Config{SendPadding: func(Padding) {}, BlockingChanged: func(bool) {}, MaxActionsPerSecond: tt.rate})
		if err != nil {
			t.Fatal(err)
		}
		if d.maxActions != tt.want || d.capped != tt.capped {
			t.Errorf("MaxActionsPerSecond %v: cap %v (rate limiter %v), want %v (%v)", tt.rate, d.maxActions, d.capped, tt.want, tt.capped)
		}
		d.Close()
	}
}

func TestEndBlocking(t *testing.T) {
	// Machine 0 blocks at once for 100ms; at 30ms the integrator ends the
	// blocking early.
	m := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(blocking(0, 100*ms, false, false)),
	)
	h := newHarness(t, Config{Machines: []maybenot.Machine{m}})
	h.d.EndBlocking() // nothing blocked: nothing happens
	h.d.NormalQueued()
	h.at(30 * ms)
	h.send()
	h.d.EndBlocking()
	if blocked, _ := h.d.Blocked(); !blocked {
		t.Error("EndBlocking ended the blocking before the clock timer fired")
	}
	h.d.EndBlocking() // twice changes nothing
	h.at(30 * ms)
	if blocked, _ := h.d.Blocked(); blocked {
		t.Error("still blocked after EndBlocking and the clock timer")
	}
	h.at(time.Second)
	h.check(
		"0s NormalSent -> BlockOutgoing(machine 0, timeout 0s, duration 100ms)",
		"0s BlockingBegin(0)",
		"0s blocked",
		"30ms NormalSent",
		"30ms BlockingEnd",
		"30ms unblocked",
		"30ms write normal",
		"30ms TunnelSent",
	)
}
