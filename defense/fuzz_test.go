package defense

import (
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// fuzzBytes hands out the bytes of a fuzz input, then zeros.
type fuzzBytes []byte

func (b *fuzzBytes) next() byte {
	if len(*b) == 0 {
		return 0
	}
	c := (*b)[0]
	*b = (*b)[1:]
	return c
}

// fuzzDurations are the durations a fuzzed machine or step uses.
var fuzzDurations = [...]time.Duration{0, time.Microsecond, 100 * time.Microsecond, ms, 10 * ms, 200 * ms, time.Second, time.Hour}

func (b *fuzzBytes) duration() time.Duration { return fuzzDurations[b.next()%byte(len(fuzzDurations))] }

// fuzzMachines builds up to three small machines from b: every kind of
// action, with durations from fuzzDurations, any flags, and transitions on
// any event to any state, the end or the signal. Machines that do not
// validate are left out.
func fuzzMachines(b *fuzzBytes) []maybenot.Machine {
	var ms []maybenot.Machine
	for range 1 + b.next()%3 {
		flags := b.next()
		states := make([]maybenot.State, 1+b.next()%4)
		for i := range states {
			s := &states[i]
			f := b.next()
			bypass, replace := f&1 != 0, f&2 != 0
			timeout, duration := exactly(b.duration()), exactly(b.duration())
			switch f >> 2 % 6 {
			case 1:
				s.Action = maybenot.SendPadding{Timeout: timeout, Bypass: bypass, Replace: replace}
			case 2:
				s.Action = maybenot.BlockOutgoing{Timeout: timeout, Duration: duration, Bypass: bypass, Replace: replace}
			case 3:
				s.Action = maybenot.UpdateTimer{Duration: duration, Replace: replace}
			case 4:
				s.Action = maybenot.Cancel{Timer: maybenot.Timer(f >> 5 % 3)}
			}
			for range b.next() % 5 {
				e := maybenot.Event(b.next() % byte(maybenot.NumEvents))
				to := uint32(b.next()) % uint32(len(states)+2)
				switch to {
				case uint32(len(states)):
					to = maybenot.StateEnd
				case uint32(len(states)) + 1:
					to = maybenot.StateSignal
				}
				p := float32(1)
				if b.next()&1 != 0 {
					p = 0.5
				}
				if len(s.Transitions[e]) < 2 {
					s.Transitions[e] = append(s.Transitions[e], maybenot.Trans{State: to, Probability: p})
				}
			}
		}
		var padFrac, blockFrac float64
		if flags&1 != 0 {
			padFrac = 0.5
		}
		if flags&2 != 0 {
			blockFrac = 0.5
		}
		m, err := maybenot.NewMachine(uint64(flags>>2%4), padFrac, uint64(flags>>4%4)*1000, blockFrac, states)
		if err == nil {
			ms = append(ms, *m)
		}
	}
	return ms
}

// fuzzIntegrator follows the rules of Padding and BlockingChanged and
// checks what the Defense asks of it.
type fuzzIntegrator struct {
	t       *testing.T
	d       *Defense
	n       int // machines
	blocked bool
	held    int // packets held back
	pads    int // SendPadding calls
	closed  bool
}

func (f *fuzzIntegrator) sendPadding(p Padding) {
	f.pads++
	switch {
	case f.closed:
		f.t.Fatal("SendPadding after Close")
	case p.Machine < 0 || int(p.Machine) >= f.n:
		f.t.Fatalf("SendPadding for machine %d of %d", p.Machine, f.n)
	case p.Bypass && !f.blocked:
		f.t.Fatal("Padding.Bypass while not blocked")
	}
	switch {
	case p.Replace && f.held > 0:
		if p.Bypass {
			f.held--
			f.d.PacketSent()
		}
	case p.Bypass || !f.blocked:
		f.d.PacketSent()
	default:
		f.held++
	}
}

func (f *fuzzIntegrator) blockingChanged(blocked bool) {
	if f.closed {
		f.t.Fatal("BlockingChanged after Close")
	}
	if blocked == f.blocked {
		f.t.Fatalf("BlockingChanged(%v) twice in a row", blocked)
	}
	f.blocked = blocked
	if !blocked {
		for ; f.held > 0; f.held-- {
			f.d.PacketSent()
		}
	}
}

func (f *fuzzIntegrator) sendNormal() {
	f.d.NormalQueued()
	if f.blocked {
		f.held++
		return
	}
	f.d.PacketSent()
}

// FuzzDefense runs random machines on a VirtualClock against random
// reports and advances of time, and checks the Defense's promises: the
// changes of blocking alternate, Bypass comes only while blocked, once
// Advance returns every callback was made (one padding per PaddingSent)
// and the integrator's view of the blocking is the Defense's, and after
// Close nothing is held, nothing is called back and no timer is left.
func FuzzDefense(f *testing.F) {
	f.Add([]byte("\x01\x00\x02\x04\x03\x02\x01\x00\x08\x01\x05\x00\x06\x07\x00\x05\x09"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b := fuzzBytes(data)
		machines := fuzzMachines(&b)
		if len(machines) == 0 {
			t.Skip("no valid machine")
		}
		clock := NewVirtualClock(epoch)
		fi := &fuzzIntegrator{t: t, n: len(machines)}
		d, err := New(Config{
			Machines: machines,
			// Machines that answer themselves act at most this often,
			// so that every input runs fast.
			MaxActionsPerSecond: 2000,
			Rand:                splitmix.New(1),
			Clock:               clock,
			SendPadding:         fi.sendPadding,
			BlockingChanged:     fi.blockingChanged,
		})
		if err != nil {
			t.Fatal(err)
		}
		fi.d = d
		paddingSent := 0
		d.observe = func(_ time.Time, events []maybenot.TriggerEvent, _ []maybenot.TriggerAction) {
			for _, e := range events {
				if e.Event == maybenot.PaddingSent {
					paddingSent++
				}
			}
		}
		for steps := 0; len(b) > 0 && steps < 200; steps++ {
			switch op := b.next(); op % 8 {
			case 0:
				fi.sendNormal()
			case 1:
				d.PacketReceived()
				d.NormalReceived()
			case 2:
				d.PacketReceived()
				d.PaddingReceived()
			case 3:
				d.PacketReceived()
			case 4:
				d.EndBlocking()
			default:
				clock.Advance(fuzzDurations[op>>3%byte(len(fuzzDurations)-1)])
				if blocked, _ := d.Blocked(); blocked != fi.blocked {
					t.Fatalf("after Advance: Blocked() = %v, the integrator was told %v", blocked, fi.blocked)
				}
				if fi.pads != paddingSent {
					t.Fatalf("after Advance: %d SendPadding calls for %d PaddingSent", fi.pads, paddingSent)
				}
				if !d.idle() || d.calls.len() != 0 {
					t.Fatal("after Advance: callbacks still to make")
				}
			}
		}
		d.Close()
		fi.closed = true
		if fi.blocked || fi.held != 0 {
			t.Fatalf("after Close: blocked %v, %d packets held", fi.blocked, fi.held)
		}
		fi.sendNormal()
		d.PacketReceived()
		d.EndBlocking()
		clock.Advance(time.Hour)
		if _, ok := clock.Next(); ok {
			t.Fatal("a timer is armed after Close")
		}
	})
}
