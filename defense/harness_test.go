package defense

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
)

// exactly returns a distribution that always gives d (in microseconds),
// without drawing randomness.
func exactly(d time.Duration) maybenot.Dist {
	v := float64(d / time.Microsecond)
	return maybenot.Dist{Type: maybenot.Uniform{Low: v, High: v}}
}

// edge is a certain transition on an event.
type edge struct {
	on maybenot.Event
	to uint32
}

func on(e maybenot.Event, to uint32) edge { return edge{e, to} }

// state returns a state with action a (nil for none) and the given certain
// transitions.
func state(a maybenot.Action, edges ...edge) maybenot.State {
	s := maybenot.State{Action: a}
	for _, e := range edges {
		s.Transitions[e.on] = append(s.Transitions[e.on], maybenot.Trans{State: e.to, Probability: 1})
	}
	return s
}

// machine builds a machine with no padding or blocking budgets (so only
// state limits apply) from states.
func machine(t testing.TB, states ...maybenot.State) maybenot.Machine {
	t.Helper()
	m, err := maybenot.NewMachine(0, 0, 0, 0, states)
	if err != nil {
		t.Fatal(err)
	}
	return *m
}

func padding(timeout time.Duration, bypass, replace bool) maybenot.Action {
	return maybenot.SendPadding{Timeout: exactly(timeout), Bypass: bypass, Replace: replace}
}

func blocking(timeout, duration time.Duration, bypass, replace bool) maybenot.Action {
	return maybenot.BlockOutgoing{Timeout: exactly(timeout), Duration: exactly(duration), Bypass: bypass, Replace: replace}
}

func updateTimer(duration time.Duration, replace bool) maybenot.Action {
	return maybenot.UpdateTimer{Duration: exactly(duration), Replace: replace}
}

// harness runs a Defense on a VirtualClock with an integrator that follows
// the rules of Padding and BlockingChanged, and logs, one line each with
// the virtual time: every call to the framework ("NormalSent ->
// SendPadding(...)"), every callback ("pad(...)", "blocked", "unblocked")
// and every packet the integrator writes ("write normal").
type harness struct {
	t     testing.TB
	clock *VirtualClock
	d     *Defense
	log   []string

	blocked bool
	waiting []string // kinds of the packets held back, in order
}

func newHarness(t testing.TB, cfg Config) *harness {
	t.Helper()
	h := &harness{t: t, clock: NewVirtualClock(epoch)}
	cfg.Clock = h.clock
	cfg.SendPadding = h.padding
	cfg.BlockingChanged = h.blocking
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d.observe = h.observe
	h.d = d
	t.Cleanup(d.Close)
	return h
}

func (h *harness) logf(format string, args ...any) {
	at := h.clock.Now().Sub(epoch)
	h.log = append(h.log, at.String()+" "+fmt.Sprintf(format, args...))
}

func (h *harness) observe(_ time.Time, events []maybenot.TriggerEvent, actions []maybenot.TriggerAction) {
	var b strings.Builder
	for i, e := range events {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e.String())
	}
	for i, a := range actions {
		if i == 0 {
			b.WriteString(" -> ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(a.String())
	}
	h.logf("%s", b.String())
}

func padString(p Padding) string {
	s := fmt.Sprintf("pad(%d", p.Machine)
	if p.Bypass {
		s += " bypass"
	}
	if p.Replace {
		s += " replace"
	}
	return s + ")"
}

func (h *harness) padding(p Padding) {
	h.logf("%s", padString(p))
	if p.Replace && len(h.waiting) > 0 {
		if p.Bypass {
			kind := h.waiting[0]
			h.waiting = h.waiting[1:]
			h.write(kind)
		}
		return
	}
	if p.Bypass || !h.blocked {
		h.write("padding")
		return
	}
	h.waiting = append(h.waiting, "padding")
}

func (h *harness) blocking(blocked bool) {
	h.blocked = blocked
	if blocked {
		h.logf("blocked")
		return
	}
	h.logf("unblocked")
	waiting := h.waiting
	h.waiting = nil
	for _, kind := range waiting {
		h.write(kind)
	}
}

// send queues a normal packet and writes it unless blocked.
func (h *harness) send() {
	h.d.NormalQueued()
	if h.blocked {
		h.waiting = append(h.waiting, "normal")
		return
	}
	h.write("normal")
}

func (h *harness) write(kind string) {
	h.logf("write %s", kind)
	h.d.PacketSent()
}

// at advances the virtual clock to offset from the epoch.
func (h *harness) at(offset time.Duration) {
	h.clock.AdvanceTo(epoch.Add(offset))
}

// check compares the log so far with want and clears it.
func (h *harness) check(want ...string) {
	h.t.Helper()
	if !slices.Equal(h.log, want) {
		h.t.Errorf("log:\n\t%s\nwant:\n\t%s", strings.Join(h.log, "\n\t"), strings.Join(want, "\n\t"))
	}
	h.log = nil
}
