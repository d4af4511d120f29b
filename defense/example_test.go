package defense_test

import (
	"fmt"
	"log"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/defense"
)

// This example integrates a Defense into a tiny sender that holds packets
// back while outgoing traffic is blocked, and runs it on a virtual clock.
// One machine sends padding 10ms after the last normal packet; another
// blocks outgoing traffic for 20ms, 10ms after the first normal packet.
func Example() {
	exactly := func(d time.Duration) maybenot.Dist {
		us := float64(d / time.Microsecond)
		return maybenot.Dist{Type: maybenot.Uniform{Low: us, High: us}}
	}
	always := func(to uint32) []maybenot.Trans { return []maybenot.Trans{{State: to, Probability: 1}} }

	var idle, pad maybenot.State
	idle.Transitions[maybenot.NormalSent] = always(1)
	pad.Action = maybenot.SendPadding{Timeout: exactly(10 * time.Millisecond)}
	pad.Transitions[maybenot.NormalSent] = always(1) // each normal packet restarts the timeout
	padder, err := maybenot.NewMachine(0, 0, 0, 0, []maybenot.State{idle, pad})
	if err != nil {
		log.Fatal(err)
	}
	var wait, block maybenot.State
	wait.Transitions[maybenot.NormalSent] = always(1)
	block.Action = maybenot.BlockOutgoing{Timeout: exactly(10 * time.Millisecond), Duration: exactly(20 * time.Millisecond)}
	blocker, err := maybenot.NewMachine(0, 0, 0, 0, []maybenot.State{wait, block})
	if err != nil {
		log.Fatal(err)
	}

	clock := defense.NewVirtualClock(time.Unix(0, 0))
	start := clock.Now()
	say := func(format string, args ...any) {
		fmt.Printf("%-5v %s\n", clock.Now().Sub(start), fmt.Sprintf(format, args...))
	}

	// The sender: packets are written at once unless outgoing traffic is
	// blocked; then they wait in held.
	type packet struct {
		kind   string
		queued time.Time
	}
	var (
		d       *defense.Defense
		blocked bool
		held    []packet
	)
	write := func(p packet) {
		if waited := clock.Now().Sub(p.queued); waited > 0 {
			say("write %s (held %v)", p.kind, waited)
		} else {
			say("write %s", p.kind)
		}
		d.PacketSent()
	}
	queue := func(p packet) {
		if blocked {
			say("hold %s", p.kind)
			held = append(held, p)
			return
		}
		write(p)
	}

	d, err = defense.New(defense.Config{
		Machines: []maybenot.Machine{*padder, *blocker},
		Clock:    clock,
		SendPadding: func(p defense.Padding) {
			if p.Replace && len(held) > 0 {
				if p.Bypass { // a held packet goes instead, now
					write(held[0])
					held = held[1:]
				}
				return
			}
			if p.Bypass {
				write(packet{"padding", clock.Now()})
				return
			}
			queue(packet{"padding", clock.Now()})
		},
		BlockingChanged: func(b bool) {
			blocked = b
			if b {
				say("blocked")
				return
			}
			say("unblocked")
			for _, p := range held {
				write(p)
			}
			held = nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()

	sendNormal := func() {
		d.NormalQueued()
		queue(packet{"normal", clock.Now()})
	}
	sendNormal()
	clock.Advance(5 * time.Millisecond)
	sendNormal()
	clock.Advance(15 * time.Millisecond)
	sendNormal()
	clock.Advance(time.Second)

	// Output:
	// 0s    write normal
	// 5ms   write normal
	// 10ms  blocked
	// 15ms  hold padding
	// 20ms  hold normal
	// 30ms  unblocked
	// 30ms  write padding (held 15ms)
	// 30ms  write normal (held 10ms)
	// 30ms  write padding
}
